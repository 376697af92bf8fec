"""Starting a checkout, reading orders and sagas, and fulfilment (ship, cancel)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.errors import Conflict, NotFound, ValidationFailed
from common.i18n import _
from common.taxes import TaxTable

from ..audit import record
from ..auth.cache import Principal
from ..models import CentralStock, Order, OrderLine, Product, Saga, SagaStep
from ..stock.operations import change_central, ledger
from . import payments
from .cart import cart
from .metrics import CHECKOUTS, STEP_DURATION
from .saga import FORWARD, LINE_FIELDS, NewCheckout, SagaRunner, confirmed_answer

MAX_KEY = 200
WAIT_FOR_RUNNER_S = 10.0


_EXISTING = select(Order.id).where(
    Order.customer_id == bindparam("customer_id"), Order.idempotency_key == bindparam("key")
)


def existing_order(session: Session, customer_id: int, key: str) -> Order | None:
    return session.scalar(select(Order).where(Order.customer_id == customer_id, Order.idempotency_key == key))


def start_checkout(
    session: Session, runner: SagaRunner, customer: Principal, key: str, card: payments.Card, table: TaxTable
) -> tuple[int, dict[str, Any]]:
    """Place the order and run its saga; the answer (HTTP status, body) for the caller.

    The same ``key`` again answers for the order it made, and does nothing else.
    """
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise ValidationFailed(
            _("Send an Idempotency-Key header (1 to 200 printable characters) with each checkout."),
            code="idempotency_key_required",
            errors={"Idempotency-Key": [_("Required: 1 to 200 printable characters.")]},
        )
    # The reads before the order on a connection of their own, in autocommit: one round trip each.
    # The cart's availability read is the short road's stock verification.
    verifying = time.perf_counter()
    with runner.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as reader:
        known = reader.execute(_EXISTING, {"customer_id": customer.id, "key": key}).scalar()
        priced = None if known is not None else cart(reader, customer.id, table)
    if priced is not None:
        STEP_DURATION.labels("verify_stock").observe(time.perf_counter() - verifying)
    if known is not None or priced is None:
        order = existing_order(session, customer.id, key)
        if order is not None:
            return answer(session, runner, order)
        priced = cart(session, customer.id, table)
    inactive = {line["sku"]: [_("No longer sold.")] for line in priced.lines if not line["active"]}
    short = {
        line["sku"]: [
            _("Only %(available)s available, %(qty)s asked.", available=line["available"], qty=line["qty"])
        ]
        for line in priced.lines
        if line["qty"] > line["available"]
    }
    if not priced.lines or inactive or short:
        # The other half of a double submit may have placed this key's order between the two
        # reads above (the cart then looks empty, or short by its own reservation): that order
        # is the answer, not a refusal.
        order = existing_order(session, customer.id, key)
        if order is not None:
            return answer(session, runner, order)
    if not priced.lines:
        raise ValidationFailed(_("Your cart is empty."), code="empty_cart", errors={"cart": [_("Empty.")]})
    if inactive:
        raise Conflict(
            _("Some products are no longer sold: remove them from the cart."),
            code="unavailable_product",
            errors=inactive,
        )
    if short:
        CHECKOUTS.labels("insufficient_stock").inc()
        raise Conflict(_("Not enough stock for some lines."), code="insufficient_stock", errors=short)
    token = runner.provider.tokenize(card)
    customer_id = customer.id
    session.commit()  # the saga runs on a connection of its own: hold none meanwhile
    lines = [{field: line[field] for field in LINE_FIELDS} for line in priced.lines]
    new = NewCheckout(customer_id, key, priced.subtotal_cents, dict(priced.taxes), priced.tax_cents,
                      priced.total_cents, card.last4, token, lines)
    started = runner.start_new(new)
    if started is not None and started[2] == "completed":
        return 201, {"order_id": started[1], "status": "confirmed", "total_cents": priced.total_cents}
    if started is not None:
        order = existing_order(session, customer_id, key)
        assert order is not None
        return answer(session, runner, order, loaded=True)
    # Stock short (or this key or another checkout of the customer's met on the way): the
    # step-by-step road records the order and why it went no further.

    def build(own: Session, saga_id: int, owner: str) -> Saga:
        order = Order(
            customer_id=customer_id,
            idempotency_key=key,
            status="pending",
            subtotal_cents=priced.subtotal_cents,
            taxes=priced.taxes,
            tax_cents=priced.tax_cents,
            total_cents=priced.total_cents,
            card_last4=card.last4,
        )
        own.add(order)
        own.flush()
        for number, line in enumerate(priced.lines, start=1):
            own.add(
                OrderLine(
                    order_id=order.id,
                    line_no=number,
                    product_id=line["product_id"],
                    sku=line["sku"],
                    name=line["name"],
                    tax_class=line["tax_class"],
                    qty=line["qty"],
                    unit_price_cents=line["unit_price_cents"],
                    net_cents=line["net_cents"],
                )
            )
        saga = Saga(id=saga_id, order_id=order.id, payment_token=token, owner=owner, runs=1)
        own.add(saga)
        own.flush()
        for position, name in enumerate(FORWARD, start=1):
            own.add(SagaStep(saga_id=saga_id, name=name, position=position))
        own.flush()
        return saga

    try:
        runner.start(build)
    except IntegrityError:
        order = existing_order(session, customer_id, key)
        if order is not None:
            return answer(session, runner, order)
        raise Conflict(
            _("A checkout of yours is still in progress: wait for it to end, then try again."),
            code="checkout_in_progress",
        ) from None
    order = existing_order(session, customer_id, key)
    assert order is not None
    return answer(session, runner, order, loaded=True)


def answer(
    session: Session, runner: SagaRunner, order: Order, loaded: bool = False
) -> tuple[int, dict[str, Any]]:
    """The checkout's answer: what it ended with, or 202 while it still runs."""
    if not loaded or order.answer is None:
        # The saga first, then the order: a saga ends in the transaction that writes the order's
        # answer, so an ended saga read before the order means the order read has its answer.
        # (Read the other way round, a saga that ended in between looked ended while the order
        # still looked pending: a double submit's second reply was a 202 for a confirmed order.)
        saga = session.execute(
            select(Saga.id, Saga.state).where(Saga.order_id == order.id)
        ).first()
        session.refresh(order)
        if order.answer is None and saga is not None and saga.state == "running":
            # A retry helps an interrupted saga along; if another runner has it (a double
            # submit still in flight), wait a little for the answer it is about to give.
            if runner.drive(saga.id) is None:
                deadline = time.monotonic() + WAIT_FOR_RUNNER_S
                while order.answer is None and time.monotonic() < deadline:
                    time.sleep(0.05)
                    session.commit()
                    session.refresh(order)
            session.refresh(order)
    if order.answer is not None:
        return int(order.answer["status"]), dict(order.answer["body"])
    if order.status == "confirmed":
        stored = confirmed_answer(order)
        return stored["status"], stored["body"]
    return 202, {"order_id": order.id, "status": order.status, "total_cents": order.total_cents}


