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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import NotFound

from ..catalog.queries import matches
from ..models import CentralStock, Product, Store, StoreStock


def store_marks(on_hand: int, reorder_point: int, max_stock: int) -> tuple[bool, bool]:
    return on_hand <= reorder_point, max_stock > 0 and on_hand > max_stock


def central_stock_rows(
    session: Session, q: str | None = None, category: str | None = None, include_inactive: bool = False
) -> dict[str, Any]:
    stores = list(session.scalars(select(Store).where(Store.active.is_(True)).order_by(Store.id)))
    query = (
        select(Product, CentralStock)
        .outerjoin(CentralStock, CentralStock.product_id == Product.id)
        .order_by(Product.sku)
    )
    if q and q.strip():
        query = query.where(matches(q))
    if category and category.strip():
        query = query.where(func.lower(Product.category) == category.strip().lower())
    if not include_inactive:
        query = query.where(Product.active.is_(True))
    pairs = session.execute(query).all()
    product_ids = [p.id for p, _ in pairs]
    on_hand: dict[tuple[int, int], int] = {}
    if product_ids:
        for store_id, product_id, qty in session.execute(
            select(StoreStock.store_id, StoreStock.product_id, StoreStock.on_hand).where(
                StoreStock.product_id.in_(product_ids)
            )
        ):
            on_hand[(store_id, product_id)] = qty
    n = len(stores)
    items = []
    for product, stock in pairs:
        central = stock or CentralStock(on_hand=0, reserved=0, in_transit=0, version=0)
        per_store = []
        for store in stores:
            qty = on_hand.get((store.id, product.id), 0)
            low, over = store_marks(qty, product.reorder_point, product.max_stock)
            per_store.append(
                {"store_id": store.id, "code": store.code, "on_hand": qty, "low": low, "over": over}
            )
        available = central.on_hand - central.reserved
        items.append(
            {
                "sku": product.sku,
                "name": product.name,
                "category": product.category,
                "on_hand": central.on_hand,
                "reserved": central.reserved,
                "in_transit": central.in_transit,
                "available": available,
                "version": central.version,
                "reorder_point": product.reorder_point,
                "max_stock": product.max_stock,
                "low": available < n * product.reorder_point,
                "over": product.max_stock > 0 and central.on_hand > 2 * n * product.max_stock,
                "stores": per_store,
                "store_on_hand": {str(s["store_id"]): s["on_hand"] for s in per_store},
            }
        )
    return {"items": items, "stores": [{"store_id": s.id, "code": s.code, "name": s.name} for s in stores]}


def store_stock_rows(session: Session, store_id: int, q: str | None = None) -> dict[str, Any]:
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound(f"No store {store_id}.", code="unknown_store")
    query = (
        select(Product, StoreStock.on_hand)
        .join(StoreStock, (StoreStock.product_id == Product.id) & (StoreStock.store_id == store_id))
        .order_by(Product.sku)
    )
    if q and q.strip():
        query = query.where(matches(q))
    items = []
    for product, qty in session.execute(query):
        low, over = store_marks(qty, product.reorder_point, product.max_stock)
        items.append(
            {
                "sku": product.sku,
                "name": product.name,
                "category": product.category,
                "on_hand": qty,
                "reorder_point": product.reorder_point,
                "max_stock": product.max_stock,
                "low": low,
                "over": over,
            }
        )
    return {"store_id": store.id, "code": store.code, "name": store.name, "items": items}
