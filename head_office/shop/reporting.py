"""The online channel in reports and the dashboard (DESIGN.md ``online`` fields).

An order counts on the business date (head office's timezone) it was confirmed,
until it is cancelled: revenue is its subtotal (taxes excluded), like a store's.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, cast, func, select
from sqlalchemy.orm import Session

from common.clock import business_date, utcnow

from ..models import Order, OrderLine

TIMEZONE = "America/Montreal"
COUNTED = ("confirmed", "shipped")


def _local_day():
    return cast(func.timezone(TIMEZONE, Order.confirmed_at), Date)


def online_totals(session: Session, start: date, end: date) -> dict[str, int]:
    counted = (Order.status.in_(COUNTED), _local_day().between(start, end))
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Order.subtotal_cents), 0),
            func.coalesce(func.sum(Order.tax_cents), 0),
        ).where(*counted)
    ).one()
    units = session.scalar(
        select(func.coalesce(func.sum(OrderLine.qty), 0))
        .join(Order, Order.id == OrderLine.order_id)
        .where(*counted)
    )
    return {
        "revenue_cents": int(row[1]),
        "tax_cents": int(row[2]),
        "orders_count": int(row[0]),
        "units": int(units or 0),
    }


def online_dashboard(session: Session, now: datetime | None = None) -> dict[str, Any]:
    today = business_date(now or utcnow(), TIMEZONE)
    to_ship = session.scalar(select(func.count()).select_from(Order).where(Order.status == "confirmed")) or 0
    return {
        "revenue_today_cents": online_totals(session, today, today)["revenue_cents"],
        "orders_to_ship": int(to_ship),
    }