# Reading ------------------------------------------------------------------------------------------


def saga_wire(session: Session, saga: Saga) -> dict[str, Any]:
    steps = session.scalars(select(SagaStep).where(SagaStep.saga_id == saga.id).order_by(SagaStep.position))
    return {
        "id": saga.id,
        "order_id": saga.order_id,
        "state": saga.state,
        "compensating": saga.compensating,
        "reason": saga.reason,
        "runs": saga.runs,
        "created_at": saga.created_at,
        "ended_at": saga.ended_at,
        "steps": [
            {
                "name": step.name,
                "status": step.status,
                "attempts": step.attempts,
                "started_at": step.started_at,
                "ended_at": step.ended_at,
                "error": step.error,
            }
            for step in steps
        ],
    }


def order_wire(session: Session, order: Order, with_saga: bool = True) -> dict[str, Any]:
    lines = session.scalars(
        select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.line_no)
    )
    body: dict[str, Any] = {
        "id": order.id,
        "customer_id": order.customer_id,
        "status": order.status,
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "qty": line.qty,
                "unit_price_cents": line.unit_price_cents,
                "net_cents": line.net_cents,
            }
            for line in lines
        ],
        "subtotal_cents": order.subtotal_cents,
        "gst_cents": order.taxes.get("gst", 0),
        "qst_cents": order.taxes.get("qst", 0),
        "tax_cents": order.tax_cents,
        "total_cents": order.total_cents,
        "card_last4": order.card_last4,
        "created_at": order.created_at,
        "confirmed_at": order.confirmed_at,
        "shipped_at": order.shipped_at,
        "cancelled_at": order.cancelled_at,
        "cancel_reason": order.cancel_reason,
    }
    if with_saga:
        saga = session.scalar(select(Saga).where(Saga.order_id == order.id))
        body["saga"] = saga_wire(session, saga) if saga is not None else None
    return body


