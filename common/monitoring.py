"""The business series both services export (defined once: a test process imports both).

At a store they count what the till recorded; at head office what the
stores' pushes applied. Labels stay bounded: the service and the store id,
never a SKU or a receipt number.
"""

from __future__ import annotations

from prometheus_client import Counter

from .metrics import REGISTRY

SALES = Counter(
    "comptoir_sales",
    "Sales recorded (at a store) or applied from a store's push (at head office).",
    ["service", "store_id"],
    registry=REGISTRY,
)
SALES_NET_CENTS = Counter(
    "comptoir_sales_net_cents",
    "Net amount of those sales in cents (after discounts, before tax): revenue before returns.",
    ["service", "store_id"],
    registry=REGISTRY,
)
RETURNS = Counter(
    "comptoir_returns",
    "Returns recorded (at a store) or applied from a store's push (at head office).",
    ["service", "store_id"],
    registry=REGISTRY,
)
RETURNS_NET_CENTS = Counter(
    "comptoir_returns_net_cents",
    "Net amount of those returns in cents (before tax): what revenue loses to returns.",
    ["service", "store_id"],
    registry=REGISTRY,
)


def sale(service: str, store_id: int, net_cents: int, count: int = 1) -> None:
    label = str(store_id)
    SALES.labels(service, label).inc(count)
    SALES_NET_CENTS.labels(service, label).inc(max(0, net_cents))


def returned(service: str, store_id: int, net_cents: int, count: int = 1) -> None:
    label = str(store_id)
    RETURNS.labels(service, label).inc(count)
    RETURNS_NET_CENTS.labels(service, label).inc(max(0, net_cents))


def init_store(service: str, store_id: int) -> None:
    """Make a store's series exist at zero (a rate needs a first sample before the first sale)."""
    label = str(store_id)
    for counter in (SALES, SALES_NET_CENTS, RETURNS, RETURNS_NET_CENTS):
        counter.labels(service, label)
