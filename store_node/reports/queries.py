"""The store's own totals for a business date: what reconciliation with head office compares.

- ``revenue_cents``: sales subtotals (after discounts, tax excluded) minus the
  subtotals of returns made that day (a return counts on the day it happened).
- ``tax_cents``: tax charged on the day's sales minus tax refunded that day.
- ``units``: units sold minus units returned that day.
- ``returns_cents``: the day's returns, tax excluded.
- ``avg_basket_cents``: sales subtotals of the day / number of sales (before
  returns), rounded half up; 0 with no sale.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlite_utils

from common.money import round_half_up


def daily(db: sqlite_utils.Database, store_id: int, day: str) -> dict[str, Any]:
    conn = db.conn
    sales_count, sales_net, sales_tax = conn.execute(
        "SELECT count(*), coalesce(sum(subtotal_cents), 0), coalesce(sum(tax_cents), 0)"
        " FROM sales WHERE business_date = ?",
        (day,),
    ).fetchone()
    units_sold = conn.execute(
        "SELECT coalesce(sum(l.qty), 0) FROM sale_lines l JOIN sales s ON s.id = l.sale_id"
        " WHERE s.business_date = ?",
        (day,),
    ).fetchone()[0]
    returns_count, returns_net, returns_tax = conn.execute(
        "SELECT count(*), coalesce(sum(subtotal_cents), 0), coalesce(sum(tax_cents), 0)"
        " FROM returns WHERE business_date = ?",
        (day,),
    ).fetchone()
    units_returned = conn.execute(
        "SELECT coalesce(sum(l.qty), 0) FROM return_lines l JOIN returns r ON r.id = l.return_id"
        " WHERE r.business_date = ?",
        (day,),
    ).fetchone()[0]
    avg = round_half_up(Decimal(sales_net) / sales_count) if sales_count else 0
    return {
        "store_id": store_id,
        "business_date": day,
        "revenue_cents": sales_net - returns_net,
        "tax_cents": sales_tax - returns_tax,
        "sales_count": sales_count,
        "units": units_sold - units_returned,
        "returns_cents": returns_net,
        "returns_count": returns_count,
        "gross_sales_cents": sales_net,
        "avg_basket_cents": avg,
    }
