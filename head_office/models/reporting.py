"""Report projections (read models), kept up to date in the transaction that applies each event.

Reports and the dashboard read only these tables. Each row holds additive
components (sales and returns kept apart) so an event is folded in with one
``INSERT ... ON CONFLICT DO UPDATE`` and the whole set can be rebuilt from the
sales and returns ledger with the same figures.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class DailyStoreSales(Base):
    """Per store and business date: sales and returns, tax apart."""

    __tablename__ = "daily_store_sales"

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    sales_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sales_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sales_tax_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    units_sold: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    returns_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    returns_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    returns_tax_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    units_returned: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    __table_args__ = (Index("ix_daily_store_sales_business_date", "business_date"),)

    @property
    def revenue_cents(self) -> int:
        return self.sales_cents - self.returns_cents


class DailyProductSales(Base):
    """Per store, business date and SKU: quantities and amounts (tax excluded)."""

    __tablename__ = "daily_product_sales"

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    qty_sold: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    qty_returned: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sales_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    returns_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    __table_args__ = (Index("ix_daily_product_sales_business_date", "business_date", "store_id"),)