def order_for(session: Session, order_id: int, customer_id: int | None = None) -> Order:
    order = session.get(Order, order_id)
    if order is None or (customer_id is not None and order.customer_id != customer_id):
        raise NotFound(_("No order %(order_id)s.", order_id=order_id), code="unknown_order")
    return order


def list_orders(
    session: Session, customer_id: int | None = None, status: str | None = None, limit: int = 200
) -> list[Order]:
    stmt = select(Order).order_by(Order.id.desc()).limit(limit)
    if customer_id is not None:
        stmt = stmt.where(Order.customer_id == customer_id)
    if status:
        stmt = stmt.where(Order.status == status)
    return list(session.scalars(stmt))


def list_sagas(session: Session, state: str | None = None, limit: int = 200) -> list[Saga]:
    stmt = select(Saga).order_by(Saga.id.desc()).limit(limit)
    if state:
        stmt = stmt.where(Saga.state == state)
    return list(session.scalars(stmt))


def saga_counts(session: Session) -> dict[str, int]:
    counts = dict(session.execute(select(Saga.state, func.count()).group_by(Saga.state)).all())
    return {state: int(counts.get(state, 0)) for state in ("running", "completed", "compensated", "failed")}


# Fulfilment -------------------------------------------------------------------------------------------


def _locked(session: Session, order_id: int) -> tuple[Order, Saga]:
    order = session.execute(select(Order).where(Order.id == order_id).with_for_update()).scalar_one_or_none()
    if order is None:
        raise NotFound(_("No order %(order_id)s.", order_id=order_id), code="unknown_order")
    saga = session.execute(select(Saga).where(Saga.order_id == order_id).with_for_update()).scalar_one()
    return order, saga


def _refuse(order: Order, saga: Saga, action: str) -> None:
    if order.status == "confirmed" and saga.state == "completed":
        return
    if order.status == "shipped":
        raise Conflict(_("Order %(id)s was already shipped.", id=order.id), code="already_shipped")
    if order.status == "cancelled":
        raise Conflict(_("Order %(id)s is cancelled.", id=order.id), code="already_cancelled")
    raise Conflict(
        _(
            "Order %(id)s is still being checked out (or cancelled): it cannot be %(action)s now.",
            id=order.id,
            action=action,
        ),
        code="order_in_progress",
    )


def ship(session: Session, order_id: int, actor: str) -> Order:
    """Ship a confirmed order: central on hand goes down and its reservation is released."""
    order, saga = _locked(session, order_id)
    if order.status == "shipped":
        return order  # shipping twice ships once
    _refuse(order, saga, "shipped")
    for line in session.scalars(
        select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.product_id)
    ):
        product = session.get(Product, line.product_id)
        assert product is not None
        after = change_central(
            session,
            product,
            on_hand=-line.qty,
            reserved=-line.qty,
            condition=(CentralStock.reserved >= line.qty) & (CentralStock.on_hand >= line.qty),
        )
        if after is None:
            raise Conflict(
                _("The reservation of %(sku)s for order %(id)s is missing.", sku=line.sku, id=order.id),
                code="reservation_missing",
            )
        note = f"online order {order.id} shipped"
        for bucket in ("reserved", "on_hand"):
            ledger(
                session,
                product,
                bucket,
                "online_shipment",
                -line.qty,
                ref_type="order",
                ref_id=str(order.id),
                actor=actor,
                note=note,
            )
    order.status = "shipped"
    order.shipped_at = utcnow()
    order.shipped_by = actor
    record(
        session, actor, "order.ship", "order", str(order.id), {"status": "confirmed"}, {"status": "shipped"}
    )
    return order


def reopen_for_cancel(session: Session, order_id: int, actor: str) -> Saga | None:
    """Staff cancel a confirmed order: its saga compensates (refund, release, cancel).

    None when the order is already cancelled (cancelling twice cancels once).
    """
    order, saga = _locked(session, order_id)
    if order.status == "cancelled":
        return None
    _refuse(order, saga, "cancelled")
    saga.state = "running"
    saga.compensating = True
    saga.ended_at = None
    saga.reason = {"code": "cancelled_by_staff", "message": f"Cancelled by {actor}.", "errors": {}}
    saga.next_attempt_at = utcnow()
    saga.updated_at = utcnow()
    record(
        session,
        actor,
        "order.cancel",
        "order",
        str(order.id),
        {"status": order.status},
        {"status": "cancelled"},
    )
    return saga
