"""Catalog reads: search by name, SKU or barcode, filter by category, paginate."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from ..models import Product


def matches(q: str) -> ColumnElement[bool]:
    """Products whose name or SKU contains ``q`` (wildcards taken literally) or whose barcode is ``q``."""
    term = q.strip()
    like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(Product.name.ilike(like), Product.sku.ilike(like), Product.barcode == term)


def search_products(
    session: Session,
    q: str | None = None,
    category: str | None = None,
    page: int = 1,
    page_size: int = 50,
    include_inactive: bool = True,
) -> tuple[list[Product], int]:
    query = select(Product)
    if q and q.strip():
        query = query.where(matches(q))
    if category:
        query = query.where(func.lower(Product.category) == category.strip().lower())
    if not include_inactive:
        query = query.where(Product.active.is_(True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Product.sku).limit(page_size).offset((page - 1) * page_size)
    ).all()
    return list(rows), total


def product_by_sku(session: Session, sku: str) -> Product | None:
    return session.scalar(select(Product).where(Product.sku == sku))


def categories(session: Session) -> list[str]:
    return list(session.scalars(select(Product.category).distinct().order_by(Product.category)))
