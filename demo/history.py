"""Demo sales history, applied through the same path as synced store events.

``seed --demo --days D`` calls :func:`generate_history`: for every store and
each of the D closed business days before today, a
deterministic stream of sales (varied baskets, cash and card, some discounts,
quieter Sundays, the store's opening hours in its local time) and a few
returns, each built as the store would push it and applied through the store-sync
path (a day's sales in one bulk run, as a pushed batch is, then its returns), so
sales, stock, ledger and report projections fill exactly as with real stores. Ids are derived from the store,
day and ticket number, so running it again adds nothing twice.

:func:`sale_payload` and :func:`return_payload` build event payloads the way a
store does (taxes on the sale's subtotal per tax class, half up); tests use them.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.clock import business_date, business_day_bounds, utcnow, zone
from common.money import percent_of
from common.pricing import (
    PricedLine,
    cash_needed,
    change_due,
    price_sale,
    refund_line,
    refund_tenders,
)
from head_office.models import Product, Sale, Store
from head_office.stock.operations import move_store_stock
from head_office.storesync.apply import apply_event
from head_office.storesync.sale_batch import apply_sales

NAMESPACE = uuid.UUID("6f1c4e5a-2b7d-4c1e-9a3f-0c0fee5a1e00")


@dataclass(frozen=True)
class Item:
    """One line of a basket: a product as sold (price kept), quantity and discount."""

    sku: str
    name: str
    unit_price_cents: int
    tax_class: str
    qty: int
    discount_cents: int = 0

    @classmethod
    def of(cls, product: Product, qty: int, discount_cents: int = 0) -> Item:
        return cls(product.sku, product.name, product.price_cents, product.tax_class, qty, discount_cents)


def sale_payload(
    store_id: int,
    receipt_number: str,
    items: Sequence[Item],
    occurred_at: datetime,
    timezone: str = "America/Montreal",
    cashier: str = "cashier",
    tenders: Sequence[str] = ("card",),
    sale_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """A sale event payload as a store pushes it (loaded form: UUIDs, dates, datetimes), priced by
    ``common.pricing`` as the store prices it (each line carries its share of the taxes)."""
    priced = price_sale(
        [
            PricedLine(n, item.sku, item.name, item.qty, item.unit_price_cents, item.tax_class, None,
                       item.discount_cents)
            for n, item in enumerate(items, start=1)
        ]
    )
    lines: list[dict[str, Any]] = [
        {
            "line_no": line.line_no,
            "sku": line.sku,
            "name": line.name,
            "qty": line.qty,
            "unit_price_cents": line.unit_price_cents,
            "discount_cents": line.discount_cents,
            "net_cents": line.net_cents,
            "tax_class": line.tax_class,
            "tax_cents": line.tax_cents,
            "taxes": dict(line.taxes),
        }
        for line in priced.lines
    ]
    total = priced.total_cents
    payments: list[dict[str, Any]] = []
    if len(tenders) == 1 and tenders[0] == "cash":
        tendered = -(-total // 500) * 500  # rounded up to the next $5 note
        payments = [{"tender": "cash", "amount_cents": tendered}] if tendered else []
    elif len(tenders) == 1:
        payments = [{"tender": tenders[0], "amount_cents": total}] if total else []
    else:
        cash = min(total, 2000)
        payments = [{"tender": "cash", "amount_cents": cash}] if cash else []
        if cash_needed(total, cash):
            payments.append({"tender": "card", "amount_cents": cash_needed(total, cash)})
    paid = sum(payment["amount_cents"] for payment in payments)
    return {
        "id": sale_id or uuid.uuid4(),
        "receipt_number": receipt_number,
        "store_id": store_id,
        "cashier": cashier,
        "occurred_at": occurred_at,
        "business_date": business_date(occurred_at, timezone),
        "needs_count": False,
        "subtotal_cents": priced.subtotal_cents,
        "discount_cents": priced.discount_cents,
        "tax_cents": priced.tax_cents,
        "taxes": dict(priced.taxes),
        "total_cents": total,
        "change_cents": change_due(total, paid),
        "lines": lines,
        "payments": payments,
    }


def return_payload(
    sale: dict[str, Any],
    returned: Sequence[tuple[int, int]],
    occurred_at: datetime,
    timezone: str = "America/Montreal",
    cashier: str = "cashier",
    return_id: uuid.UUID | None = None,
    already: Mapping[int, int] | None = None,
) -> dict[str, Any]:
    """A return of ``(line_no, qty)`` pairs of a sale payload, refunding each line's share of its
    net and taxes as the store does (``common.pricing.refund_line``, half up, cumulative over
    the ``already`` returned units of each line)."""
    by_no = {line["line_no"]: line for line in sale["lines"]}
    already = already or {}
    lines = []
    taxes: dict[str, int] = {}
    for line_no, qty in returned:
        line = by_no[line_no]
        share = refund_line(line["net_cents"], line["taxes"], line["qty"], already.get(line_no, 0), qty)
        for name, amount in share.taxes.items():
            taxes[name] = taxes.get(name, 0) + amount
        lines.append(
            {"sale_line_no": line_no, "sku": line["sku"], "qty": qty, "net_cents": share.net_cents,
             "tax_cents": share.tax_cents}
        )
    subtotal = sum(line["net_cents"] for line in lines)
    tax = sum(line["tax_cents"] for line in lines)
    card_paid = sum(p["amount_cents"] for p in sale["payments"] if p["tender"] == "card")
    return {
        "id": return_id or uuid.uuid4(),
        "sale_id": sale["id"],
        "receipt_number": sale["receipt_number"],
        "store_id": sale["store_id"],
        "cashier": cashier,
        "occurred_at": occurred_at,
        "business_date": business_date(occurred_at, timezone),
        "subtotal_cents": subtotal,
        "tax_cents": tax,
        "taxes": taxes,
        "refund_cents": subtotal + tax,
        "lines": lines,
        "refunds": refund_tenders(subtotal + tax, card_paid, 0),
    }


def apply(
    session: Session,
    store_id: int,
    event_type: str,
    payload: dict[str, Any],
    event_id: uuid.UUID | None = None,
) -> None:
    """Apply one event through store sync's path (what a push does; a pushed event has its ``event_id``)."""
    apply_event(session, store_id, event_type, payload, event_id=event_id, occurred_at=payload["occurred_at"])


