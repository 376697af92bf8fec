"""Keep the report projections in step with the sales and returns ledger.

``record_sales_summary`` (a run of sales, summed per day and per product) and
``record_return`` are called by store sync (``head_office.storesync``) in the transaction that applies
store events. Each folds them into ``daily_store_sales`` and
``daily_product_sales`` with ``INSERT ... ON CONFLICT DO UPDATE`` (safe under
concurrency: the row lock of the upsert serialises writers of one row).

``rebuild`` recomputes both tables from the ``sales``/``returns`` tables with
the same arithmetic, so a rebuild gives exactly the same figures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..models import Return, SaleLine, Store

# Plain SQL, compiled once: these run for every applied sale and return.
_RETURN_DAY = text("""
INSERT INTO daily_store_sales (store_id, business_date, returns_count, returns_cents, returns_tax_cents,
                               units_returned)
VALUES (:store_id, :business_date, 1, :returns_cents, :tax_cents, :units)
ON CONFLICT (store_id, business_date) DO UPDATE SET
    returns_count = daily_store_sales.returns_count + 1,
    returns_cents = daily_store_sales.returns_cents + excluded.returns_cents,
    returns_tax_cents = daily_store_sales.returns_tax_cents + excluded.returns_tax_cents,
    units_returned = daily_store_sales.units_returned + excluded.units_returned
""")

_SALE_PRODUCT = text("""
INSERT INTO daily_product_sales (store_id, business_date, sku, name, qty_sold, sales_cents)
VALUES (:store_id, :business_date, :sku, :name, :qty, :cents)
ON CONFLICT (store_id, business_date, sku) DO UPDATE SET
    name = excluded.name,
    qty_sold = daily_product_sales.qty_sold + excluded.qty_sold,
    sales_cents = daily_product_sales.sales_cents + excluded.sales_cents
""")

_RETURN_PRODUCT = text("""
INSERT INTO daily_product_sales (store_id, business_date, sku, name, qty_returned, returns_cents)
VALUES (:store_id, :business_date, :sku, :name, :qty, :cents)
ON CONFLICT (store_id, business_date, sku) DO UPDATE SET
    qty_returned = daily_product_sales.qty_returned + excluded.qty_returned,
    returns_cents = daily_product_sales.returns_cents + excluded.returns_cents
""")


_SALES_DAYS = text("""
INSERT INTO daily_store_sales (store_id, business_date, sales_count, sales_cents, sales_tax_cents, units_sold)
VALUES (:store_id, :business_date, :count, :sales_cents, :tax_cents, :units)
ON CONFLICT (store_id, business_date) DO UPDATE SET
    sales_count = daily_store_sales.sales_count + excluded.sales_count,
    sales_cents = daily_store_sales.sales_cents + excluded.sales_cents,
    sales_tax_cents = daily_store_sales.sales_tax_cents + excluded.sales_tax_cents,
    units_sold = daily_store_sales.units_sold + excluded.units_sold
""")


def record_sales_summary(
    session: Session, days: list[dict[str, Any]], products: list[dict[str, Any]]
) -> None:
    """Fold a run of sales already summed per store-day (``days``: store_id, business_date, count,
    sales_cents, tax_cents, units) and per store-day-product (``products``: store_id, business_date,
    sku, name, qty, cents; sorted) into the projections: what store sync's sale runs call."""
    if days:
        session.execute(_SALES_DAYS, days)
    if products:
        session.execute(_SALE_PRODUCT, products)


def record_return(session: Session, ret: Return) -> None:
    """Fold one applied return into the projections, on the return's own business date."""
    session.execute(
        _RETURN_DAY,
        {
            "store_id": ret.store_id,
            "business_date": ret.business_date,
            "returns_cents": ret.subtotal_cents,
            "tax_cents": ret.tax_cents,
            "units": sum(line.qty for line in ret.lines),
        },
    )
    if not ret.lines:
        return
    # A return of a product not sold that day still needs the product's name in its row.
    names = dict(
        session.execute(select(SaleLine.sku, SaleLine.name).where(SaleLine.sale_id == ret.sale_id)).all()
    )
    products: dict[str, dict[str, Any]] = {}
    for line in ret.lines:
        row = products.setdefault(
            line.sku,
            {
                "store_id": ret.store_id,
                "business_date": ret.business_date,
                "sku": line.sku,
                "name": names.get(line.sku, ""),
                "qty": 0,
                "cents": 0,
            },
        )
        row["qty"] += line.qty
        row["cents"] += line.net_cents
    session.execute(_RETURN_PRODUCT, [products[sku] for sku in sorted(products)])


