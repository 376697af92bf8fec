"""Central stock (the warehouse), each store's stock as head office knows it, and the ledger."""

from __future__ import annotations

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
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

MOVEMENT_KINDS = (
    "opening",
    "sale",
    "return",
    "receipt",
    "supplier_receipt",
    "adjustment",
    "count",
    "allocation",
    "deallocation",
    "shipment",
    "transit_received",
    "transit_loss",
    "online_shipment",  # an online order left the warehouse (on hand and reserved both go down)
)


class CentralStock(Base):
    """Warehouse buckets. ``available`` = ``on_hand`` - ``reserved`` is never negative."""

    __tablename__ = "central_stock"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reserved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    in_transit: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("in_transit >= 0", name="in_transit_not_negative"),
        CheckConstraint("reserved <= on_hand", name="available_not_negative"),
    )

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StoreStock(Base):
    """A store's on hand as head office knows it from the events the store pushed.

    May go below zero when a store oversold (the store flags such sales for a count).
    """

    __tablename__ = "store_stock"

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class StockMovement(Base):
    """Append-only ledger. ``location`` is ``central`` (with a bucket) or ``store`` (store_id set)."""

    __tablename__ = "stock_movements"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    location: Mapped[str] = mapped_column(String(16))
    bucket: Mapped[str] = mapped_column(String(16), default="on_hand", server_default="on_hand")
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    kind: Mapped[str] = mapped_column(String(32))
    qty: Mapped[int] = mapped_column(Integer)
    ref_type: Mapped[str | None] = mapped_column(String(32))
    ref_id: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")

    __table_args__ = (
        CheckConstraint("location IN ('central', 'store')", name="location_known"),
        CheckConstraint(
            "bucket IN ('on_hand', 'reserved', 'in_transit')", name="bucket_known"
        ),
        CheckConstraint("(location = 'store') = (store_id IS NOT NULL)", name="store_location"),
        Index("ix_stock_movements_product_location", "product_id", "location", "store_id"),
        Index("ix_stock_movements_ref", "ref_type", "ref_id"),
    )