# Demo history -------------------------------------------------------------------------------

# Opening hours in the store's local time, by weekday (Monday = 0): (open, close) hours.
HOURS = {0: (9, 21), 1: (9, 21), 2: (9, 21), 3: (9, 21), 4: (9, 22), 5: (9, 18), 6: (10, 17)}
# How busy each weekday is, relative to an average day (Sundays are quiet).
WEEKDAY_FACTOR = {0: 0.8, 1: 0.85, 2: 0.9, 3: 1.0, 4: 1.25, 5: 1.35, 6: 0.55}
# Average sales a day, by store id (other stores get the last figure).
STORE_VOLUME = {1: 42, 2: 36, 3: 30, 4: 24, 5: 32}
CATEGORY_WEIGHT = {
    "Grocery": 6,
    "Snacks": 4,
    "Personal care": 2,
    "Household": 2,
    "Stationery": 1,
    "Hardware": 0.6,
    "Baby": 0.8,
    "Pets": 0.8,
}
RETURN_RATE = 0.02
DISCOUNT_RATE = 0.06
KEEP_SOLD_DAYS = 2  # sales of the last two days are not compensated in stock: a few alerts show


def _sale_id(store_id: int, day: date, n: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"sale:{store_id}:{day.isoformat()}:{n}")


def _daily_count(rng: random.Random, store_id: int, day: date, sales_per_day: int | None) -> int:
    base = sales_per_day if sales_per_day is not None else STORE_VOLUME.get(store_id, 30)
    return max(1, round(base * WEEKDAY_FACTOR[day.weekday()] * rng.uniform(0.85, 1.15)))


def _instants(rng: random.Random, day: date, timezone: str, count: int) -> list[datetime]:
    """``count`` sorted instants within the store's opening hours that day, busier mid-day and
    after work."""
    opening, closing = HOURS[day.weekday()]
    tz = zone(timezone)
    out = []
    for _ in range(count):
        hour = rng.triangular(opening, closing, opening + (closing - opening) * 0.6)
        local = datetime.combine(day, time(0), tz) + timedelta(hours=hour)
        out.append(local.astimezone(UTC))
    return sorted(out)


