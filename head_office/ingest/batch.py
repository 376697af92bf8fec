"""Applying a run of sale events in bulk: a handful of multi-row statements, not a dozen per sale.

The per-event path (:mod:`.apply`) costs a savepoint and about a dozen round trips per sale;
a day offline is thousands of sales. Here the checks that can refuse a sale (unknown SKU,
sale or receipt already recorded) are made for the whole run with one query each, refused
sales are returned for parking, and the rest are written with one statement per table, their
stock moves and projection rows summed first. The result is the same rows as the per-event
path writes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import Product, Sale, SaleLine, SalePayment, StockMovement, StoreStock
from .apply import Unappliable


def apply_sales(
    session: Session, store_id: int, events: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], Unappliable]]:
    """Apply validated sale events (in seq order); returns those refused, with the reason."""
    refused: list[tuple[dict[str, Any], Unappliable]] = []
    payloads = [event["payload"] for event in events]
    skus = {line["sku"] for p in payloads for line in p["lines"]}
    product_ids = dict(session.execute(select(Product.sku, Product.id).where(Product.sku.in_(skus))).all())
    known_ids = set(session.scalars(select(Sale.id).where(Sale.id.in_([p["id"] for p in payloads]))))
    taken_receipts: dict[str, Any] = dict(
        session.execute(
            select(Sale.receipt_number, Sale.id).where(
                Sale.store_id == store_id, Sale.receipt_number.in_([p["receipt_number"] for p in payloads])
            )
        ).all()
    )

    sales, lines, payments, moves = [], [], [], []
    stock_delta: dict[int, int] = defaultdict(int)
    accepted: list[dict[str, Any]] = []
    for event, p in zip(events, payloads, strict=True):
        problem = _check(store_id, p, product_ids, known_ids, taken_receipts)
        if problem is not None:
            refused.append((event, problem))
            continue
        known_ids.add(p["id"])
        taken_receipts[p["receipt_number"]] = p["id"]
        accepted.append(p)
        sales.append(
            {
                "id": p["id"],
                "store_id": store_id,
                "receipt_number": p["receipt_number"],
                "cashier": p["cashier"],
                "occurred_at": p["occurred_at"],
                "business_date": p["business_date"],
                "subtotal_cents": p["subtotal_cents"],
                "discount_cents": p.get("discount_cents", 0),
                "tax_cents": p["tax_cents"],
                "taxes": p.get("taxes") or {},
                "total_cents": p["total_cents"],
                "change_cents": p.get("change_cents", 0),
                "needs_count": p.get("needs_count", False),
                "event_id": event["event_id"],
            }
        )
        for line in p["lines"]:
            product_id = product_ids[line["sku"]]
            lines.append(
                {
                    "sale_id": p["id"],
                    "line_no": line["line_no"],
                    "product_id": product_id,
                    "sku": line["sku"],
                    "name": line["name"],
                    "qty": line["qty"],
                    "unit_price_cents": line["unit_price_cents"],
                    "discount_cents": line["discount_cents"],
                    "net_cents": line["net_cents"],
                    "tax_class": line["tax_class"],
                }
            )
            moves.append(
                {
                    "occurred_at": p["occurred_at"],
                    "location": "store",
                    "bucket": "on_hand",
                    "store_id": store_id,
                    "product_id": product_id,
                    "kind": "sale",
                    "qty": -line["qty"],
                    "ref_type": "sale",
                    "ref_id": str(p["id"]),
                    "actor": p["cashier"],
                    "note": "",
                }
            )
            stock_delta[product_id] -= line["qty"]
        for idx, pay in enumerate(p.get("payments") or [], start=1):
            payments.append(
                {"sale_id": p["id"], "idx": idx, "tender": pay["tender"], "amount_cents": pay["amount_cents"]}
            )
    if not accepted:
        return refused

    copy_rows(session, Sale.__tablename__, sales)
    copy_rows(session, SaleLine.__tablename__, lines)
    copy_rows(session, SalePayment.__tablename__, payments)
    copy_rows(session, StockMovement.__tablename__, moves)
    upsert = pg_insert(StoreStock)
    upsert = upsert.on_conflict_do_update(
        index_elements=[StoreStock.store_id, StoreStock.product_id],
        set_={"on_hand": StoreStock.on_hand + upsert.excluded.on_hand, "updated_at": func.now()},
    )
    # Sorted by product, so concurrent writers of one store's rows lock them in one order.
    session.execute(
        upsert,
        [
            {"store_id": store_id, "product_id": pid, "on_hand": delta}
            for pid, delta in sorted(stock_delta.items())
        ],
    )
    _project(session, store_id, accepted)
    return refused


def copy_rows(session: Session, table: str, rows: list[dict[str, Any]]) -> None:
    """Write rows with COPY, in the session's transaction (the fastest way into PostgreSQL).

    A constraint the rows break raises ``sqlalchemy.exc.IntegrityError``, as an INSERT would.
    """
    if not rows:
        return
    columns = list(rows[0])
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([Jsonb(v) if isinstance(v, dict) else v for v in row.values()])
    except psycopg.errors.IntegrityError as exc:
        raise IntegrityError(f"COPY {table}", None, exc) from exc
    finally:
        cursor.close()


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
    from ..reports import projections

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
