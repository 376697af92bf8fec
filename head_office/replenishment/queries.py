"""Replenishment lists with what a manager needs to decide: the store's on hand, its
units sold over its last 7 business days, central availability, and the status history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.orm import Session, selectinload

from common.clock import business_date, utcnow

from ..models import (
    CentralStock,
    DailyProductSales,
    Product,
    Replenishment,
    Store,
    StoreStock,
)
from .operations import wire

RECENT_DAYS = 7


def list_replenishments(
    session: Session,
    status: str | None = None,
    store_id: int | None = None,
    limit: int = 200,
    replenishment_id: int | None = None,
) -> list[dict[str, Any]]:
    query = (
        select(Replenishment, Product)
        .join(Product, Product.id == Replenishment.product_id)
        .options(selectinload(Replenishment.history))
        .order_by(Replenishment.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(Replenishment.status == status)
    if store_id is not None:
        query = query.where(Replenishment.store_id == store_id)
    if replenishment_id is not None:
        query = query.where(Replenishment.id == replenishment_id)
    pairs = session.execute(query).all()
    if not pairs:
        return []
    store_ids = {rep.store_id for rep, _ in pairs}
    product_ids = {product.id for _, product in pairs}
    stores = {s.id: s for s in session.scalars(select(Store).where(Store.id.in_(store_ids)))}
    on_hand = {
        (row.store_id, row.product_id): row.on_hand
        for row in session.execute(
            select(StoreStock.store_id, StoreStock.product_id, StoreStock.on_hand).where(
                StoreStock.store_id.in_(store_ids), StoreStock.product_id.in_(product_ids)
            )
        )
    }
    central = {
        row.product_id: row
        for row in session.execute(
            select(CentralStock.product_id, CentralStock.on_hand, CentralStock.reserved).where(
                CentralStock.product_id.in_(product_ids)
            )
        )
    }
    skus = {product.sku for _, product in pairs}
    sold: dict[tuple[int, str], int] = {}
    now = utcnow()
    for sid, shop in stores.items():
        today = business_date(now, shop.timezone)
        for sku, qty in session.execute(
            select(
                DailyProductSales.sku,
                cast(func.sum(DailyProductSales.qty_sold - DailyProductSales.qty_returned), BigInteger),
            )
            .where(
                DailyProductSales.store_id == sid,
                DailyProductSales.sku.in_(skus),
                DailyProductSales.business_date > today - timedelta(days=RECENT_DAYS),
                DailyProductSales.business_date <= today,
            )
            .group_by(DailyProductSales.sku)
        ):
            sold[(sid, sku)] = int(qty or 0)
    items = []
    for rep, product in pairs:
        store = stores.get(rep.store_id)
        stock = central.get(product.id)
        row = wire(rep, product.sku)
        row.update(
            {
                "name": product.name,
                "store_code": store.code if store else "",
                "store_name": store.name if store else "",
                "store_on_hand": on_hand.get((rep.store_id, product.id), 0),
                "sold_7d": sold.get((rep.store_id, product.sku), 0),
                "reorder_point": product.reorder_point,
                "max_stock": product.max_stock,
                "central_available": (stock.on_hand - stock.reserved) if stock else 0,
                "requested_by": rep.requested_by,
                "origin": rep.origin,
                "created_at": rep.created_at.isoformat() if rep.created_at else None,
                "history": [
                    {
                        "from_status": event.from_status,
                        "to_status": event.to_status,
                        "qty": event.qty,
                        "actor": event.actor,
                        "note": event.note,
                        "at": event.at.isoformat() if event.at else None,
                    }
                    for event in rep.history
                ],
            }
        )
        items.append(row)
    return items


def status_counts(session: Session) -> dict[str, int]:
    return {
        status: count
        for status, count in session.execute(
            select(Replenishment.status, func.count()).group_by(Replenishment.status)
        )
    }


def pending_replenishments(session: Session) -> dict[tuple[int, str], dict]:
    """Replenishments not yet received or rejected, by (store, SKU): the dashboard shows them
    instead of offering a second request."""
    rows = session.execute(
        select(Replenishment.id, Replenishment.store_id, Product.sku, Replenishment.status,
               Replenishment.qty_requested)
        .join(Product, Product.id == Replenishment.product_id)
        .where(Replenishment.status.in_(("requested", "approved", "shipped")))
        .order_by(Replenishment.id)
    )
    return {(store_id, sku): {"id": rep_id, "status": status, "qty": qty}
            for rep_id, store_id, sku, status, qty in rows}
