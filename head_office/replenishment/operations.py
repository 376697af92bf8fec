"""Replenishment steps. Each is a compare-and-set on the status:

``UPDATE replenishments SET status = :new ... WHERE id = :id AND status = :expected``

so a repeated or concurrent step finds no row to update and is refused with a
409, changing nothing (the caller rolls its transaction back). Approval then
reserves central stock with a conditional update that never overdraws it.

Every decision and shipment writes a per-store ``replenishment`` change-log
entry (the store learns of it by sync), a status-history row, and an audit
entry. Operations flush; the caller commits.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.errors import Conflict, NotFound, ValidationFailed
from common.i18n import _
from common.ids import uuid7

from ..audit import record
from ..changes import log_change
from ..models import CentralStock, Product, Replenishment, ReplenishmentEvent, Store
from ..stock.operations import MAX_QTY, add_to_store_stock, change_central, ledger, levels, product_for_sku

MAX_REQUEST_QTY = 100_000
CREATED_HERE = "created at head office"


def wire(rep: Replenishment, sku: str) -> dict[str, Any]:
    """What the store receives (and the API answers)."""
    return {
        "id": rep.id,
        "request_id": str(rep.request_id) if rep.request_id else None,
        "store_id": rep.store_id,
        "sku": sku,
        "status": rep.status,
        "qty_requested": rep.qty_requested,
        "qty_approved": rep.qty_approved,
        "qty_shipped": rep.qty_shipped,
        "qty_received": rep.qty_received,
        "reason": rep.reason,
        "version": rep.version,
    }


def get_replenishment(session: Session, replenishment_id: int) -> Replenishment:
    rep = session.get(Replenishment, replenishment_id)
    if rep is None:
        raise NotFound(_("No replenishment %(replenishment_id)s.", replenishment_id=replenishment_id),
                       code="unknown_replenishment")
    return rep


def _product(session: Session, rep: Replenishment) -> Product:
    product = session.get(Product, rep.product_id)
    assert product is not None  # foreign key
    return product


def _compare_and_set(
    session: Session, rep: Replenishment, expected: str, new: str, action: str, **values: Any
) -> Replenishment:
    """Move ``rep`` from ``expected`` to ``new`` or refuse with 409 (nothing changed)."""
    row = session.execute(
        update(Replenishment)
        .where(Replenishment.id == rep.id, Replenishment.status == expected)
        .values(status=new, version=Replenishment.version + 1, updated_at=func.now(), **values)
        .returning(Replenishment.id)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        session.refresh(rep)
        raise Conflict(
            _(
                "Replenishment %(id)s is %(status)s: only a %(expected)s request can be %(action)s.",
                id=rep.id,
                status=rep.status,
                expected=expected,
                action=action,
            ),
            code="invalid_status",
            errors={"status": rep.status, "expected": expected},
        )
    session.refresh(rep)
    return rep


def _after_step(
    session: Session,
    rep: Replenishment,
    product: Product,
    before: dict[str, Any],
    from_status: str | None,
    qty: int | None,
    actor: str,
    note: str = "",
    at: datetime | None = None,
) -> None:
    session.add(
        ReplenishmentEvent(
            replenishment_id=rep.id,
            from_status=from_status,
            to_status=rep.status,
            qty=qty,
            actor=actor,
            note=note,
            at=at or utcnow(),
        )
    )
    after = wire(rep, product.sku)
    log_change(
        session, "replenishment", str(rep.request_id or rep.id), rep.version, after, store_id=rep.store_id
    )
    record(session, actor, f"replenishment.{rep.status}", "replenishment", rep.id, before, after, note=note)
    session.flush()


def create_replenishment(
    session: Session, store_id: int, sku: str, qty: int, actor: str, note: str = ""
) -> Replenishment:
    """A head-office manager's own replenishment for a store (status ``requested``).

    It gets a ``request_id`` made here (the store's requests carry the store's own), and a
    change-log entry at once, so the store knows it is coming and can confirm its receipt.
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_REQUEST_QTY:
        errors["qty"] = [_("A quantity from 1 to %(max)s.", max=f"{MAX_REQUEST_QTY:,}")]
    if session.get(Store, store_id) is None:
        errors["store_id"] = [_("No store %(store_id)s.", store_id=store_id)]
    if errors:
        raise ValidationFailed(_("Invalid replenishment."), errors=errors)
    product = product_for_sku(session, sku)
    rep = _open(
        session, store_id, product, qty, request_id=uuid7(), requested_by=actor, origin="head_office",
        actor=actor, note=CREATED_HERE + (f": {note}" if note else ""), at=utcnow(),
    )
    record(
        session,
        actor,
        "replenishment.create",
        "replenishment",
        rep.id,
        None,
        wire(rep, product.sku),
        note=note,
    )
    log_change(
        session,
        "replenishment",
        str(rep.request_id),
        rep.version,
        wire(rep, product.sku),
        store_id=rep.store_id,
    )
    session.flush()
    return rep