def _basket(rng: random.Random, catalog: list[Product], weights: list[float]) -> list[Item]:
    lines = rng.choices([1, 2, 3, 4, 5, 6, 8], weights=[24, 26, 20, 12, 8, 6, 4])[0]
    chosen: list[Product] = []
    for product in rng.choices(catalog, weights=weights, k=lines):
        if product not in chosen:
            chosen.append(product)
    items = []
    for product in chosen:
        qty = rng.choices([1, 2, 3, 4], weights=[70, 20, 7, 3])[0]
        discount = 0
        if rng.random() < DISCOUNT_RATE:
            discount = percent_of(qty * product.price_cents, rng.choice([10, 15, 20]))
        items.append(Item.of(product, qty, discount))
    return items


@dataclass
class _Draw:
    """What every store's history draws from, and the running counts."""

    catalog: list[Product]
    weights: list[float]
    sales_per_day: int | None
    counts: dict[str, int]


def generate_history(
    session: Session,
    days: int,
    now: datetime | None = None,
    sales_per_day: int | None = None,
    store_ids: list[int] | None = None,
    progress: Callable[[int], None] = lambda _n: None,
    commit: bool = False,
) -> dict[str, int]:
    """Apply the ``days`` closed business days before today of demo sales, for every store.

    Deterministic (one seeded random stream per store and day) and idempotent (sale and
    return ids derive from store, day and ticket number: sales already there are skipped).
    Stock sold by the history is put back as ``opening`` stock at its start, except for the
    last two days, so stores end near their seeded levels with a few stock-outs to show.
    With ``commit``, commits after every store-day (for long runs); otherwise only flushes.
    """
    if days < 1:
        return {"sales": 0, "returns": 0, "skipped": 0}
    now = now or utcnow()
    stores = list(session.scalars(select(Store).where(Store.active.is_(True)).order_by(Store.id)))
    if store_ids is not None:
        stores = [s for s in stores if s.id in store_ids]
    catalog = list(session.scalars(select(Product).where(Product.active.is_(True)).order_by(Product.sku)))
    if not catalog:
        return {"sales": 0, "returns": 0, "skipped": 0}
    weights = [CATEGORY_WEIGHT.get(p.category, 1.0) * (2.0 if p.price_cents < 600 else 1.0) for p in catalog]
    draw = _Draw(catalog, weights, sales_per_day, {"sales": 0, "returns": 0, "skipped": 0})
    for store in stores:
        _store_history(session, store, days, now, draw, progress, commit)
    session.flush()
    return draw.counts


def _store_history(
    session: Session,
    store: Store,
    days: int,
    now: datetime,
    draw: _Draw,
    progress: Callable[[int], None],
    commit: bool,
) -> None:
    """One store's ``days`` closed business days: each day's sales in one bulk run (as a
    store's pushed batch is), then its returns; then the stock it sold put back."""
    today = business_date(now, store.timezone)
    first = today - timedelta(days=days)
    # Closed business days only: history never reaches into today, so running the seed
    # again the same day adds nothing, and today's figures are the tills' own.
    cutoff = business_day_bounds(today, store.timezone)[0]
    compensate: dict[str, int] = {}
    for offset in range(days):
        day = first + timedelta(days=offset)
        keep_sold = day > today - timedelta(days=KEEP_SOLD_DAYS)
        day_sales, day_returns = _store_day(session, store, day, cutoff, draw, compensate, keep_sold)
        refused = apply_sales(session, store.id, [{"event_id": None, "payload": p} for p in day_sales])
        if refused:
            raise RuntimeError(f"demo history refused: {refused[0][1].reason}")
        for ret in day_returns:
            apply(session, store.id, "return", ret)
        if commit:
            session.commit()
        progress(1)
    _put_back_sold_stock(session, store, first, compensate, draw.catalog)
    if commit:
        session.commit()