# Rebuild --------------------------------------------------------------------------------------

_STORE_SALES = """
INSERT INTO daily_store_sales (store_id, business_date, sales_count, sales_cents, sales_tax_cents, units_sold)
SELECT s.store_id, s.business_date, count(*), sum(s.subtotal_cents), sum(s.tax_cents),
       sum((SELECT coalesce(sum(l.qty), 0) FROM sale_lines l WHERE l.sale_id = s.id))
FROM sales s WHERE s.store_id = :store
GROUP BY s.store_id, s.business_date
"""

_STORE_RETURNS = """
INSERT INTO daily_store_sales (store_id, business_date, returns_count, returns_cents, returns_tax_cents,
                               units_returned)
SELECT r.store_id, r.business_date, count(*), sum(r.subtotal_cents), sum(r.tax_cents),
       sum((SELECT coalesce(sum(l.qty), 0) FROM return_lines l WHERE l.return_id = r.id))
FROM returns r WHERE r.store_id = :store
GROUP BY r.store_id, r.business_date
ON CONFLICT (store_id, business_date) DO UPDATE SET
    returns_count = excluded.returns_count,
    returns_cents = excluded.returns_cents,
    returns_tax_cents = excluded.returns_tax_cents,
    units_returned = excluded.units_returned
"""

# The name kept is the one of the latest sale of the day (what record_sales_summary leaves behind).
_PRODUCT_SALES = """
INSERT INTO daily_product_sales (store_id, business_date, sku, name, qty_sold, sales_cents)
SELECT s.store_id, s.business_date, l.sku,
       (array_agg(l.name ORDER BY s.received_at DESC, s.id DESC, l.line_no DESC))[1],
       sum(l.qty), sum(l.net_cents)
FROM sales s JOIN sale_lines l ON l.sale_id = s.id
WHERE s.store_id = :store
GROUP BY s.store_id, s.business_date, l.sku
"""

_PRODUCT_RETURNS = """
INSERT INTO daily_product_sales (store_id, business_date, sku, name, qty_returned, returns_cents)
SELECT r.store_id, r.business_date, rl.sku, coalesce(min(sl.name), ''), sum(rl.qty), sum(rl.net_cents)
FROM returns r
JOIN return_lines rl ON rl.return_id = r.id
LEFT JOIN sale_lines sl ON sl.sale_id = r.sale_id AND sl.line_no = rl.sale_line_no
WHERE r.store_id = :store
GROUP BY r.store_id, r.business_date, rl.sku
ON CONFLICT (store_id, business_date, sku) DO UPDATE SET
    qty_returned = excluded.qty_returned,
    returns_cents = excluded.returns_cents
"""


def rebuild(session: Session, progress: Callable[[int], None] = lambda _n: None) -> dict[str, int]:
    """Recompute every projection from the sales and returns tables (one store at a time).

    The caller commits. Holds an exclusive lock on the projection tables meanwhile,
    so events applied concurrently wait rather than being lost.
    """
    session.execute(text("LOCK TABLE daily_store_sales, daily_product_sales IN EXCLUSIVE MODE"))
    session.execute(text("DELETE FROM daily_product_sales"))
    session.execute(text("DELETE FROM daily_store_sales"))
    store_ids = list(session.scalars(select(Store.id).order_by(Store.id)))
    for store_id in store_ids:
        for statement in (_STORE_SALES, _STORE_RETURNS, _PRODUCT_SALES, _PRODUCT_RETURNS):
            session.execute(text(statement), {"store": store_id})
        progress(1)
    counts = {
        "stores": len(store_ids),
        "store_days": session.scalar(text("SELECT count(*) FROM daily_store_sales")) or 0,
        "product_days": session.scalar(text("SELECT count(*) FROM daily_product_sales")) or 0,
    }
    return counts
