"""Initialising a store's data folder and seeding the demo catalog, stock and users.

Both are idempotent: running them again changes nothing that is already there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from common import demo_data
from common.clock import isoformat_z, utcnow
from common.security import hash_password

from . import settings as settings_module
from .auth.operations import upsert_user
from .catalog.queries import upsert_product
from .db import connect, db_path, immediate, migrate
from .stock.ledger import move_stock


class SetupError(Exception):
    """The data folder cannot be initialised as asked."""


def init_store(
    data_dir: str | Path, store_id: int, head_office_url: str | None, sync_token: str | None
) -> dict[str, Any]:
    """Create (or upgrade) the store database and record the store's settings.

    Refuses a data folder that already belongs to another store. Returns
    ``{"path", "created", "migrations", "settings"}``.
    """
    if store_id < 1:
        raise SetupError("a store id is a positive number")
    folder = Path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = db_path(folder)
    created = not path.exists()
    db = connect(path)
    try:
        applied = migrate(db)
        with immediate(db):
            current = settings_module.read_all(db)
            existing = current.get("store_id")
            if existing is not None and int(existing) != store_id:
                raise SetupError(
                    f"{folder} already holds store {existing}; refusing to make it store"
                    f" {store_id} (use another --data-dir)"
                )
            values = settings_module.initial(store_id, head_office_url, sync_token)
            if existing is not None:
                # Keep what exists (name, timezone, secret key); update the links given.
                values = {**values, **current}
                if head_office_url:
                    values["head_office_url"] = head_office_url
                if sync_token:
                    values["sync_token"] = sync_token
            settings_module.write(db, values)
        return {
            "path": str(path),
            "created": created,
            "migrations": applied,
            "settings": settings_module.load(db),
        }
    finally:
        db.close()


def seed_demo(db: sqlite_utils.Database) -> dict[str, int]:
    """The demo catalog, this store's opening stock and the demo users. Idempotent."""
    store = settings_module.load(db)
    now = isoformat_z(utcnow())
    counts = {"products": 0, "stock": 0, "users": 0}
    existing_users = {
        row[0] for row in db.conn.execute("SELECT username FROM users").fetchall()
    }
    new_users = [
        {**user, "password_hash": hash_password(user["password"])}
        for user in demo_data.users()
        if user["username"] not in existing_users
    ]
    with immediate(db) as conn:
        for product in demo_data.products():
            if upsert_product(db, {**product, "version": 1}):
                counts["products"] += 1
            has_history = conn.execute(
                "SELECT 1 FROM stock_movements WHERE sku = ? LIMIT 1", (product["sku"],)
            ).fetchone()
            if not has_history:
                qty = demo_data.initial_store_stock(product, store.store_id)
                move_stock(conn, product["sku"], qty, "receipt", None, "seed", now,
                           reason="opening stock")
                counts["stock"] += 1
        for user in new_users:
            if upsert_user(db, user["username"], user["password_hash"], user["role"],
                           user["store_id"], version=1):
                counts["users"] += 1
    return counts
