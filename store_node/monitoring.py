"""The store node's own series: its queue, read from its SQLite file when Prometheus scrapes.

Gauges computed at scrape time are always right (no process has to keep
them up to date) and cost one indexed count per scrape.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from flask import Flask, Response, g
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from common import logs, monitoring
from common.clock import parse_instant, utcnow

SERVICE = "store"


class QueueCollector(Collector):
    """``comptoir_sync_pending_events`` and ``comptoir_sync_oldest_pending_age_seconds``."""

    def __init__(self, path: Path, store_id: int) -> None:
        self.path = path
        self.store_id = str(store_id)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pending = GaugeMetricFamily(
            "comptoir_sync_pending_events",
            "Events waiting in the outbox for head office.",
            labels=["store_id"],
        )
        oldest = GaugeMetricFamily(
            "comptoir_sync_oldest_pending_age_seconds",
            "Age of the oldest event waiting in the outbox (0 when none waits).",
            labels=["store_id"],
        )
        last_push = GaugeMetricFamily(
            "comptoir_sync_last_push_age_seconds",
            "Seconds since head office last acknowledged a push (absent before the first).",
            labels=["store_id"],
        )
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=2)
        try:
            count, first = conn.execute(
                "SELECT count(*), min(created_at) FROM outbox WHERE sent_at IS NULL"
            ).fetchone()
            row = conn.execute("SELECT last_push_at FROM sync_state WHERE id = 1").fetchone()
        finally:
            conn.close()
        now = utcnow()
        pending.add_metric([self.store_id], int(count))
        age = max(0.0, (now - parse_instant(first)).total_seconds()) if first else 0.0
        oldest.add_metric([self.store_id], age)
        yield pending
        yield oldest
        if row and row[0]:
            last_push.add_metric([self.store_id], max(0.0, (now - parse_instant(row[0])).total_seconds()))
            yield last_push


def registry_for(path: Path, store_id: int) -> CollectorRegistry:
    """The app's scrape-time registry (``app.extensions["comptoir_metrics"]``)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(QueueCollector(path, store_id))
    monitoring.init_store(SERVICE, store_id)
    return registry


def sale_recorded(store_id: int, net_cents: int) -> None:
    monitoring.sale(SERVICE, store_id, net_cents)


def return_recorded(store_id: int, net_cents: int) -> None:
    monitoring.returned(SERVICE, store_id, net_cents)


def init_app(app: Flask) -> None:
    """Name the signed-in cashier or manager on the request's log lines."""

    @app.after_request
    def _log_who(response: Response) -> Response:
        logs.bind(user=getattr(g.get("staff"), "username", None))
        return response
