"""Replenishment: requested -> approved | rejected -> shipped -> received."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, TimestampMixin

STATUSES = ("requested", "approved", "rejected", "shipped", "received")
ORIGINS = ("store", "head_office")  # who asked: the store (by sync) or a head-office manager


class Replenishment(TimestampMixin, Base):
    __tablename__ = "replenishments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    qty_requested: Mapped[int] = mapped_column(Integer)
    qty_approved: Mapped[int | None] = mapped_column(Integer)
    qty_shipped: Mapped[int | None] = mapped_column(Integer)
    qty_received: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="requested", server_default="requested")
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    requested_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    origin: Mapped[str] = mapped_column(String(16), default="store", server_default="store")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    history: Mapped[list[ReplenishmentEvent]] = relationship(
        back_populates="replenishment", order_by="ReplenishmentEvent.id"
    )

    __table_args__ = (
        CheckConstraint(
            "status IN ('requested', 'approved', 'rejected', 'shipped', 'received')",
            name="status_known",
        ),
        CheckConstraint("origin IN ('store', 'head_office')", name="origin_known"),
        CheckConstraint("qty_requested > 0", name="qty_requested_positive"),
        CheckConstraint("qty_approved IS NULL OR qty_approved >= 0", name="qty_approved_not_negative"),
        Index("ix_replenishments_status_store", "status", "store_id"),
    )


class ReplenishmentEvent(Base):
    """The status history of a replenishment."""

    __tablename__ = "replenishment_history"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    replenishment_id: Mapped[int] = mapped_column(ForeignKey("replenishments.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    qty: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    replenishment: Mapped[Replenishment] = relationship(back_populates="history")
