"""The local catalog: search by name, SKU or barcode; upserts for seed and sync."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from common.clock import isoformat_z, utcnow
from common.taxes import TAX_CLASSES

_COLUMNS = (
    "sku", "barcode", "name", "category", "price_cents", "tax_class", "active",
    "reorder_point", "max_stock", "version",
)
_SELECT = (
    "SELECT p.sku, p.barcode, p.name, p.category, p.price_cents, p.tax_class, p.active,"
    " p.reorder_point, p.max_stock, p.version, coalesce(s.on_hand, 0)"
    " FROM products p LEFT JOIN stock s ON s.sku = p.sku"
)


def _product(row: tuple) -> dict[str, Any]:
    item = dict(zip(_COLUMNS, row[:-1], strict=True))
    item["active"] = bool(item["active"])
    item["on_hand"] = row[-1]
    return item


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(text: str) -> str:
    return "%" + _escape(text) + "%"


def search(
    db: sqlite_utils.Database,
    q: str | None = None,
    category: str | None = None,
    page: int = 1,
    page_size: int = 50,
    active_only: bool = False,
) -> dict[str, Any]:
    """Products matching ``q`` (exact barcode or SKU first, then name/SKU contains)."""
    where: list[str] = []
    params: list[Any] = []
    order = "p.name COLLATE NOCASE"
    q = (q or "").strip()
    if q:
        where.append(
            "(p.barcode = ? OR p.sku = ? COLLATE NOCASE"
            " OR p.name LIKE ? ESCAPE '\\' OR p.sku LIKE ? ESCAPE '\\')"
        )
        params += [q, q, _like(q), _like(q)]
        order = (
            "(p.barcode = ?) DESC, (p.sku = ? COLLATE NOCASE) DESC,"
            " (p.name LIKE ? ESCAPE '\\') DESC, p.name COLLATE NOCASE"
        )
    if category:
        where.append("p.category = ?")
        params.append(category)
    if active_only:
        where.append("p.active = 1")
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    total = db.conn.execute(
        f"SELECT count(*) FROM products p{clause}", params
    ).fetchone()[0]
    order_params = [q, q, _escape(q) + "%"] if q else []
    rows = db.conn.execute(
        f"{_SELECT}{clause} ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, *order_params, page_size, (page - 1) * page_size],
    ).fetchall()
    return {
        "items": [_product(row) for row in rows],
        "page": page,
        "page_size": page_size,
        "total": total,
    }


def find(db: sqlite_utils.Database, code: str) -> dict[str, Any] | None:
    """A product by exact barcode or SKU (what a scanner or a typed SKU gives)."""
    code = (code or "").strip()
    if not code:
        return None
    row = db.conn.execute(
        f"{_SELECT} WHERE p.barcode = ? OR p.sku = ? COLLATE NOCASE"
        " ORDER BY (p.barcode = ?) DESC LIMIT 1",
        (code, code, code),
    ).fetchone()
    return _product(row) if row else None


def upsert_product(db: sqlite_utils.Database, product: dict[str, Any]) -> bool:
    """Insert or update a product when its ``version`` is newer (seed and the sync sink)."""
    if product.get("tax_class", "standard") not in TAX_CLASSES:
        raise ValueError(f"unknown tax class {product.get('tax_class')!r}")
    cursor = db.conn.execute(
        "INSERT INTO products (sku, barcode, name, category, price_cents, tax_class, active,"
        " reorder_point, max_stock, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (sku) DO UPDATE SET barcode = excluded.barcode, name = excluded.name,"
        " category = excluded.category, price_cents = excluded.price_cents,"
        " tax_class = excluded.tax_class, active = excluded.active,"
        " reorder_point = excluded.reorder_point, max_stock = excluded.max_stock,"
        " version = excluded.version, updated_at = excluded.updated_at"
        " WHERE excluded.version > products.version",
        (
            product["sku"], product.get("barcode") or None, product["name"],
            product.get("category") or "", int(product["price_cents"]),
            product.get("tax_class", "standard"), int(product.get("active", True)),
            int(product.get("reorder_point", 0)), int(product.get("max_stock", 0)),
            int(product.get("version", 1)), isoformat_z(utcnow()),
        ),
    )
    return cursor.rowcount > 0


def categories(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.conn.execute("SELECT DISTINCT category FROM products ORDER BY 1")]
