"""Apply one store event to head office's records, in the caller's transaction.

``apply_event`` raises :class:`Unappliable` for an event that is well-formed
but cannot be applied (unknown SKU, return of an unknown sale, ...): the
caller parks it in ``sync_rejections`` and goes on. Anything else it raises
is a fault: the whole push is rolled back and retried later.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.clock import parse_instant

from ..models import Product, Replenishment, Return, ReturnLine, Sale, Shift, StoreStock
from ..replenishment.operations import receive_shipment, record_store_request
from ..reports import projections
from ..stock.operations import move_store_stock
from .sale_batch import apply_sales
from .unappliable import Unappliable


def _products(session: Session, skus: Iterable[str]) -> dict[str, Product]:
    wanted = set(skus)
    found = {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(wanted)))}
    missing = sorted(wanted - set(found))
    if missing:
        raise Unappliable("unknown_sku", f"Unknown SKU {', '.join(missing)} at head office.")
    return found


def _check_store(store_id: int, payload: dict[str, Any]) -> None:
    if payload.get("store_id") != store_id:
        raise Unappliable(
            "wrong_store", f"The event names store {payload.get('store_id')} but came from store {store_id}."
        )


def apply_return(session: Session, store_id: int, p: dict[str, Any], event_id: uuid.UUID | None) -> Return:
    _check_store(store_id, p)
    if session.get(Return, p["id"]) is not None:
        raise Unappliable("duplicate_return", f"Return {p['id']} was already recorded by another event.")
    sale = session.get(Sale, p["sale_id"])
    if sale is None or sale.store_id != store_id:
        raise Unappliable("unknown_sale", f"Return of sale {p['sale_id']}, which head office does not know.")
    sold = {line.line_no: line for line in sale.lines}
    already: dict[int, int] = {}
    refunded: dict[int, int] = {}
    for line_no, qty, net in session.execute(
        select(ReturnLine.sale_line_no, func.sum(ReturnLine.qty), func.sum(ReturnLine.net_cents))
        .join(Return)
        .where(Return.sale_id == sale.id)
        .group_by(ReturnLine.sale_line_no)
    ).all():
        already[line_no], refunded[line_no] = int(qty), int(net)
    for line in p["lines"]:
        original = sold.get(line["sale_line_no"])
        if original is None or original.sku != line["sku"]:
            raise Unappliable(
                "unknown_sale_line",
                f"Sale {sale.receipt_number} has no line {line['sale_line_no']} of {line['sku']}.",
            )
        if already.get(line["sale_line_no"], 0) + line["qty"] > original.qty:
            raise Unappliable(
                "over_return",
                f"Returning {line['qty']} x {line['sku']} exceeds what sale "
                f"{sale.receipt_number} has left to return.",
            )
        # Partial returns refund cumulative shares of the line (common.pricing.refund_line):
        # together they never give back more than the line was sold for.
        if refunded.get(line["sale_line_no"], 0) + line["net_cents"] > original.net_cents:
            raise Unappliable(
                "does_not_add_up",
                f"Returning {line['qty']} x {line['sku']} refunds more than sale {sale.receipt_number}"
                f" charged for its line {line['sale_line_no']}.",
            )
    ret = Return(
        id=p["id"],
        sale_id=sale.id,
        store_id=store_id,
        cashier=p["cashier"],
        occurred_at=p["occurred_at"],
        business_date=p["business_date"],
        subtotal_cents=p["subtotal_cents"],
        tax_cents=p["tax_cents"],
        taxes=p.get("taxes") or {},
        refund_cents=p["refund_cents"],
        refunds=p.get("refunds") or [],
        tender=p.get("tender"),
        rounding_cents=p.get("rounding_cents") or 0,
        event_id=event_id,
    )
    ret.lines = [
        ReturnLine(
            idx=i,
            sale_line_no=line["sale_line_no"],
            product_id=sold[line["sale_line_no"]].product_id,
            sku=line["sku"],
            qty=line["qty"],
            net_cents=line["net_cents"],
            tax_cents=line.get("tax_cents", 0),
        )
        for i, line in enumerate(p["lines"], start=1)
    ]
    session.add(ret)
    for line in p["lines"]:
        product_id = sold[line["sale_line_no"]].product_id
        if product_id is not None:
            move_store_stock(
                session,
                store_id,
                product_id,
                line["qty"],
                "return",
                p["occurred_at"],
                "return",
                str(p["id"]),
                p["cashier"],
            )
    session.flush()
    projections.record_return(session, ret)
    return ret


def apply_restock_request(session: Session, store_id: int, p: dict[str, Any]) -> Replenishment:
    _check_store(store_id, p)
    existing = session.scalar(select(Replenishment).where(Replenishment.request_id == p["id"]))
    if existing is not None:
        raise Unappliable("duplicate_request", f"Restock request {p['id']} was already recorded.")
    product = _products(session, [p["sku"]])[p["sku"]]
    return record_store_request(
        session, store_id, product, p["id"], p["qty"], p.get("requested_by") or "", p["occurred_at"]
    )


def apply_receipt_confirmation(session: Session, store_id: int, p: dict[str, Any]) -> None:
    _check_store(store_id, p)
    replenishment = session.scalar(
        select(Replenishment).where(Replenishment.request_id == p["request_id"]).with_for_update()
    )
    if replenishment is None or replenishment.store_id != store_id:
        raise Unappliable("unknown_request", f"No shipment for restock request {p['request_id']}.")
    if replenishment.status == "received":
        raise Unappliable("already_received", f"Restock request {p['request_id']} was already received.")
    if replenishment.status != "shipped":
        raise Unappliable(
            "not_shipped", f"Restock request {p['request_id']} is {replenishment.status}, not shipped."
        )
    receive_shipment(
        session, replenishment, p["qty_received"], p.get("by") or f"store {store_id}", p["occurred_at"]
    )


def apply_stock_count(session: Session, store_id: int, p: dict[str, Any]) -> None:
    _check_store(store_id, p)
    product = _products(session, [p["sku"]])[p["sku"]]
    current = (
        session.scalar(
            select(StoreStock.on_hand).where(
                StoreStock.store_id == store_id, StoreStock.product_id == product.id
            )
        )
        or 0
    )
    move_store_stock(
        session,
        store_id,
        product.id,
        p["counted"] - current,
        "count",
        p["occurred_at"],
        "count",
        p["sku"],
        p.get("by"),
        note=f"counted {p['counted']}",
    )


def apply_stock_adjustment(session: Session, store_id: int, p: dict[str, Any]) -> None:
    _check_store(store_id, p)
    product = _products(session, [p["sku"]])[p["sku"]]
    move_store_stock(
        session,
        store_id,
        product.id,
        p["delta"],
        "adjustment",
        p["occurred_at"],
        "adjustment",
        p["sku"],
        p.get("by"),
        note=p.get("reason") or "",
    )


def _instant(value: Any) -> datetime | None:
    return parse_instant(value) if value else None


def apply_shift(session: Session, store_id: int, p: dict[str, Any]) -> None:
    """A shift opened or closed at a store: one row per shift, the latest state wins."""
    _check_store(store_id, p)
    shift_id = uuid.UUID(p["id"])
    shift = session.get(Shift, shift_id)
    if shift is None:
        shift = Shift(id=shift_id, store_id=store_id, cash_in_cents=0, cash_out_cents=0)
        session.add(shift)
    elif shift.store_id != store_id:
        raise Unappliable("wrong_store", "This shift belongs to another store.")
    shift.register = str(p["register"])
    shift.cashier = str(p["cashier"])
    shift.business_date = date.fromisoformat(p["business_date"]) if p.get("business_date") else None
    opened_at = _instant(p["opened_at"])
    if opened_at is None:
        raise Unappliable("invalid_shift", "A shift needs the instant it was opened.")
    shift.opened_at = opened_at
    shift.opening_float_cents = int(p["opening_float_cents"])
    if p.get("closed_at"):
        report = p.get("report") or {}
        shift.closed_at = _instant(p["closed_at"])
        shift.cash_expected_cents = p.get("cash_expected_cents")
        shift.cash_counted_cents = p.get("cash_counted_cents")
        shift.over_short_cents = p.get("over_short_cents")
        shift.cash_in_cents = int(report.get("cash_in_cents", shift.cash_in_cents or 0))
        shift.cash_out_cents = int(report.get("cash_out_cents", shift.cash_out_cents or 0))
        shift.report = report
    session.flush()


def apply_cash_movement(session: Session, store_id: int, p: dict[str, Any]) -> None:
    """Cash in or out of a drawer: added to its shift's totals (the shift was sent before it)."""
    _check_store(store_id, p)
    shift = session.get(Shift, uuid.UUID(p["shift_id"]))
    if shift is None or shift.store_id != store_id:
        raise Unappliable("unknown_shift", f"No shift {p['shift_id']} of store {store_id}.")
    if shift.closed_at is None:  # a closed shift's report already holds its totals
        if p["kind"] == "in":
            shift.cash_in_cents = (shift.cash_in_cents or 0) + int(p["amount_cents"])
        else:
            shift.cash_out_cents = (shift.cash_out_cents or 0) + int(p["amount_cents"])
    session.flush()


def apply_event(
    session: Session,
    store_id: int,
    event_type: str,
    payload: dict[str, Any],
    event_id: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
) -> None:
    """Apply one validated event (payload as loaded by ``sync.protocol`` schemas)."""
    if event_type == "sale":
        # One way to write a sale: the bulk writer, with a run of one.
        refused = apply_sales(session, store_id, [{"event_id": event_id, "payload": payload}])
        if refused:
            raise refused[0][1]
    elif event_type == "return":
        apply_return(session, store_id, payload, event_id)
    elif event_type == "restock_request":
        apply_restock_request(session, store_id, payload)
    elif event_type == "receipt_confirmation":
        apply_receipt_confirmation(session, store_id, payload)
    elif event_type == "stock_count":
        apply_stock_count(session, store_id, payload)
    elif event_type == "stock_adjustment":
        apply_stock_adjustment(session, store_id, payload)
    elif event_type in ("shift_opened", "shift_closed"):
        apply_shift(session, store_id, payload)
    elif event_type == "cash_movement":
        apply_cash_movement(session, store_id, payload)
    else:
        raise Unappliable("unknown_event_type", f"Unknown event type {event_type!r}.")
