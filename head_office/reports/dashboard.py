"""The manager's dashboard: every store's revenue (today, last 7 and 30 business days in the
store's own timezone, today included), stock alerts and sync health. Reads projections,
the stock balances and the sync state only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from common.clock import business_date, isoformat_z, utcnow
from common.money import round_half_up

from ..models import DailyStoreSales, Product, Store, StoreStock, StoreSyncState, SyncRejection
from ..shop.reporting import online_dashboard

RECONCILED_FIELDS = ("revenue_cents", "tax_cents", "sales_count", "units", "returns_cents")


def _day_totals(row: DailyStoreSales | None) -> dict[str, int]:
    if row is None:
        return {"revenue_cents": 0, "tax_cents": 0, "sales_count": 0, "units": 0, "returns_cents": 0}
    return {
        "revenue_cents": row.sales_cents - row.returns_cents,
        "tax_cents": row.sales_tax_cents - row.returns_tax_cents,
        "sales_count": row.sales_count,
        "units": row.units_sold - row.units_returned,
        "returns_cents": row.returns_cents,
    }


_SYNCED_DAY = text("""
SELECT
  (SELECT count(*) FROM sales s WHERE s.store_id = :store AND s.business_date = :day
     AND s.event_id IS NOT NULL),
  (SELECT coalesce(sum(s.subtotal_cents), 0)::bigint FROM sales s WHERE s.store_id = :store
     AND s.business_date = :day AND s.event_id IS NOT NULL),
  (SELECT coalesce(sum(s.tax_cents), 0)::bigint FROM sales s WHERE s.store_id = :store
     AND s.business_date = :day
     AND s.event_id IS NOT NULL),
  (SELECT coalesce(sum(l.qty), 0)::bigint FROM sale_lines l JOIN sales s ON s.id = l.sale_id
     WHERE s.store_id = :store AND s.business_date = :day AND s.event_id IS NOT NULL),
  (SELECT coalesce(sum(r.subtotal_cents), 0)::bigint FROM returns r WHERE r.store_id = :store
     AND r.business_date = :day AND r.event_id IS NOT NULL),
  (SELECT coalesce(sum(r.tax_cents), 0)::bigint FROM returns r WHERE r.store_id = :store
     AND r.business_date = :day
     AND r.event_id IS NOT NULL),
  (SELECT coalesce(sum(l.qty), 0)::bigint FROM return_lines l JOIN returns r ON r.id = l.return_id
     WHERE r.store_id = :store AND r.business_date = :day AND r.event_id IS NOT NULL)
""")


def synced_day_totals(session: Session, store_id: int, day: date) -> dict[str, int]:
    """Head office's totals for one store-day from the events that store pushed.

    Reconciliation checks that sync is complete, so it counts what came from the store
    (every sale and return in a real chain; the demo's seeded history is not the tills')."""
    count, sales, tax, units, returns, returns_tax, units_back = session.execute(
        _SYNCED_DAY, {"store": store_id, "day": day}
    ).one()
    return {
        "revenue_cents": int(sales - returns),
        "tax_cents": int(tax - returns_tax),
        "sales_count": int(count),
        "units": int(units - units_back),
        "returns_cents": int(returns),
    }


def reconcile(
    session: Session, store_id: int, reported: dict[str, Any] | None, last_closed: date
) -> dict[str, Any]:
    """Compare what the store says it did on a business day with what head office holds.

    True when every figure the store reported matches, False when one differs, None when
    the store has reported nothing usable yet. The day compared is the one the store
    reported (normally its last closed business day).
    """
    out: dict[str, Any] = {
        "reconciled": None,
        "reconciled_date": None,
        "reported_totals": reported,
        "head_office_totals": None,
    }
    if not isinstance(reported, dict) or not reported.get("business_date"):
        return out
    try:
        day = date.fromisoformat(str(reported["business_date"]))
    except ValueError:
        return out
    mine = synced_day_totals(session, store_id, day)
    compared = [k for k in RECONCILED_FIELDS if k in reported]
    if not compared:
        return out
    out.update(
        reconciled=all(reported[k] == mine[k] for k in compared),
        reconciled_date=day.isoformat(),
        reconciled_is_last_closed=day == last_closed,
        head_office_totals=mine,
        differences={
            k: {"store": reported[k], "head_office": mine[k]} for k in compared if reported[k] != mine[k]
        },
    )
    return out


def projected_days(session: Session, first: date, last: date) -> Iterable[DailyStoreSales]:
    """Per store and business date totals, from the projection."""
    return session.scalars(select(DailyStoreSales).where(DailyStoreSales.business_date.between(first, last)))


def dashboard_window(session: Session, now: datetime) -> tuple[list[Store], date, date]:
    """The active stores and the business days the dashboard covers: each store's last 30."""
    stores = list(session.scalars(select(Store).where(Store.active.is_(True)).order_by(Store.id)))
    todays = [business_date(now, s.timezone) for s in stores] or [business_date(now, "UTC")]
    return stores, min(todays) - timedelta(days=29), max(todays)


