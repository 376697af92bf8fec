"""The store's own settings, kept in its SQLite file (``settings`` table, JSON values).

``comptoir store init`` writes them; the app reads them on each request (one
small query), so a setting changed by a command or by sync is seen at once.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from common import demo_data
from common.clock import DEFAULT_TIMEZONE


@dataclass(frozen=True)
class StoreSettings:
    store_id: int
    store_code: str
    store_name: str
    timezone: str
    head_office_url: str | None
    allow_oversell: bool
    secret_key: str
    store_address: str = ""
    gst_number: str = ""
    qst_number: str = ""


def store_code(store_id: int) -> str:
    return f"S{store_id:02d}"


def read_all(db: sqlite_utils.Database) -> dict[str, Any]:
    rows = db.conn.execute("SELECT key, value FROM settings").fetchall()
    return {key: json.loads(value) for key, value in rows}


def write(db: sqlite_utils.Database, values: dict[str, Any]) -> None:
    """Upsert settings (call inside a transaction, or alone: each statement commits)."""
    db.conn.executemany(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [(key, json.dumps(value)) for key, value in values.items()],
    )


def initial(store_id: int, head_office_url: str | None, sync_token: str | None) -> dict[str, Any]:
    """Settings of a newly initialised store (demo names for the demo store ids)."""
    known = {s["id"]: s for s in demo_data.STORES}.get(store_id)
    return {
        "store_id": store_id,
        "store_code": store_code(store_id),
        "store_name": known["name"] if known else f"Store {store_id}",
        "timezone": known["timezone"] if known else DEFAULT_TIMEZONE,
        "head_office_url": head_office_url,
        "sync_token": sync_token,
        "allow_oversell": False,
        "secret_key": secrets.token_hex(32),
        "store_address": known.get("address", "") if known else "",
        "gst_number": demo_data.GST_NUMBER if known else "",
        "qst_number": demo_data.QST_NUMBER if known else "",
    }


def load(db: sqlite_utils.Database, config: dict[str, Any] | None = None) -> StoreSettings:
    """The store's settings; ``config`` (the app's) may force ALLOW_OVERSELL on."""
    values = read_all(db)
    if "store_id" not in values:
        raise LookupError("the store is not initialised (no store_id setting)")
    config = config or {}
    store_id = int(values["store_id"])
    return StoreSettings(
        store_id=store_id,
        store_code=values.get("store_code") or store_code(store_id),
        store_name=values.get("store_name") or f"Store {store_id}",
        timezone=values.get("timezone") or DEFAULT_TIMEZONE,
        head_office_url=values.get("head_office_url"),
        allow_oversell=bool(values.get("allow_oversell")) or _truthy(config.get("ALLOW_OVERSELL")),
        secret_key=values.get("secret_key") or "",
        store_address=str(config.get("STORE_ADDRESS") or values.get("store_address") or ""),
        gst_number=str(config.get("GST_NUMBER") or values.get("gst_number") or ""),
        qst_number=str(config.get("QST_NUMBER") or values.get("qst_number") or ""),
    )


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)
