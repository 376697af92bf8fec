"""Head office's own series: its view of each store, rejections, replenishments, the database.

The gauges are read from PostgreSQL when Prometheus scrapes (a custom
collector): every head-office process and instance answers the same, right
whatever the number of workers. The counters (rejections parked, sales
applied) count what this process did; under ``--workers`` prometheus-client's
multiprocess mode sums them. The connection-pool gauges are per process
(``livesum`` across a host's workers).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, g
from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event, text

from common import logs, monitoring
from common.metrics import REGISTRY

log = logging.getLogger(__name__)

SERVICE = "head_office"
REPLENISHMENT_STATUSES = ("requested", "approved", "rejected", "shipped", "received")

REJECTIONS = Counter(
    "comptoir_sync_rejections",
    "Store events head office could not apply and parked in sync_rejections, by store.",
    ["store_id"],
    registry=REGISTRY,
)
POOL_IN_USE = Gauge(
    "comptoir_db_pool_in_use",
    "Database connections checked out of this host's pools.",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
POOL_WAITING = Gauge(
    "comptoir_db_pool_waiting",
    "Threads waiting for a database connection from this host's pools.",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)

_STORES = text("""
SELECT s.id, s.code,
       EXTRACT(EPOCH FROM now() - COALESCE(st.last_contact_at, s.token_issued_at, s.created_at)),
       st.last_contact_at IS NOT NULL,
       st.pending_events_reported, st.oldest_pending_age_s
FROM stores s LEFT JOIN store_sync_state st ON st.store_id = s.id
WHERE s.active ORDER BY s.id
""")
_PARKED = text(
    "SELECT store_id, count(*) FROM sync_rejections WHERE resolved_at IS NULL GROUP BY store_id"
)
_REPLENISHMENTS = text("SELECT status, count(*) FROM replenishments GROUP BY status")
_CONNECTIONS = text(
    "SELECT COALESCE(state, 'unknown'), count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() GROUP BY 1"
)


class HeadOfficeCollector(Collector):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("comptoir_database_up", "1 when head office could read its database.")
        try:
            with self.engine.connect() as conn:
                stores = conn.execute(_STORES).all()
                parked: dict[int, int] = {row[0]: row[1] for row in conn.execute(_PARKED)}
                replenishments: dict[str, int] = {row[0]: row[1] for row in conn.execute(_REPLENISHMENTS)}
                connections = conn.execute(_CONNECTIONS).all()
        except Exception:  # noqa: BLE001 - a scrape must answer even when the database is down
            log.warning("metrics: the database could not be read", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up

        contact = GaugeMetricFamily(
            "comptoir_store_last_contact_age_seconds",
            "Seconds since a store last pushed or pulled (since its token was issued if never).",
            labels=["store_id"],
        )
        info = GaugeMetricFamily(
            "comptoir_store_info", "Each active store (value 1), with its code.", labels=["store_id", "code"]
        )
        pending = GaugeMetricFamily(
            "comptoir_store_reported_pending_events",
            "Events a store said were still waiting after its last push.",
            labels=["store_id"],
        )
        oldest = GaugeMetricFamily(
            "comptoir_store_reported_oldest_pending_age_seconds",
            "Age of a store's oldest waiting event when it last pushed.",
            labels=["store_id"],
        )
        parked_gauge = GaugeMetricFamily(
            "comptoir_sync_rejections_parked",
            "Rejected store events not yet resolved, by store.",
            labels=["store_id"],
        )
        for store_id, code, age, _contacted, waiting, oldest_s in stores:
            label = str(store_id)
            contact.add_metric([label], max(0.0, float(age or 0)))
            info.add_metric([label, code], 1)
            pending.add_metric([label], int(waiting or 0))
            oldest.add_metric([label], int(oldest_s or 0))
            parked_gauge.add_metric([label], int(parked.get(store_id, 0)))
            REJECTIONS.labels(label)  # at zero until the first one: increase() sees that one
        yield from (contact, info, pending, oldest, parked_gauge)

        states = GaugeMetricFamily(
            "comptoir_replenishments", "Replenishments in each status.", labels=["status"]
        )
        for status in REPLENISHMENT_STATUSES:
            states.add_metric([status], int(replenishments.get(status, 0)))
        yield states

        conns = GaugeMetricFamily(
            "comptoir_db_connections",
            "Connections to head office's database (every process and instance), by state.",
            labels=["state"],
        )
        for state, count in connections:
            conns.add_metric([str(state)], int(count))
        yield conns


def registry_for(engine: Engine) -> CollectorRegistry:
    """The app's scrape-time registry (``app.extensions["comptoir_metrics"]``)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HeadOfficeCollector(engine))
    return registry


def watch_pool(engine: Engine) -> None:
    """Keep the pool gauges: checkouts and checkins, and threads blocked waiting for one."""

    @event.listens_for(engine, "checkout")
    def _checkout(*_args: Any) -> None:
        POOL_IN_USE.inc()

    @event.listens_for(engine, "checkin")
    def _checkin(*_args: Any) -> None:
        POOL_IN_USE.dec()

    pool: Any = engine.pool
    take = pool._do_get  # QueuePool's blocking get: the one place a thread waits for a connection

    def waiting_get() -> Any:
        POOL_WAITING.inc()
        try:
            return take()
        finally:
            POOL_WAITING.dec()

    pool._do_get = waiting_get


def store_pushed(store_id: int, result: Any) -> None:
    """Count what a committed push applied."""
    if result.sales:
        monitoring.sale(SERVICE, store_id, result.sales_net_cents, result.sales)
    if result.returns:
        monitoring.returned(SERVICE, store_id, result.returns_net_cents, result.returns)
    if result.rejected:
        REJECTIONS.labels(str(store_id)).inc(result.rejected)


def init_app(app: Flask) -> None:
    """Name the signed-in user on the request's log lines (sync requests name their store)."""

    @app.after_request
    def _log_who(response: Response) -> Response:
        user = g.get("user") or g.get("page_user")
        logs.bind(user=getattr(user, "username", None))
        return response
