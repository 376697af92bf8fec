"""Prometheus metrics as WSGI middleware (no Flask import).

``instrument(app.wsgi_app, service="store", route_of=...)`` counts requests
and measures latency per endpoint and status; ``/metrics`` is served by the
app itself with ``render(...)``, which adds the app's own scrape-time
collectors (gauges read from its database when Prometheus asks: right
whatever the number of worker processes). The business series are defined
beside what they count: ``common.monitoring``, ``store_node.monitoring``,
``sync.monitoring``, ``head_office.monitoring``.

Under ``comptoir head-office serve --workers N`` every worker is its own
process: the supervisor sets ``PROMETHEUS_MULTIPROC_DIR`` (a fresh folder per
serve) before the workers start, prometheus-client then keeps each worker's
values in files there, and ``render()`` sums them all with a
``MultiProcessCollector``, so whichever worker answers ``/metrics`` counts
every worker's requests.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "comptoir_http_requests_total",
    "HTTP requests served, by service, endpoint, method and status.",
    ["service", "endpoint", "method", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "comptoir_http_request_duration_seconds",
    "HTTP request latency, by service, endpoint and status.",
    ["service", "endpoint", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)


def instrument(
    wsgi_app: Callable[..., Iterable[bytes]],
    service: str,
    endpoint_of: Callable[[dict[str, Any]], str],
) -> Callable[..., Iterable[bytes]]:
    """Wrap a WSGI app. ``endpoint_of(environ)`` names the endpoint (never the raw path,
    which would make one series per id)."""

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        status_holder: list[str] = ["500"]

        def recording_start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            status_holder[0] = status.split(" ", 1)[0]
            return start_response(status, headers, exc_info)

        try:
            return wsgi_app(environ, recording_start_response)
        finally:
            endpoint = endpoint_of(environ) or "unmatched"
            REQUESTS.labels(service, endpoint, environ.get("REQUEST_METHOD", "GET"), status_holder[0]).inc()
            LATENCY.labels(service, endpoint, status_holder[0]).observe(time.perf_counter() - started)

    return middleware


def render(extra: CollectorRegistry | None = None) -> tuple[bytes, str]:
    """The metrics page body and its content type (every worker's, under multiprocess mode);
    ``extra`` holds the app's own scrape-time collectors (``app.extensions["comptoir_metrics"]``)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    if extra is not None:
        body += generate_latest(extra)
    return body, CONTENT_TYPE_LATEST
