"""Applying a run of sale events in bulk: a few statements for the run, not a dozen per sale.

The per-event path (:mod:`.apply`) costs a savepoint and about a dozen round trips per sale;
a day offline is thousands of sales. Here the checks that can refuse a sale (unknown SKU,
sale or receipt already recorded) are made for the whole run with one query each, refused
sales are returned for parking, and the rest are written by one statement in which
PostgreSQL unpacks the JSON the store sent into sales, lines, payments and stock movements;
stock and projection changes are summed first. The result is the same rows as the
per-event path writes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..models import Product, Sale
from ..reports import projections
from ..stock.operations import add_to_store_stock
from .unappliable import Unappliable

# One statement writes a run of sales from the JSON the store sent: PostgreSQL unpacks it
# (in C) into sales, lines, payments and stock movements; Python only checks and sums.
_WRITE_SALES = text("""
WITH ev AS (
    SELECT a.e -> 'payload' AS p, NULLIF(a.e ->> 'event_id', '')::uuid AS event_id
    FROM jsonb_array_elements(CAST(:body AS jsonb) -> 'events') WITH ORDINALITY AS a(e, n)
    WHERE a.n = ANY(CAST(:positions AS bigint[]))
),
prod AS (
    SELECT key AS sku, value::int AS id FROM jsonb_each_text(CAST(:products AS jsonb))
),
lines AS (
    SELECT ev.p, l.value AS l FROM ev, jsonb_array_elements(ev.p -> 'lines') AS l
),
ins_sales AS (
    INSERT INTO sales (id, store_id, receipt_number, cashier, occurred_at, business_date, subtotal_cents,
                       discount_cents, tax_cents, taxes, total_cents, change_cents, needs_count, event_id)
    SELECT (p ->> 'id')::uuid, :store, p ->> 'receipt_number', p ->> 'cashier',
           (p ->> 'occurred_at')::timestamptz, (p ->> 'business_date')::date,
           (p ->> 'subtotal_cents')::bigint, COALESCE((p ->> 'discount_cents')::bigint, 0),
           (p ->> 'tax_cents')::bigint, COALESCE(p -> 'taxes', '{}'::jsonb), (p ->> 'total_cents')::bigint,
           COALESCE((p ->> 'change_cents')::bigint, 0), COALESCE((p ->> 'needs_count')::boolean, false),
           event_id
    FROM ev
),
ins_lines AS (
    INSERT INTO sale_lines (sale_id, line_no, product_id, sku, name, qty, unit_price_cents, discount_cents,
                            net_cents, tax_class)
    SELECT (p ->> 'id')::uuid, (l ->> 'line_no')::int, prod.id, l ->> 'sku', l ->> 'name', (l ->> 'qty')::int,
           (l ->> 'unit_price_cents')::bigint, (l ->> 'discount_cents')::bigint, (l ->> 'net_cents')::bigint,
           l ->> 'tax_class'
    FROM lines JOIN prod ON prod.sku = l ->> 'sku'
),
ins_payments AS (
    INSERT INTO sale_payments (sale_id, idx, tender, amount_cents)
    SELECT (ev.p ->> 'id')::uuid, x.idx::int, x.pay ->> 'tender', (x.pay ->> 'amount_cents')::bigint
    FROM ev, jsonb_array_elements(COALESCE(ev.p -> 'payments', '[]'::jsonb)) WITH ORDINALITY AS x(pay, idx)
)
INSERT INTO stock_movements (occurred_at, location, bucket, store_id, product_id, kind, qty, ref_type,
                             ref_id, actor, note)
SELECT (p ->> 'occurred_at')::timestamptz, 'store', 'on_hand', :store, prod.id, 'sale', -(l ->> 'qty')::int,
       'sale', p ->> 'id', p ->> 'cashier', ''
