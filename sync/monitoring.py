"""What the store's sync jobs export to Prometheus: push and pull outcomes and durations.

``outcome`` is ``ok``, ``refused`` (head office answered with an error) or
``unreachable`` (no answer at all). The queue itself (pending events, age of
the oldest) is read from the store's file when Prometheus scrapes
(``store_node.monitoring``).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from common.metrics import REGISTRY

OUTCOMES = ("ok", "refused", "unreachable")
_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

PUSHES = Counter(
    "comptoir_sync_push",
    "Pushes of the outbox to head office, by store and outcome (ok, refused, unreachable).",
    ["store_id", "outcome"],
    registry=REGISTRY,
)
PULLS = Counter(
    "comptoir_sync_pull",
    "Pulls of changes from head office, by store and outcome (ok, refused, unreachable).",
    ["store_id", "outcome"],
    registry=REGISTRY,
)
PUSH_DURATION = Histogram(
    "comptoir_sync_push_duration_seconds",
    "Time a push took (every batch until the queue is empty), by store and outcome.",
    ["store_id", "outcome"],
    buckets=_BUCKETS,
    registry=REGISTRY,
)
PULL_DURATION = Histogram(
    "comptoir_sync_pull_duration_seconds",
    "Time a pull took (every page), by store and outcome.",
    ["store_id", "outcome"],
    buckets=_BUCKETS,
    registry=REGISTRY,
)
PUSHED_EVENTS = Counter(
    "comptoir_sync_pushed_events",
    "Events head office acknowledged, by store.",
    ["store_id"],
    registry=REGISTRY,
)


def outcome_of(status: int | None) -> str:
    """``refused`` when head office answered (with an error status), ``unreachable`` when not."""
    return "unreachable" if status is None else "refused"


def record(kind: str, store_id: int, outcome: str, seconds: float) -> None:
    counter, histogram = (PUSHES, PUSH_DURATION) if kind == "push" else (PULLS, PULL_DURATION)
    label = str(store_id)
    counter.labels(label, outcome).inc()
    histogram.labels(label, outcome).observe(seconds)


def init_store(store_id: int) -> None:
    """Make every outcome's series exist at zero, so a rate over them means something at once."""
    for outcome in OUTCOMES:
        PUSHES.labels(str(store_id), outcome)
        PULLS.labels(str(store_id), outcome)
    PUSHED_EVENTS.labels(str(store_id))
