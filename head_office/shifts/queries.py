"""Reading the shifts the stores sent."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.clock import isoformat_z

from ..models import Shift, Store


def list_shifts(session: Session, store_id: int | None = None, start: date | None = None,
                end: date | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """Shifts by store and business date (both ends included), newest first."""
    query = select(Shift, Store.code, Store.name, Store.timezone).join(Store, Store.id == Shift.store_id)
    if store_id is not None:
        query = query.where(Shift.store_id == store_id)
    if start is not None:
        query = query.where(Shift.business_date >= start)
    if end is not None:
        query = query.where(Shift.business_date <= end)
    query = query.order_by(Shift.business_date.desc(), Shift.store_id, Shift.opened_at.desc()).limit(limit)
    out = []
    for shift, code, name, timezone in session.execute(query):
        out.append({
            "id": str(shift.id),
            "store_id": shift.store_id,
            "store_code": code,
            "store_name": name,
            "timezone": timezone,
            "register": shift.register,
            "cashier": shift.cashier,
            "business_date": shift.business_date.isoformat() if shift.business_date else None,
            "opened_at": isoformat_z(shift.opened_at),
            "closed_at": isoformat_z(shift.closed_at) if shift.closed_at else None,
            "opening_float_cents": shift.opening_float_cents,
            "cash_in_cents": shift.cash_in_cents,
            "cash_out_cents": shift.cash_out_cents,
            "cash_expected_cents": shift.cash_expected_cents,
            "cash_counted_cents": shift.cash_counted_cents,
            "over_short_cents": shift.over_short_cents,
            "report": shift.report,
        })
    return out
