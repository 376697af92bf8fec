"""Catalog reads: search by name, SKU or barcode, filter by category, paginate.

Hot reads (the API's product list and lookup) are Core selects of the wire columns: no ORM
objects are built, and the rows are already what the API sends. They take a Session or a
Connection (both ``execute``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, func, or_, over, select
from sqlalchemy.orm import Session

from ..models import Product

# The product as both APIs show it (common.schemas.ProductSchema), in its order.
WIRE_COLUMNS = (
    Product.sku, Product.barcode, Product.name, Product.category, Product.price_cents, Product.tax_class,
    Product.active, Product.reorder_point, Product.max_stock, Product.version,
)


def matches(q: str) -> ColumnElement[bool]:
    """Products whose name or SKU contains ``q`` (wildcards taken literally) or whose barcode is ``q``."""
    term = q.strip()
    like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(Product.name.ilike(like), Product.sku.ilike(like), Product.barcode == term)


def search_products(
    session: Session | Connection,
    q: str | None = None,
    category: str | None = None,
    page: int = 1,
    page_size: int = 50,
    include_inactive: bool = True,
) -> tuple[list[dict[str, Any]], int]:
    """One page of products (wire dicts, by SKU) and how many match in all: one query (the
    total rides on every row as a window count), a second only for a page past the end."""
    conditions = []
    if q and q.strip():
        conditions.append(matches(q))
    if category:
        conditions.append(func.lower(Product.category) == category.strip().lower())
    if not include_inactive:
        conditions.append(Product.active.is_(True))
    query = (
        select(*WIRE_COLUMNS, over(func.count()).label("total"))
        .where(*conditions)
        .order_by(Product.sku)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    rows = session.execute(query).all()
    if rows:
        total = rows[0].total
    else:
        total = session.execute(select(func.count()).select_from(Product).where(*conditions)).scalar() or 0
    return [_wire(row) for row in rows], total


def _wire(row: Any) -> dict[str, Any]:
    return {column.key: row[i] for i, column in enumerate(WIRE_COLUMNS)}


# Built once: a statement made per request costs more Python than its round trip.
_BY_SKU = select(*WIRE_COLUMNS).where(Product.sku == bindparam("sku"))


def product_wire(conn: Session | Connection, sku: str) -> dict[str, Any] | None:
    """The API's product (a wire dict), or None."""
    row = conn.execute(_BY_SKU, {"sku": sku}).first()
    return None if row is None else _wire(row)


def product_by_sku(session: Session, sku: str) -> Product | None:
    return session.scalar(select(Product).where(Product.sku == sku))


def categories(session: Session) -> list[str]:
    return list(session.scalars(select(Product.category).distinct().order_by(Product.category)))
