"""What the sync library works on: this store's outbox, its sink for pulled changes, sync state.

:class:`StoreSyncData` implements ``sync.interfaces.StoreData`` over the
store's SQLite file. Pulled changes are applied each only if its version is
newer than the local one, and the cursor is saved in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlite_utils

from common.clock import business_date, isoformat_z, utcnow

from .. import settings as settings_module
from ..auth.operations import upsert_user
from ..catalog.queries import upsert_product
from ..db import immediate
from ..reports.queries import daily
from ..stock.ledger import move_stock
from ..stock.operations import apply_central_stock
from . import outbox

REPLENISHMENT_STATUSES = ("requested", "approved", "rejected", "shipped", "received")


class StoreSyncData:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    # -- outbox --------------------------------------------------------------------------------

    def event_batch(self, from_seq: int | None, limit: int) -> tuple[int, int | None, str]:
        return outbox.batch_json(self.db, from_seq, limit)

    def written_through(self) -> int:
        return outbox.written_through(self.db)

    def renumber_after(self, head_office_seq: int) -> int:
        return outbox.renumber_after(self.db, head_office_seq)

    def request_ids(self, first_seq: int, last_seq: int) -> list[str]:
        return outbox.request_ids(self.db, first_seq, last_seq)

    def acknowledge(self, through_seq: int) -> int:
        return outbox.mark_sent(self.db, through_seq)

    def pending_count(self) -> int:
        return int(self.db.conn.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0])

    def status_report(self) -> dict[str, Any]:
        state = outbox.status(self.db)
        report: dict[str, Any] = {
            "pending_events": state["pending_events"],
            "oldest_pending_age_s": state["oldest_pending_age_s"],
        }
        try:
            store = settings_module.load(self.db)
        except LookupError:
            return report
        # The store's own totals for its last closed business day: head office reconciles them.
        yesterday = business_date(utcnow() - timedelta(days=1), store.timezone)
        report["totals"] = daily(self.db, store.store_id, yesterday.isoformat())
        return report

    # -- sync state ----------------------------------------------------------------------------

    def pull_cursor(self) -> str | None:
        row = self.db.conn.execute("SELECT cursor FROM sync_state WHERE id = 1").fetchone()
        return row[0] if row and row[0] else None

    def reset_cursor(self) -> None:
        self.db.conn.execute("UPDATE sync_state SET cursor = NULL WHERE id = 1")

    def record_sync(self, **fields: Any) -> None:
        allowed = {"online", "last_push_at", "last_pull_at", "last_error", "last_contact_at"}
        values = {k: v for k, v in fields.items() if k in allowed}
        if values.get("online"):
            values["last_contact_at"] = isoformat_z(utcnow())
        if "online" in values:
            values["online"] = int(bool(values["online"]))
        if not values:
            return
        assignments = ", ".join(f"{key} = ?" for key in values)
        self.db.conn.execute(f"UPDATE sync_state SET {assignments} WHERE id = 1", tuple(values.values()))

    # -- sink ----------------------------------------------------------------------------------

    def apply_changes(self, changes: list[dict[str, Any]], cursor: str, snapshot: bool) -> int:
        """Apply pulled changes and save the cursor, all in one transaction."""
        applied = 0
        now = isoformat_z(utcnow())
        store = settings_module.load(self.db)
        with immediate(self.db) as conn:
            central: list[dict[str, Any]] = []
            for change in changes:
                entity, payload = change["entity"], change["payload"]
                if entity == "product":
                    applied += upsert_product(self.db, {**payload, "version": change["version"]})
                elif entity == "user":
                    if payload.get("store_id") not in (None, store.store_id) and not conn.execute(
                        "SELECT 1 FROM users WHERE username = ?", (payload["username"],)
                    ).fetchone():
                        continue  # other stores' staff never sign in here (unless moved away)
                    applied += upsert_user(
                        self.db,
                        payload["username"],
                        payload["password_hash"],
                        payload["role"],
                        payload.get("store_id"),
                        bool(payload.get("active", True)),
                        int(change["version"]),
                        int(payload.get("session_epoch") or 0),
                        payload.get("language"),
                    )
                elif entity == "central_stock":
                    central.append({**payload, "version": change["version"]})
                elif entity == "opening_stock":
                    applied += self._opening_stock(conn, payload, now)
                elif entity == "replenishment":
                    applied += self._replenishment(conn, payload, int(change["version"]), now)
            if central:
                applied += apply_central_stock(self.db, central, now)
            conn.execute("UPDATE sync_state SET cursor = ? WHERE id = 1", (cursor,))
        return applied

    @staticmethod
    def _opening_stock(conn: Any, payload: dict[str, Any], now: str) -> int:
        """A new store's opening stock: only for a product this store has never stocked."""
        seen = conn.execute(
            "SELECT 1 FROM stock_movements WHERE sku = ? LIMIT 1", (payload["sku"],)
        ).fetchone()
        if seen or payload.get("qty", 0) <= 0:
            return 0
        move_stock(
            conn,
            payload["sku"],
            int(payload["qty"]),
            "receipt",
            None,
            "head office",
            now,
            reason="opening stock",
        )
        return 1

    @staticmethod
    def _replenishment(conn: Any, payload: dict[str, Any], version: int, now: str) -> int:
        """A head-office decision or shipment for one of this store's requests (or a new one)."""
        request_id = payload.get("request_id")
        status = payload.get("status")
        if not request_id or status not in REPLENISHMENT_STATUSES:
            return 0
        row = conn.execute(
            "SELECT version, status FROM restock_requests WHERE id = ?", (request_id,)
        ).fetchone()
        if row is None:
            # Created at head office for this store: the store learns of it here.
            conn.execute(
                "INSERT INTO restock_requests (id, sku, qty, status, qty_approved, qty_shipped, reason,"
                " requested_by, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    request_id,
                    payload["sku"],
                    payload["qty_requested"],
                    status,
                    payload.get("qty_approved"),
                    payload.get("qty_shipped"),
                    payload.get("reason"),
                    "head office",
                    now,
                    now,
                    version,
                ),
            )
            return 1
        if version <= row["version"]:
            return 0
        if row["status"] == "received" and status != "received":
            # The store already counted the goods in; a late decision must not reopen it.
            conn.execute("UPDATE restock_requests SET version = ? WHERE id = ?", (version, request_id))
            return 0
        conn.execute(
            "UPDATE restock_requests SET status = ?, qty_approved = ?, qty_shipped = ?, reason = ?,"
            " version = ?, updated_at = ?,"
            " decided_at = CASE WHEN ? IN ('approved', 'rejected') THEN ? ELSE decided_at END,"
            " shipped_at = CASE WHEN ? = 'shipped' THEN ? ELSE shipped_at END"
            " WHERE id = ?",
            (
                status,
                payload.get("qty_approved"),
                payload.get("qty_shipped"),
                payload.get("reason"),
                version,
                now,
                status,
                now,
                status,
                now,
                request_id,
            ),
        )
        return 1
