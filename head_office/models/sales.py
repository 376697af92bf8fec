"""Sales and returns as the stores recorded them (prices kept as sold)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Sale(Base):
    __tablename__ = "sales"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    receipt_number: Mapped[str] = mapped_column(String(32))
    cashier: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    business_date: Mapped[date] = mapped_column(Date)
    subtotal_cents: Mapped[int] = mapped_column(BigInteger)
    discount_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    tax_cents: Mapped[int] = mapped_column(BigInteger)
    taxes: Mapped[dict[str, int]] = mapped_column(JSONB, default=dict)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    change_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    needs_count: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    lines: Mapped[list[SaleLine]] = relationship(
        back_populates="sale", order_by="SaleLine.line_no", cascade="all, delete-orphan"
    )
    payments: Mapped[list[SalePayment]] = relationship(
        back_populates="sale", order_by="SalePayment.idx", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("store_id", "receipt_number", name="uq_sales_store_receipt"),
        CheckConstraint("total_cents = subtotal_cents + tax_cents", name="total_is_subtotal_plus_tax"),
        Index("ix_sales_store_business_date", "store_id", "business_date"),
    )


class SaleLine(Base):
    __tablename__ = "sale_lines"

    sale_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sales.id", ondelete="CASCADE"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    qty: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    discount_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    net_cents: Mapped[int] = mapped_column(BigInteger)
    tax_class: Mapped[str] = mapped_column(String(16))

    sale: Mapped[Sale] = relationship(back_populates="lines")

    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint(
            "net_cents = qty * unit_price_cents - discount_cents", name="net_is_price_less_discount"
        ),
        Index("ix_sale_lines_product_id", "product_id"),
    )


class SalePayment(Base):
    __tablename__ = "sale_payments"

    sale_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sales.id", ondelete="CASCADE"), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    tender: Mapped[str] = mapped_column(String(16))
    amount_cents: Mapped[int] = mapped_column(BigInteger)

    sale: Mapped[Sale] = relationship(back_populates="payments")


class Return(Base):
    __tablename__ = "returns"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    sale_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sales.id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    cashier: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    business_date: Mapped[date] = mapped_column(Date)
    subtotal_cents: Mapped[int] = mapped_column(BigInteger)
    tax_cents: Mapped[int] = mapped_column(BigInteger)
    taxes: Mapped[dict[str, int]] = mapped_column(JSONB, default=dict)
    refund_cents: Mapped[int] = mapped_column(BigInteger)
    refunds: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    # The tender the return named (None: split as the sale was paid) and what cash rounding
    # added to the cash refunded: the refunds add up to refund_cents + rounding_cents.
    tender: Mapped[str | None] = mapped_column(String(16))
    rounding_cents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    lines: Mapped[list[ReturnLine]] = relationship(
        back_populates="ret", order_by="ReturnLine.idx", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("refund_cents = subtotal_cents + tax_cents", name="refund_is_subtotal_plus_tax"),
        Index("ix_returns_store_business_date", "store_id", "business_date"),
        Index("ix_returns_sale_id", "sale_id"),
    )


class ReturnLine(Base):
    __tablename__ = "return_lines"

    return_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("returns.id", ondelete="CASCADE"), primary_key=True
    )
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    sale_line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(64))
    qty: Mapped[int] = mapped_column(Integer)
    net_cents: Mapped[int] = mapped_column(BigInteger)
    tax_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    ret: Mapped[Return] = relationship(back_populates="lines")

    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)
