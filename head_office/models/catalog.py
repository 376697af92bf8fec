"""Products: head office owns the catalog and prices."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, TimestampMixin

TAX_CLASSES = ("standard", "exempt")


class Product(TimestampMixin, Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    barcode: Mapped[str | None] = mapped_column(String(13), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(80), index=True)
    price_cents: Mapped[int] = mapped_column(Integer)
    tax_class: Mapped[str] = mapped_column(String(16), default="standard")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    reorder_point: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    max_stock: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __table_args__ = (
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        CheckConstraint("tax_class IN ('standard', 'exempt')", name="tax_class_known"),
        CheckConstraint("reorder_point >= 0", name="reorder_point_not_negative"),
        CheckConstraint("max_stock >= 0", name="max_stock_not_negative"),
    )

    def to_wire(self) -> dict:
        return {
            "sku": self.sku,
            "barcode": self.barcode,
            "name": self.name,
            "category": self.category,
            "price_cents": self.price_cents,
            "tax_class": self.tax_class,
            "active": self.active,
            "reorder_point": self.reorder_point,
            "max_stock": self.max_stock,
            "version": self.version,
        }
