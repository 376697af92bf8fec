"""Central stock and store stock reads, with low and overstock marks.

Marks, per store: ``low`` when on hand is at or below the product's reorder
point, ``over`` when above its max stock (a max stock of 0 means "no maximum").
For the warehouse, with N active stores: ``low`` when what is available could
not bring every store up to its reorder point (available < N x reorder point),
``over`` when on hand exceeds twice what it takes to fill every store to its
max stock (on hand > 2 x N x max stock).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from common.errors import NotFound
from common.i18n import _

from ..catalog.queries import matches
from ..models import CentralStock, Product, Store, StoreStock


def store_marks(on_hand: int, reorder_point: int, max_stock: int) -> tuple[bool, bool]:
    return on_hand <= reorder_point, max_stock > 0 and on_hand > max_stock


def central_stock_rows(
    session: Session | Connection, q: str | None = None, category: str | None = None,
    include_inactive: bool = False,
) -> dict[str, Any]:
    stores = session.execute(
        select(Store.id, Store.code, Store.name).where(Store.active.is_(True)).order_by(Store.id)
    ).all()
    query = (
        select(Product.id, Product.sku, Product.name, Product.category, Product.reorder_point,
               Product.max_stock, CentralStock.on_hand, CentralStock.reserved, CentralStock.in_transit,
               CentralStock.version)
        .outerjoin(CentralStock, CentralStock.product_id == Product.id)
        .order_by(Product.sku)
    )
    conditions = []
    if q and q.strip():
        conditions.append(matches(q))
    if category and category.strip():
        conditions.append(func.lower(Product.category) == category.strip().lower())
    if not include_inactive:
        conditions.append(Product.active.is_(True))
    products = session.execute(query.where(*conditions)).all()
    on_hand: dict[tuple[int, int], int] = {}
    if products:
        # Every store's on hand of the products listed (the same filter, joined: one round trip).
        for store_id, product_id, qty in session.execute(
            select(StoreStock.store_id, StoreStock.product_id, StoreStock.on_hand)
            .join(Product, Product.id == StoreStock.product_id)
            .where(*conditions)
        ):
            on_hand[(store_id, product_id)] = qty
    n = len(stores)
    items = []
    for p in products:
        central_on_hand, reserved = p.on_hand or 0, p.reserved or 0
        per_store = []
        for store in stores:
            qty = on_hand.get((store.id, p.id), 0)
            low, over = store_marks(qty, p.reorder_point, p.max_stock)
            per_store.append(
                {"store_id": store.id, "code": store.code, "on_hand": qty, "low": low, "over": over}
            )
        available = central_on_hand - reserved
        items.append(
            {
                "sku": p.sku,
                "name": p.name,
                "category": p.category,
                "on_hand": central_on_hand,
                "reserved": reserved,
                "in_transit": p.in_transit or 0,
                "available": available,
                "version": p.version or 0,
                "reorder_point": p.reorder_point,
                "max_stock": p.max_stock,
                "low": available < n * p.reorder_point,
                "over": p.max_stock > 0 and central_on_hand > 2 * n * p.max_stock,
                "stores": per_store,
                "store_on_hand": {str(s["store_id"]): s["on_hand"] for s in per_store},
            }
        )
    return {"items": items, "stores": [{"store_id": s.id, "code": s.code, "name": s.name} for s in stores]}


# Built once: a statement made per request costs more Python than its round trip.
_STORE = select(Store.id, Store.code, Store.name).where(Store.id == bindparam("store_id"))
_STORE_STOCK = (
    select(Product.sku, Product.name, Product.category, StoreStock.on_hand, Product.reorder_point,
           Product.max_stock)
    .join(StoreStock, (StoreStock.product_id == Product.id) & (StoreStock.store_id == bindparam("store_id")))
    .order_by(Product.sku)
)


def store_stock_rows(session: Session | Connection, store_id: int, q: str | None = None) -> dict[str, Any]:
    store = session.execute(_STORE, {"store_id": store_id}).first()
    if store is None:
        raise NotFound(_("No store %(store_id)s.", store_id=store_id), code="unknown_store")
    query = _STORE_STOCK.where(matches(q)) if q and q.strip() else _STORE_STOCK
    items = []
    for row in session.execute(query, {"store_id": store_id}):
        low, over = store_marks(row.on_hand, row.reorder_point, row.max_stock)
        items.append(
            {
                "sku": row.sku,
                "name": row.name,
                "category": row.category,
                "on_hand": row.on_hand,
                "reorder_point": row.reorder_point,
                "max_stock": row.max_stock,
                "low": low,
                "over": over,
            }
        )
    return {"store_id": store.id, "code": store.code, "name": store.name, "items": items}
