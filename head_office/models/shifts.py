"""Cashier shifts as the stores recorded them: a counted float, a counted drawer, over or short."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, String, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Shift(Base):
    __tablename__ = "shifts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    register: Mapped[str] = mapped_column(String(32))
    cashier: Mapped[str] = mapped_column(String(64))
    business_date: Mapped[date | None] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opening_float_cents: Mapped[int] = mapped_column(BigInteger)
    cash_expected_cents: Mapped[int | None] = mapped_column(BigInteger)
    cash_counted_cents: Mapped[int | None] = mapped_column(BigInteger)
    over_short_cents: Mapped[int | None] = mapped_column(BigInteger)
    cash_in_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    cash_out_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONB)

    __table_args__ = (Index("ix_shifts_store_date", "store_id", "business_date"),)