def record_store_request(
    session: Session,
    store_id: int,
    product: Product,
    request_id: uuid.UUID,
    qty: int,
    requested_by: str,
    at: datetime,
) -> Replenishment:
    """A store's restock request as it arrives by sync (status ``requested``), with the store's
    own ``request_id``. No change-log entry: the store wrote it, and learns of each decision."""
    return _open(
        session, store_id, product, qty, request_id=request_id, requested_by=requested_by,
        origin="store", actor=requested_by or f"store {store_id}", note="requested by the store", at=at,
    )


def _open(
    session: Session,
    store_id: int,
    product: Product,
    qty: int,
    *,
    request_id: uuid.UUID,
    requested_by: str,
    origin: str,
    actor: str,
    note: str,
    at: datetime,
) -> Replenishment:
    """The one way a replenishment starts: the row, status ``requested``, and its first
    status-history entry."""
    rep = Replenishment(
        request_id=request_id,
        store_id=store_id,
        product_id=product.id,
        qty_requested=qty,
        status="requested",
        requested_by=requested_by,
        origin=origin,
        version=1,
    )
    session.add(rep)
    session.flush()
    session.add(
        ReplenishmentEvent(
            replenishment_id=rep.id, from_status=None, to_status="requested", qty=qty, actor=actor,
            note=note, at=at,
        )
    )
    return rep


def approve(session: Session, replenishment_id: int, actor: str, qty: int | None = None) -> Replenishment:
    """Approve in full (``qty`` None) or in part, reserving central stock."""
    rep = get_replenishment(session, replenishment_id)
    product = _product(session, rep)
    if rep.status != "requested":
        raise Conflict(
            _(
                "Replenishment %(id)s is %(status)s: only a requested request can be approved.",
                id=rep.id,
                status=rep.status,
            ),
            code="invalid_status",
            errors={"status": rep.status, "expected": "requested"},
        )
    if qty is not None and (
        not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= rep.qty_requested
    ):
        raise ValidationFailed(
            _(
                "Approve between 1 and the %(qty_requested)s requested (to approve none, reject it).",
                qty_requested=rep.qty_requested,
            ),
            errors={"qty": [f"From 1 to {rep.qty_requested}."]},
        )
    wanted = qty if qty is not None else rep.qty_requested
    before = wire(rep, product.sku)
    _compare_and_set(session, rep, "requested", "approved", "approved", qty_approved=wanted)
    reserved = change_central(
        session,
        product,
        reserved=wanted,
        condition=(CentralStock.on_hand - CentralStock.reserved >= wanted),
    )
    if reserved is None:
        available = levels(session, product).available
        if qty is None:
            message = (
                f"Only {available} of {product.sku} available in central stock ({rep.qty_requested} "
                f"requested): approve {available} or fewer, or reject the request."
            )
        else:
            message = (
                f"Only {available} of {product.sku} available in central stock; cannot approve {wanted}."
            )
        raise Conflict(
            message,
            code="insufficient_stock",
            errors={"available": available, "requested": rep.qty_requested},
        )
    ledger(
        session,
        product,
        "reserved",
        "allocation",
        wanted,
        ref_type="replenishment",
        ref_id=str(rep.id),
        actor=actor,
        note=f"for store {rep.store_id}",
    )
    partial = f"partial: {wanted} of {rep.qty_requested}" if wanted < rep.qty_requested else ""
    _after_step(session, rep, product, before, "requested", wanted, actor, note=partial)
    return rep