def dashboard(session: Session, now: datetime | None = None, alert_limit: int = 50) -> dict[str, Any]:
    """Each active store's day, 7 and 30 days, alerts and sync, from the daily projection."""
    now = now or utcnow()
    stores, first, last = dashboard_window(session, now)
    return dashboard_of(session, now, stores, first, last, projected_days(session, first, last), alert_limit)


def dashboard_of(
    session: Session,
    now: datetime,
    stores: list[Store],
    first: date,
    last: date,
    day_rows: Iterable[Any],
    alert_limit: int = 50,
) -> dict[str, Any]:
    """The dashboard over ``day_rows`` (rows shaped like ``DailyStoreSales`` for ``first`` to
    ``last``) and the stores' current stock and sync state."""
    if not stores:
        return {"as_of": isoformat_z(now), "stores": [], "days": [], "online": online_dashboard(session, now)}
    today = {s.id: business_date(now, s.timezone) for s in stores}
    daily: dict[int, dict[date, Any]] = {}
    for row in day_rows:
        daily.setdefault(row.store_id, {})[row.business_date] = row

    alerts: dict[int, dict[str, list[dict[str, Any]]]] = {
        s.id: {"stock_outs": [], "overstock": []} for s in stores
    }
    for store_id, sku, name, on_hand, reorder_point, max_stock in session.execute(
        select(
            StoreStock.store_id,
            Product.sku,
            Product.name,
            StoreStock.on_hand,
            Product.reorder_point,
            Product.max_stock,
        )
        .join(Product, Product.id == StoreStock.product_id)
        .where(
            Product.active.is_(True),
            or_(
                StoreStock.on_hand <= Product.reorder_point,
                (Product.max_stock > 0) & (StoreStock.on_hand > Product.max_stock),
            ),
        )
        .order_by(StoreStock.store_id, StoreStock.on_hand, Product.sku)
    ):
        if store_id not in alerts:
            continue
        if on_hand <= reorder_point:
            alerts[store_id]["stock_outs"].append(
                {"sku": sku, "name": name, "on_hand": on_hand, "reorder_point": reorder_point}
            )
        else:
            alerts[store_id]["overstock"].append(
                {"sku": sku, "name": name, "on_hand": on_hand, "max_stock": max_stock}
            )

    states = {s.store_id: s for s in session.scalars(select(StoreSyncState))}
    rejections = dict(
        session.execute(
            select(SyncRejection.store_id, func.count())
            .where(SyncRejection.resolved_at.is_(None))
            .group_by(SyncRejection.store_id)
        ).all()
    )

    rows = []
    for s in stores:
        days = daily.get(s.id, {})
        t = today[s.id]

        def window(n: int, days: dict[date, Any] = days, t: date = t) -> list[Any]:
            return [row for day, row in days.items() if t - timedelta(days=n - 1) <= day <= t]

        today_rows, rows_7, rows_30 = window(1), window(7), window(30)
        sales_today = sum(r.sales_cents for r in today_rows)
        count_today = sum(r.sales_count for r in today_rows)
        sales_30 = sum(r.sales_cents for r in rows_30)
        count_30 = sum(r.sales_count for r in rows_30)
        state = states.get(s.id)
        sync = {
            "last_contact_at": isoformat_z(state.last_contact_at)
            if state and state.last_contact_at
            else None,
            "last_push_at": isoformat_z(state.last_push_at) if state and state.last_push_at else None,
            "last_pull_at": isoformat_z(state.last_pull_at) if state and state.last_pull_at else None,
            "pending_events": state.pending_events_reported if state else None,
            "oldest_pending_age_s": state.oldest_pending_age_s if state else None,
            "rejections": int(rejections.get(s.id, 0)),
        }
        sync.update(reconcile(session, s.id, state.reported_totals if state else None, t - timedelta(days=1)))
        store_alerts = alerts[s.id]
        rows.append(
            {
                "store_id": s.id,
                "code": s.code,
                "name": s.name,
                "timezone": s.timezone,
                "business_date": t.isoformat(),
                "revenue_today_cents": sum(r.revenue_cents for r in today_rows),
                "revenue_7d_cents": sum(r.revenue_cents for r in rows_7),
                "revenue_30d_cents": sum(r.revenue_cents for r in rows_30),
                "tax_today_cents": sum(r.sales_tax_cents - r.returns_tax_cents for r in today_rows),
                "sales_count_today": count_today,
                "sales_count_30d": count_30,
                "avg_basket_today_cents": round_half_up(Decimal(sales_today) / count_today)
                if count_today
                else 0,
                "avg_basket_30d_cents": round_half_up(Decimal(sales_30) / count_30) if count_30 else 0,
                "stock_outs": store_alerts["stock_outs"][:alert_limit],
                "stock_outs_count": len(store_alerts["stock_outs"]),
                "out_of_stock_count": sum(1 for a in store_alerts["stock_outs"] if a["on_hand"] <= 0),
                "low_stock_count": sum(1 for a in store_alerts["stock_outs"] if a["on_hand"] > 0),
                "overstock": store_alerts["overstock"][:alert_limit],
                "overstock_count": len(store_alerts["overstock"]),
                "sync": sync,
                "daily": [
                    {
                        "date": (t - timedelta(days=i)).isoformat(),
                        "revenue_cents": days[t - timedelta(days=i)].revenue_cents
                        if (t - timedelta(days=i)) in days
                        else 0,
                    }
                    for i in range(29, -1, -1)
                ],
            }
        )
    chain_days = []
    day = first
    while day <= last:
        chain_days.append(
            {
                "date": day.isoformat(),
                "revenue_cents": sum(
                    daily.get(s.id, {})[day].revenue_cents for s in stores if day in daily.get(s.id, {})
                ),
            }
        )
        day += timedelta(days=1)
    online = online_dashboard(session, now)
    return {"as_of": isoformat_z(now), "stores": rows, "days": chain_days, "online": online}


def parked_events(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    """The latest store events head office parked and nobody resolved yet, with their reason."""
    rows = session.execute(
        select(SyncRejection, Store.code)
        .join(Store, Store.id == SyncRejection.store_id)
        .where(SyncRejection.resolved_at.is_(None))
        .order_by(SyncRejection.created_at.desc(), SyncRejection.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "store_code": code,
            "seq": rejection.seq,
            "type": rejection.type,
            "code": rejection.code,
            "reason": rejection.reason,
            "event_id": str(rejection.event_id),
            "created_at": isoformat_z(rejection.created_at),
        }
        for rejection, code in rows
    ]