def _store_day(
    session: Session,
    store: Store,
    day: date,
    cutoff: datetime,
    draw: _Draw,
    compensate: dict[str, int],
    keep_sold: bool,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A store's sales and returns of one day, as the store would push them (none at or after
    ``cutoff``, none already recorded). Unless ``keep_sold``, what they move is added to
    ``compensate``, the stock to put back."""
    rng = random.Random(f"comptoir-history:{store.id}:{day.isoformat()}")
    planned = _daily_count(rng, store.id, day, draw.sales_per_day)
    instants = _instants(rng, day, store.timezone, planned)
    existing = set(
        session.scalars(select(Sale.id).where(Sale.store_id == store.id, Sale.business_date == day))
    )
    day_sales: list[dict[str, Any]] = []
    day_returns: list[dict[str, Any]] = []
    for n, at in enumerate(instants, start=1):
        # Every draw is made before anything is skipped, so each ticket's stream stays the same.
        items = _basket(rng, draw.catalog, draw.weights)
        tender = rng.choices([("card",), ("cash",), ("cash", "card")], weights=[62, 33, 5])[0]
        wants_return = rng.random() < RETURN_RATE
        return_delay = timedelta(days=rng.choice([0, 1, 1, 2, 3]), hours=rng.uniform(0.2, 3))
        if at >= cutoff:
            continue
        sale_id = _sale_id(store.id, day, n)
        if sale_id in existing:
            draw.counts["skipped"] += 1
            continue
        cashier = f"cashier{store.id}" if n % 3 else f"storemgr{store.id}"
        receipt = f"{store.code}-H{day.strftime('%y%m%d')}-{n:04d}"
        sale = sale_payload(store.id, receipt, items, at, store.timezone, cashier, tender, sale_id)
        day_sales.append(sale)
        draw.counts["sales"] += 1
        if not keep_sold:
            for item in items:
                compensate[item.sku] = compensate.get(item.sku, 0) + item.qty
        returned_at = at + return_delay
        if wants_return and returned_at < cutoff:
            line = sale["lines"][rng.randrange(len(sale["lines"]))]
            qty = rng.randint(1, line["qty"])
            return_id = uuid.uuid5(NAMESPACE, f"return:{sale_id}")
            ret = return_payload(
                sale, [(line["line_no"], qty)], returned_at, store.timezone, cashier, return_id
            )
            day_returns.append(ret)
            draw.counts["returns"] += 1
            if not keep_sold:
                compensate[line["sku"]] = compensate.get(line["sku"], 0) - qty
    return day_sales, day_returns


def _put_back_sold_stock(
    session: Session, store: Store, first: date, compensate: dict[str, int], catalog: list[Product]
) -> None:
    """The stock the history sold before its last two days, back as ``opening`` stock at its
    start: stores end near their seeded levels."""
    start = datetime.combine(first, time(0), zone(store.timezone)).astimezone(UTC)
    skus = {p.sku: p for p in catalog}
    for sku, qty in sorted(compensate.items()):
        if qty > 0:
            move_store_stock(
                session,
                store.id,
                skus[sku].id,
                qty,
                "opening",
                start,
                "history",
                f"{store.code}:{first.isoformat()}",
                "seed",
                note="stock the demo history sold before its last two days",
            )


def generate_history_parallel(
    factory: Callable[[], Session],
    days: int,
    now: datetime | None = None,
    progress: Callable[[int], None] = lambda _n: None,
    workers: int = 4,
) -> dict[str, int]:
    """:func:`generate_history` for every store at once, one thread and session per store,
    committing after each store-day (stores touch disjoint rows, so they do not contend)."""
    now = now or utcnow()
    with factory() as session:
        store_ids = list(session.scalars(select(Store.id).where(Store.active.is_(True)).order_by(Store.id)))
    lock = threading.Lock()

    def report(n: int) -> None:
        with lock:
            progress(n)

    def one(store_id: int) -> dict[str, int]:
        with factory() as session:
            return generate_history(
                session, days, now=now, store_ids=[store_id], progress=report, commit=True
            )

    totals = {"sales": 0, "returns": 0, "skipped": 0}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(store_ids) or 1))) as pool:
        for counts in pool.map(one, store_ids):
            for key in totals:
                totals[key] += counts[key]
    return totals