FROM lines JOIN prod ON prod.sku = l ->> 'sku'
""")


def apply_sales(
    session: Session, store_id: int, events: list[dict[str, Any]], body_json: str | None = None
) -> list[tuple[dict[str, Any], Unappliable]]:
    """Apply validated sale events (in seq order); returns those refused, with the reason.

    ``body_json`` is the push body as the store sent it, each event carrying its ``position``
    (1-based) in its ``events`` array; without it (demo history) the payloads are serialised here.
    """
    refused: list[tuple[dict[str, Any], Unappliable]] = []
    payloads = [event["payload"] for event in events]
    skus = {line["sku"] for p in payloads for line in p["lines"]}
    product_ids = dict(session.execute(select(Product.sku, Product.id).where(Product.sku.in_(skus))).all())
    known_ids = {
        str(sale_id)
        for sale_id in session.scalars(select(Sale.id).where(Sale.id.in_([str(p["id"]) for p in payloads])))
    }
    taken_receipts: dict[str, Any] = dict(
        session.execute(
            select(Sale.receipt_number, Sale.id).where(
                Sale.store_id == store_id, Sale.receipt_number.in_([p["receipt_number"] for p in payloads])
            )
        ).all()
    )

    stock_delta: dict[int, int] = defaultdict(int)
    accepted_events: list[dict[str, Any]] = []
    accepted: list[dict[str, Any]] = []
    positions: list[int] = []
    for event, p in zip(events, payloads, strict=True):
        problem = _check(store_id, p, product_ids, known_ids, taken_receipts)
        if problem is not None:
            refused.append((event, problem))
            continue
        known_ids.add(str(p["id"]))
        taken_receipts[p["receipt_number"]] = p["id"]
        accepted.append(p)
        accepted_events.append(event)
        positions.append(event.get("position", len(positions) + 1))
        for line in p["lines"]:
            stock_delta[product_ids[line["sku"]]] -= line["qty"]
    if not accepted:
        return refused

    if body_json is None:
        positions = list(range(1, len(accepted) + 1))
        events_out = [{"event_id": e.get("event_id"), "payload": e["payload"]} for e in accepted_events]
        body_json = json.dumps({"events": events_out}, default=str)
    session.execute(
        _WRITE_SALES,
        {"body": body_json, "positions": positions, "products": json.dumps(product_ids), "store": store_id},
    )
    add_to_store_stock(session, store_id, stock_delta)
    _project(session, store_id, accepted)
    return refused


def _check(
    store_id: int,
    p: dict[str, Any],
    product_ids: dict[str, int],
    known_ids: set[Any],
    taken_receipts: dict[str, Any],
) -> Unappliable | None:
    if p.get("store_id") != store_id:
        return Unappliable(
            "wrong_store", f"The event names store {p.get('store_id')} but came from store {store_id}."
        )
    if p["id"] in known_ids:
        return Unappliable("duplicate_sale", f"Sale {p['id']} was already recorded by another event.")
    if p["receipt_number"] in taken_receipts:
        return Unappliable(
            "duplicate_receipt",
            f"Receipt {p['receipt_number']} already belongs to sale {taken_receipts[p['receipt_number']]}.",
        )
    missing = sorted({line["sku"] for line in p["lines"]} - set(product_ids))
    if missing:
        return Unappliable("unknown_sku", f"Unknown SKU {', '.join(missing)} at head office.")
    return None


def _project(session: Session, store_id: int, sales: list[dict[str, Any]]) -> None:
    """Fold the run into the report projections: one multi-row upsert per projection table."""
    days: dict[Any, dict[str, Any]] = {}
    products: dict[tuple[Any, str], dict[str, Any]] = {}
    for p in sales:
        day = p["business_date"]
        totals = days.setdefault(
            day,
            {
                "store_id": store_id,
                "business_date": day,
                "count": 0,
                "sales_cents": 0,
                "tax_cents": 0,
                "units": 0,
            },
        )
        totals["count"] += 1
        totals["sales_cents"] += p["subtotal_cents"]
        totals["tax_cents"] += p["tax_cents"]
        for line in p["lines"]:
            totals["units"] += line["qty"]
            row = products.setdefault(
                (day, line["sku"]),
                {"store_id": store_id, "business_date": day, "sku": line["sku"], "qty": 0, "cents": 0},
            )
            row["name"] = line["name"]  # the latest sale's name, as the per-sale path leaves it
            row["qty"] += line["qty"]
            row["cents"] += line["net_cents"]
    projections.record_sales_summary(
        session, [days[d] for d in sorted(days)], [products[k] for k in sorted(products)]
    )
