"""The online shop: carts, orders, the checkout saga and the test payment provider's ledger.

Customers are users with the role ``customer`` (no store, never synced to stores).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

ORDER_STATUSES = ("pending", "confirmed", "shipped", "cancelled")
SAGA_STATES = ("running", "completed", "compensated", "failed")
STEP_STATUSES = ("pending", "running", "done", "failed", "skipped")


class CartLine(Base):
    __tablename__ = "cart_lines"

    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    qty: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    subtotal_cents: Mapped[int] = mapped_column(BigInteger)
    taxes: Mapped[dict[str, Any]] = mapped_column(JSONB)
    tax_cents: Mapped[int] = mapped_column(BigInteger)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    card_last4: Mapped[str] = mapped_column(String(4), default="", server_default="")
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    cancel_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    shipped_by: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'confirmed', 'shipped', 'cancelled')", name="status_known"),
        UniqueConstraint("customer_id", "idempotency_key", name="uq_orders_customer_key"),
        # One checkout at a time per customer: a second one waits for the first to end.
        Index(
            "uq_orders_one_pending_per_customer",
            "customer_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_orders_status", "status"),
    )


class OrderLine(Base):
    __tablename__ = "order_lines"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    tax_class: Mapped[str] = mapped_column(String(16))
    qty: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    net_cents: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)


class Saga(Base):
    """A checkout saga: its state, the step it is at, and who runs it now.

    A runner holds a session-level advisory lock on the saga for as long as it
    drives it (released by PostgreSQL when the runner's process dies), and
    writes its ``owner`` token; every step re-checks the token under the row
    lock, so a runner that lost the saga cannot apply a step.
    """

    __tablename__ = "sagas"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), default="checkout", server_default="checkout")
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="running", server_default="running")
    compensating: Mapped[bool] = mapped_column(default=False, server_default="false")
    reason: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    payment_token: Mapped[str] = mapped_column(String(64), default="", server_default="")
    owner: Mapped[str | None] = mapped_column(String(64))
    runs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("state IN ('running', 'completed', 'compensated', 'failed')", name="state_known"),
        Index("ix_sagas_state", "state", "next_attempt_at"),
    )


class SagaStep(Base):
    """One step or compensation of a saga; its status is its idempotency key's record."""

    __tablename__ = "saga_steps"

    saga_id: Mapped[int] = mapped_column(ForeignKey("sagas.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'running', 'done', 'failed', 'skipped')", name="status_known"),
    )


class PaymentMethod(Base):
    """The test provider's vault: a card stands behind a token (the shop keeps the token only)."""

    __tablename__ = "payment_methods"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[str] = mapped_column(String(19))
    exp_month: Mapped[int] = mapped_column(Integer)
    exp_year: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PaymentAttempt(Base):
    """The test provider's ledger: one row per idempotency key, whatever the outcome.

    ``kind`` is ``capture`` or ``refund``; ``outcome`` is ``succeeded`` (money
    moved) or the decline code. A key is used once: asking again with it
    returns the recorded outcome.
    """

    __tablename__ = "payment_ledger"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(32))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    capture_key: Mapped[str | None] = mapped_column(String(200))
    card_last4: Mapped[str] = mapped_column(String(4), default="", server_default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("kind IN ('capture', 'refund')", name="kind_known"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        # One successful refund per capture, whoever asks.
        Index(
            "uq_payment_ledger_one_refund",
            "capture_key",
            unique=True,
            postgresql_where=text("kind = 'refund' AND outcome = 'succeeded'"),
        ),
        Index("ix_payment_ledger_order", "order_id"),
    )
