"""Demo sales history, applied through the same path as synced store events.

``seed --demo --days D`` calls :func:`generate_history`: for every store and
each of the last D business days (today included, up to the current hour), a
deterministic stream of sales (varied baskets, cash and card, some discounts,
quieter Sundays, the store's opening hours in its local time) and a few
returns, each built as the store would push it and applied with
``head_office.ingest.apply.apply_event`` (so sales, stock, ledger and report
projections fill exactly as with real stores). Ids are derived from the store,
day and ticket number, so running it again adds nothing twice.

:func:`sale_payload` and :func:`return_payload` build event payloads the way a
store does (taxes on the sale's subtotal per tax class, half up); tests use them.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.clock import business_date, utcnow, zone
from common.taxes import compute_taxes

from .models import Product, Sale, Store

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
    """A sale event payload as a store pushes it (loaded form: UUIDs, dates, datetimes)."""
    lines = []
    for n, item in enumerate(items, start=1):
        net = item.qty * item.unit_price_cents - item.discount_cents
        lines.append({"line_no": n, "sku": item.sku, "name": item.name, "qty": item.qty,
                      "unit_price_cents": item.unit_price_cents, "discount_cents": item.discount_cents,
                      "net_cents": net, "tax_class": item.tax_class})
    subtotal = sum(line["net_cents"] for line in lines)
    taxes = compute_taxes((line["tax_class"], line["net_cents"]) for line in lines).by_tax
    tax = sum(taxes.values())
    total = subtotal + tax
    payments: list[dict[str, Any]] = []
    change = 0
    if len(tenders) == 1 and tenders[0] == "cash":
        tendered = -(-total // 500) * 500  # rounded up to the next $5 note
        payments = [{"tender": "cash", "amount_cents": tendered}]
        change = tendered - total
    elif len(tenders) == 1:
        payments = [{"tender": tenders[0], "amount_cents": total}]
    else:
        cash = min(total, 2000)
        payments = [{"tender": "cash", "amount_cents": cash}, {"tender": "card", "amount_cents": total - cash}]
    return {
        "id": sale_id or uuid.uuid4(),
        "receipt_number": receipt_number,
        "store_id": store_id,
        "cashier": cashier,
        "occurred_at": occurred_at,
        "business_date": business_date(occurred_at, timezone),
        "needs_count": False,
        "subtotal_cents": subtotal,
        "discount_cents": sum(item.discount_cents for item in items),
        "tax_cents": tax,
        "taxes": taxes,
        "total_cents": total,
        "change_cents": change,
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
) -> dict[str, Any]:
    """A return of ``(line_no, qty)`` pairs of a sale payload (pro rata of each line's net)."""
    by_no = {line["line_no"]: line for line in sale["lines"]}
    lines = []
    for line_no, qty in returned:
        line = by_no[line_no]
        net = line["net_cents"] * qty // line["qty"] if qty != line["qty"] else line["net_cents"]
        tax = compute_taxes([(line["tax_class"], net)]).total_cents
        lines.append({"sale_line_no": line_no, "sku": line["sku"], "qty": qty, "net_cents": net,
                      "tax_cents": tax})
    subtotal = sum(line["net_cents"] for line in lines)
    tax = sum(line["tax_cents"] for line in lines)
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
        "taxes": {},
        "refund_cents": subtotal + tax,
        "lines": lines,
        "refunds": [{"tender": "card", "amount_cents": subtotal + tax}],
    }


def apply(session: Session, store_id: int, event_type: str, payload: dict[str, Any]) -> None:
    """Apply one event through the ingest path (what a push does)."""
    from .ingest.apply import apply_event

    apply_event(session, store_id, event_type, payload, event_id=None, occurred_at=payload["occurred_at"])
