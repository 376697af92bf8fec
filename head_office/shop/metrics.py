"""The shop's Prometheus series (on the registry ``/metrics`` serves)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from common.metrics import REGISTRY

CHECKOUTS = Counter(
    "comptoir_checkout_total",
    "Checkouts by how they ended (confirmed, declined, insufficient_stock, payment_failed, pending, failed).",
    ["outcome"],
    registry=REGISTRY,
)
STEP_DURATION = Histogram(
    "comptoir_saga_step_duration_seconds",
    "Time each checkout saga step or compensation took.",
    ["step"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)
