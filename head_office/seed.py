"""Demo data for head office: stores, catalog, central and store stock, users. Idempotent."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from common import demo_data
from common.clock import utcnow
from common.security import hash_password

from .changes import log_changes
from .models import CentralStock, Product, StockMovement, Store, StoreStock, User
from .stock.operations import Levels
from .stores.operations import add_store
from .users.operations import add_user


def seed_demo(
    session: Session,
    products: int | None = None,
    store_count: int = 5,
    progress: Callable[[str], None] = lambda _msg: None,
) -> dict[str, int]:
    """Create what is missing of the demo chain; returns counts of what was created."""
    created = {"stores": 0, "products": 0, "users": 0}
    now = utcnow()
    for spec in demo_data.STORES[:store_count]:
        if session.get(Store, spec["id"]) is None:
            add_store(session, spec["code"], spec["name"], spec["timezone"],
                      store_id=spec["id"], actor="seed")
            created["stores"] += 1
    progress("stores")

    existing = set(session.scalars(select(Product.sku)))
    new_products = [Product(**spec, version=1) for spec in demo_data.products(products)
                    if spec["sku"] not in existing]
    session.add_all(new_products)
    session.flush()
    created["products"] = len(new_products)
    changes: list[dict] = []
    for product in new_products:
        spec = product.to_wire()
        changes.append({"entity": "product", "entity_key": product.sku, "version": 1, "payload": spec})
        opening = demo_data.initial_central_stock(spec)
        stock = CentralStock(product_id=product.id, on_hand=opening, reserved=0, in_transit=0, version=1)
        session.add(stock)
        session.add(StockMovement(occurred_at=now, location="central", product_id=product.id,
                                  kind="opening", qty=opening, actor="seed"))
        changes.append({"entity": "central_stock", "entity_key": product.sku, "version": 1,
                        "payload": Levels.of(product.sku, stock).wire()})
        for store_id in range(1, store_count + 1):
            qty = demo_data.initial_store_stock(spec, store_id)
            session.add(StoreStock(store_id=store_id, product_id=product.id, on_hand=qty))
            session.add(StockMovement(occurred_at=now, location="store", store_id=store_id,
                                      product_id=product.id, kind="opening", qty=qty, actor="seed"))
            # The store's opening stock reaches it by sync, as a one-off per-store change.
            changes.append({"entity": "opening_stock", "entity_key": product.sku, "version": 1,
                            "payload": {"sku": product.sku, "qty": qty}, "store_id": store_id})
    log_changes(session, changes)
    progress("products")

    names = set(session.scalars(select(User.username)))
    hashes: dict[str, str] = {}  # demo users share passwords: hash each one once (scrypt is slow)
    for spec in demo_data.users(store_count):
        if spec["username"] in names:
            continue
        password = spec["password"]
        if password not in hashes:
            hashes[password] = hash_password(password)
        add_user(session, spec["username"], password, spec["role"], spec["store_id"],
                 actor="seed", min_password_length=1, password_hash=hashes[password])
        created["users"] += 1
    progress("users")
    session.flush()
    return created