def reject(session: Session, replenishment_id: int, actor: str, reason: str) -> Replenishment:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Say why the request is rejected."), errors={"reason": ["A reason is required."]}
        )
    if len(reason) > 500:
        raise ValidationFailed(_("The reason is too long."), errors={"reason": ["At most 500 characters."]})
    rep = get_replenishment(session, replenishment_id)
    product = _product(session, rep)
    before = wire(rep, product.sku)
    _compare_and_set(session, rep, "requested", "rejected", "rejected", reason=reason, qty_approved=0)
    _after_step(session, rep, product, before, "requested", None, actor, note=reason)
    return rep


def ship(session: Session, replenishment_id: int, actor: str) -> Replenishment:
    """The approved quantity leaves the warehouse: reserved -> in transit, on hand decreases."""
    rep = get_replenishment(session, replenishment_id)
    product = _product(session, rep)
    before = wire(rep, product.sku)
    _compare_and_set(session, rep, "approved", "shipped", "shipped", qty_shipped=Replenishment.qty_approved)
    qty = rep.qty_approved or 0
    moved = change_central(
        session,
        product,
        on_hand=-qty,
        reserved=-qty,
        in_transit=qty,
        condition=(CentralStock.reserved >= qty) & (CentralStock.on_hand >= qty),
    )
    if moved is None:  # only if someone tampered with the reservation
        raise Conflict(
            _(
                "Central stock no longer holds the %(qty)s reserved for replenishment %(id)s.",
                qty=qty,
                id=rep.id,
            ),
            code="insufficient_stock",
        )
    ref: dict[str, Any] = {"ref_type": "replenishment", "ref_id": str(rep.id), "actor": actor}
    note = f"to store {rep.store_id}"
    ledger(session, product, "reserved", "shipment", -qty, note=note, **ref)
    ledger(session, product, "on_hand", "shipment", -qty, note=note, **ref)
    ledger(session, product, "in_transit", "shipment", qty, note=note, **ref)
    _after_step(session, rep, product, before, "approved", qty, actor)
    return rep


def receive_shipment(
    session: Session,
    replenishment: Replenishment,
    qty_received: int,
    actor: str,
    occurred_at: datetime | None = None,
) -> Replenishment:
    """The store counted what arrived: in transit is cleared, the store's on hand grows by
    ``qty_received``, and a shortfall is written off as ``transit_loss`` (an excess is
    recorded the same way, as a negative loss). Called by store sync for a receipt confirmation."""
    if (
        not isinstance(qty_received, int)
        or isinstance(qty_received, bool)
        or not 0 <= qty_received <= MAX_QTY
    ):
        raise ValidationFailed(_("Invalid received quantity."), errors={"qty_received": ["0 or more."]})
    rep = replenishment
    product = _product(session, rep)
    before = wire(rep, product.sku)
    _compare_and_set(session, rep, "shipped", "received", "received", qty_received=qty_received)
    shipped = rep.qty_shipped or 0
    at = occurred_at or utcnow()
    cleared = change_central(
        session, product, in_transit=-shipped, condition=CentralStock.in_transit >= shipped
    )
    if cleared is None:
        raise Conflict(
            _(
                "Central stock has less than %(shipped)s in transit for replenishment %(id)s.",
                shipped=shipped,
                id=rep.id,
            ),
            code="insufficient_stock",
        )
    ref: dict[str, Any] = {
        "ref_type": "replenishment",
        "ref_id": str(rep.id),
        "actor": actor,
        "occurred_at": at,
    }
    ledger(session, product, "in_transit", "transit_received", -qty_received, **ref)
    add_to_store_stock(session, rep.store_id, {product.id: qty_received})
    ledger(session, product, "on_hand", "receipt", qty_received, store_id=rep.store_id, **ref)
    note = ""
    if qty_received != shipped:
        loss = shipped - qty_received
        note = f"{shipped} shipped, {qty_received} received"
        ledger(session, product, "in_transit", "transit_loss", -loss, note=note, **ref)
    _after_step(session, rep, product, before, "shipped", qty_received, actor, note=note, at=at)
    return rep
