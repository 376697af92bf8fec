"""Consolidated sales report, from the projections only.

Definitions (the same as a store's own daily report, so the two reconcile):

- dates are store business dates, both ends included;
- ``revenue_cents``: sales after discounts, tax excluded, minus returns (tax
  excluded) made in the range; a return counts on the business date it was made;
- ``tax_cents``: tax charged on sales minus tax refunded on returns;
- ``units``: units sold minus units returned; ``returns_cents`` tax excluded;
- ``avg_basket_cents``: sales (tax excluded, before returns) / number of sales,
  rounded half up; 0 with no sale;
- top products: by quantity (all lines of the product summed, net of returns),
  then by revenue; ties broken by SKU.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.orm import Session

from common.csvsafe import SafeWriter
from common.errors import BadRequest, NotFound
from common.i18n import _
from common.limits import INT32_MAX, parse_ascii_int
from common.money import decimal_amount, round_half_up

from ..models import DailyProductSales, DailyStoreSales, Store
from ..shop.reporting import online_totals

MAX_RANGE_DAYS = 366
TOP_N = 10


def _sum(expr: Any) -> Any:
    """``sum()`` of a BIGINT column is a NUMERIC in PostgreSQL: back to a BIGINT (a Python int)."""
    return cast(func.sum(expr), BigInteger)


def parse_range(
    start_text: str | None, end_text: str | None, max_days: int = MAX_RANGE_DAYS
) -> tuple[date, date]:
    """Validate a ``from``/``to`` pair of business dates (YYYY-MM-DD), both included."""
    errors: dict[str, list[str]] = {}
    parsed: dict[str, date] = {}
    for key, value in (("from", start_text), ("to", end_text)):
        if value is None or not value.strip():
            errors[key] = ["Required: a business date as YYYY-MM-DD."]
            continue
        try:
            parsed[key] = date.fromisoformat(value.strip())
            if len(value.strip()) != 10:
                raise ValueError
        except ValueError:
            errors[key] = [f"{value!r} is not a date as YYYY-MM-DD."]
    if errors:
        raise BadRequest(
            _("Give a date range: from=YYYY-MM-DD&to=YYYY-MM-DD (both included)."),
            code="bad_date_range",
            errors=errors,
        )
    start, end = parsed["from"], parsed["to"]
    if end < start:
        raise BadRequest(
            _("The range ends (%(end)s) before it starts (%(start)s).", end=end, start=start),
            code="bad_date_range",
            errors={"to": ["Must be on or after 'from'."]},
        )
    days = (end - start).days + 1
    if days > max_days:
        raise BadRequest(
            _(
                "The range covers %(days)s days; at most %(max_days)s at a time.",
                days=days,
                max_days=max_days,
            ),
            code="bad_date_range",
            errors={"to": [f"At most {max_days} days after 'from'."]},
        )
    return start, end


def parse_store(session: Session, text: str | None) -> Store | None:
    if text is None or not text.strip():
        return None
    value = text.strip()
    store = None
    store_id = parse_ascii_int(value, minimum=1, maximum=INT32_MAX)
    if store_id is not None:
        store = session.get(Store, store_id)
    else:
        store = session.scalar(select(Store).where(func.upper(Store.code) == value.upper()))
    if store is None:
        raise NotFound(_("No store %(value)s.", value=value), code="unknown_store",
                       errors={"store": [f"No store {value}."]})
    return store


def _avg(cents: int, count: int) -> int:
    return round_half_up(Decimal(cents) / count) if count else 0


def sales_report(
    session: Session, start: date, end: date, store: Store | None = None, top: int = TOP_N
) -> dict:
    stores = [store] if store is not None else list(session.scalars(select(Store).order_by(Store.id)))
    store_ids = [s.id for s in stores]
    d = DailyStoreSales
    totals = {
        row.store_id: row
        for row in session.execute(
            select(
                d.store_id,
                _sum(d.sales_count).label("sales_count"),
                _sum(d.sales_cents).label("sales_cents"),
                _sum(d.sales_tax_cents).label("sales_tax_cents"),
                _sum(d.units_sold).label("units_sold"),
                _sum(d.returns_count).label("returns_count"),
                _sum(d.returns_cents).label("returns_cents"),
                _sum(d.returns_tax_cents).label("returns_tax_cents"),
                _sum(d.units_returned).label("units_returned"),
            )
            .where(d.business_date.between(start, end), d.store_id.in_(store_ids))
            .group_by(d.store_id)
        )
    }
    per_product = product_rows(session, start, end, store_ids)
    rows: list[dict[str, Any]] = []
    for s in stores:
        t = totals.get(s.id)
        v = {
            k: int(getattr(t, k) or 0) if t is not None else 0
            for k in (
                "sales_count",
                "sales_cents",
                "sales_tax_cents",
                "units_sold",
                "returns_count",
                "returns_cents",
                "returns_tax_cents",
                "units_returned",
            )
        }
        products = per_product.get(s.id, [])
        by_qty = sorted(products, key=lambda p: (-p["qty"], -p["revenue_cents"], p["sku"]))
        by_revenue = sorted(products, key=lambda p: (-p["revenue_cents"], -p["qty"], p["sku"]))
        slim = ("sku", "name", "qty", "revenue_cents")
        rows.append(
            {
                "store_id": s.id,
                "code": s.code,
                "name": s.name,
                "revenue_cents": v["sales_cents"] - v["returns_cents"],
                "tax_cents": v["sales_tax_cents"] - v["returns_tax_cents"],
                "sales_count": v["sales_count"],
                "units": v["units_sold"] - v["units_returned"],
                "units_sold": v["units_sold"],
                "units_returned": v["units_returned"],
                "sales_cents": v["sales_cents"],
                "returns_cents": v["returns_cents"],
                "returns_count": v["returns_count"],
                "avg_basket_cents": _avg(v["sales_cents"], v["sales_count"]),
                "top_products": [{k: p[k] for k in slim} for p in by_qty[:top] if p["qty"] > 0],
                "top_products_by_revenue": [
                    {k: p[k] for k in slim} for p in by_revenue[:top] if p["revenue_cents"] > 0
                ],
            }
        )
    by_day: dict[date, int] = dict(
        session.execute(
            select(d.business_date, _sum(d.sales_cents - d.returns_cents))
            .where(d.business_date.between(start, end), d.store_id.in_(store_ids))
            .group_by(d.business_date)
        ).all()
    )
    days = [
        {
            "date": (start + timedelta(days=i)).isoformat(),
            "revenue_cents": int(by_day.get(start + timedelta(days=i)) or 0),
        }
        for i in range((end - start).days + 1)
    ]
    sales_count = sum(r["sales_count"] for r in rows)
    sales_cents = sum(r["sales_cents"] for r in rows)
    chain = {
        "revenue_cents": sum(r["revenue_cents"] for r in rows),
        "tax_cents": sum(r["tax_cents"] for r in rows),
        "sales_count": sales_count,
        "units": sum(r["units"] for r in rows),
        "returns_cents": sum(r["returns_cents"] for r in rows),
        "avg_basket_cents": _avg(sales_cents, sales_count),
    }
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "store": store.id if store else None,
        "stores": rows,
        "totals": chain,
        "days": days,
        "online": online_totals(session, start, end),
    }


def product_rows(
    session: Session, start: date, end: date, store_ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """Per store, every product sold or returned in the range with its figures."""
    p = DailyProductSales
    out: dict[int, list[dict[str, Any]]] = {}
    for row in session.execute(
        select(
            p.store_id,
            p.sku,
            func.max(p.name).label("name"),
            _sum(p.qty_sold).label("qty_sold"),
            _sum(p.qty_returned).label("qty_returned"),
            _sum(p.sales_cents).label("sales_cents"),
            _sum(p.returns_cents).label("returns_cents"),
        )
        .where(p.business_date.between(start, end), p.store_id.in_(store_ids))
        .group_by(p.store_id, p.sku)
        .order_by(p.store_id, p.sku)
    ):
        qty_sold, qty_returned = int(row.qty_sold or 0), int(row.qty_returned or 0)
        sales, returns = int(row.sales_cents or 0), int(row.returns_cents or 0)
        out.setdefault(row.store_id, []).append(
            {
                "sku": row.sku,
                "name": row.name,
                "qty_sold": qty_sold,
                "qty_returned": qty_returned,
                "qty": qty_sold - qty_returned,
                "sales_cents": sales,
                "returns_cents": returns,
                "revenue_cents": sales - returns,
            }
        )
    return out


CSV_HEADER = [
    "store_id",
    "store_code",
    "store_name",
    "sku",
    "name",
    "qty_sold",
    "qty_returned",
    "units",
    "sales",
    "returns",
    "revenue",
]


def sales_csv(session: Session, start: date, end: date, store: Store | None = None) -> str:
    """One row per store and product (amounts tax excluded, as decimal amounts with two places)."""
    stores = [store] if store is not None else list(session.scalars(select(Store).order_by(Store.id)))
    per_product = product_rows(session, start, end, [s.id for s in stores])
    buffer = io.StringIO()
    writer = SafeWriter(buffer, lineterminator="\r\n")  # names are text: never a formula
    writer.writerow(CSV_HEADER)
    for s in stores:
        for p in per_product.get(s.id, []):
            writer.writerow(
                [
                    s.id,
                    s.code,
                    s.name,
                    p["sku"],
                    p["name"],
                    p["qty_sold"],
                    p["qty_returned"],
                    p["qty"],
                    decimal_amount(p["sales_cents"]),
                    decimal_amount(p["returns_cents"]),
                    decimal_amount(p["revenue_cents"]),
                ]
            )
    return buffer.getvalue()


DAY_CSV_HEADER = [
    "date",
    "store_id",
    "store_code",
    "store_name",
    "sales_count",
    "returns_count",
    "units",
    "sales",
    "returns",
    "revenue",
    "tax_collected",
    "tax_refunded",
    "tax_net",
    "total_with_tax",
]


def sales_days(
    session: Session, start: date, end: date, store: Store | None = None
) -> list[dict[str, Any]]:
    """One row per business day and store with its figures (amounts in cents; taxes apart)."""
    d = DailyStoreSales
    query = (
        select(d, Store.code, Store.name)
        .join(Store, Store.id == d.store_id)
        .where(d.business_date.between(start, end))
        .order_by(d.business_date, d.store_id)
    )
    if store is not None:
        query = query.where(d.store_id == store.id)
    out = []
    for row, code, name in session.execute(query):
        revenue = row.sales_cents - row.returns_cents
        tax = row.sales_tax_cents - row.returns_tax_cents
        out.append({
            "date": row.business_date.isoformat(), "store_id": row.store_id, "store_code": code,
            "store_name": name, "sales_count": row.sales_count, "returns_count": row.returns_count,
            "units": row.units_sold - row.units_returned, "sales_cents": row.sales_cents,
            "returns_cents": row.returns_cents, "revenue_cents": revenue,
            "tax_collected_cents": row.sales_tax_cents, "tax_refunded_cents": row.returns_tax_cents,
            "tax_cents": tax, "total_cents": revenue + tax,
        })
    return out


def days_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``sales_days`` rows added up per day (the report page's per-day table)."""
    keys = ("sales_count", "returns_count", "units", "sales_cents", "returns_cents", "revenue_cents",
            "tax_cents", "total_cents")
    days: dict[str, dict[str, Any]] = {}
    for row in rows:
        day = days.setdefault(row["date"], {"date": row["date"], **dict.fromkeys(keys, 0)})
        for key in keys:
            day[key] += row[key]
    return list(days.values())


def sales_days_csv(session: Session, start: date, end: date, store: Store | None = None) -> str:
    """One row per business day and store, with the taxes collected, refunded and net."""
    buffer = io.StringIO()
    writer = SafeWriter(buffer, lineterminator="\r\n")  # a store's name is text: never a formula
    writer.writerow(DAY_CSV_HEADER)
    for r in sales_days(session, start, end, store):
        writer.writerow([
            r["date"], r["store_id"], r["store_code"], r["store_name"], r["sales_count"],
            r["returns_count"], r["units"], decimal_amount(r["sales_cents"]),
            decimal_amount(r["returns_cents"]), decimal_amount(r["revenue_cents"]),
            decimal_amount(r["tax_collected_cents"]), decimal_amount(r["tax_refunded_cents"]),
            decimal_amount(r["tax_cents"]), decimal_amount(r["total_cents"]),
        ])
    return buffer.getvalue()
