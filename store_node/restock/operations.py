"""Restock requests: asked by the store, decided and shipped by head office, received here.

``requested`` -> ``approved`` (possibly less) or ``rejected`` -> ``shipped``
-> ``received``. The store creates requests (a ``restock_request`` event) and
confirms receipts (stock up by what arrived, a ``receipt_confirmation``
event); decisions and shipments arrive by sync through
:func:`apply_decision`, a compare-and-set on the head-office version.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from common.clock import isoformat_z, utcnow
from common.errors import Conflict, NotFound, ValidationFailed
from common.i18n import _
from common.ids import new_id
from common.limits import RESTOCK_QTY_MAX

from ..auth.operations import Staff
from ..db import immediate
from ..settings import StoreSettings
from ..stock.ledger import move_stock
from ..stock.operations import stock_of
from ..sync import outbox

MAX_REQUEST_QTY = RESTOCK_QTY_MAX
STATUSES = ("requested", "approved", "rejected", "shipped", "received")

_COLUMNS = (
    "id", "sku", "qty", "status", "qty_approved", "qty_shipped", "qty_received", "reason",
    "requested_by", "received_by", "created_at", "updated_at", "decided_at", "shipped_at",
    "received_at", "version",
)


def _row(row: tuple, name: str | None = None) -> dict[str, Any]:
    item = dict(zip(_COLUMNS, row, strict=True))
    item["name"] = name
    item["qty_requested"] = item["qty"]
    return item


def suggestion(db: sqlite_utils.Database, sku: str) -> int:
    """Suggested quantity: max stock minus on hand (never below zero)."""
    return int(stock_of(db, sku)["suggested_qty"])


def create_request(
    db: sqlite_utils.Database, settings: StoreSettings, by: Staff, sku: str, qty: int
) -> dict[str, Any]:
    sku = (sku or "").strip()
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_REQUEST_QTY:
        raise ValidationFailed(
            _(
                'Ask for between 1 and %(max_request_qty)s units.',
                max_request_qty=format(MAX_REQUEST_QTY, ','),
            ),
            code="invalid_quantity",
            errors={"qty": [_("Between %(min)s and %(max)s.", min=1, max=MAX_REQUEST_QTY)]},
        )
    now = isoformat_z(utcnow())
    request_id = new_id()
    with immediate(db) as conn:
        product = stock_of(db, sku)
        if not product["active"]:
            raise ValidationFailed(
                _('%(name)s (%(sku)s) is no longer sold.', name=product['name'], sku=sku),
                code="product_inactive",
                errors={"sku": [_("No longer sold.")]},
            )
        conn.execute(
            "INSERT INTO restock_requests (id, sku, qty, status, requested_by, created_at,"
            " updated_at) VALUES (?, ?, ?, 'requested', ?, ?, ?)",
            (request_id, sku, qty, by.username, now, now),
        )
        outbox.append(
            conn,
            "restock_request",
            {
                "id": request_id, "store_id": settings.store_id, "sku": sku, "qty": qty,
                "requested_by": by.username, "occurred_at": now,
            },
            now,
        )
    return get_request(db, request_id)


def get_request(db: sqlite_utils.Database, request_id: str) -> dict[str, Any]:
    row = db.conn.execute(
        f"SELECT r.{', r.'.join(_COLUMNS)}, p.name FROM restock_requests r"
        " LEFT JOIN products p ON p.sku = r.sku WHERE r.id = ?",
        (request_id,),
    ).fetchone()
    if row is None:
        raise NotFound(_('No restock request %(request_id)s.', request_id=repr(request_id)),
                       code="request_not_found")
    return _row(row[:-1], row[-1])


def list_requests(
    db: sqlite_utils.Database, status: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    sql = (
        f"SELECT r.{', r.'.join(_COLUMNS)}, p.name FROM restock_requests r"
        " LEFT JOIN products p ON p.sku = r.sku"
    )
    params: list[Any] = []
    if status:
        sql += " WHERE r.status = ?"
        params.append(status)
    sql += " ORDER BY r.created_at DESC, r.id DESC LIMIT ?"
    params.append(limit)
    return [_row(row[:-1], row[-1]) for row in db.conn.execute(sql, params).fetchall()]


def receive(
    db: sqlite_utils.Database, settings: StoreSettings, by: Staff, request_id: str, qty: int
) -> dict[str, Any]:
    """Confirm what arrived of a shipped request: stock goes up by that quantity."""
    if not isinstance(qty, int) or isinstance(qty, bool) or not 0 <= qty <= MAX_REQUEST_QTY:
        raise ValidationFailed(
            _(
                'The quantity received is between 0 and %(max_request_qty)s.',
                max_request_qty=format(MAX_REQUEST_QTY, ','),
            ),
            code="invalid_quantity",
            errors={"qty": [_("Between %(min)s and %(max)s.", min=0, max=MAX_REQUEST_QTY)]},
        )
    now = isoformat_z(utcnow())
    with immediate(db) as conn:
        request = get_request(db, request_id)
        if request["status"] != "shipped":
            raise Conflict(
                _(
                    'This request is %(status)s: it can be received once head office has shipped it.',
                    status=request['status'],
                ),
                code="not_shipped",
                errors={"status": [request["status"]]},
            )
        changed = conn.execute(
            "UPDATE restock_requests SET status = 'received', qty_received = ?, received_by = ?,"
            " received_at = ?, updated_at = ? WHERE id = ? AND status = 'shipped'",
            (qty, by.username, now, now, request_id),
        ).rowcount
        if changed != 1:  # pragma: no cover - guarded by the write lock
            raise Conflict(_('This request was received meanwhile.'), code="not_shipped")
        if qty:
            move_stock(conn, request["sku"], qty, "receipt", request_id, by.username, now)
        outbox.append(
            conn,
            "receipt_confirmation",
            {
                "request_id": request_id, "store_id": settings.store_id, "sku": request["sku"],
                "qty_received": qty, "occurred_at": now, "by": by.username,
            },
            now,
        )
    return get_request(db, request_id)


def apply_decision(db: sqlite_utils.Database, change: dict[str, Any]) -> bool:
    """Apply head office's view of a request (approved, rejected, shipped) if newer.

    ``change``: ``{"request_id", "status", "qty_approved"?, "qty_shipped"?, "reason"?,
    "version", "at"?}``. A request already received here is never moved back.
    Call inside the sync sink's transaction; returns True when the row changed.
    """
    status = change["status"]
    if status not in ("requested", "approved", "rejected", "shipped"):
        return False
    at = change.get("at") or isoformat_z(utcnow())
    cursor = db.conn.execute(
        "UPDATE restock_requests SET status = ?, qty_approved = coalesce(?, qty_approved),"
        " qty_shipped = coalesce(?, qty_shipped), reason = coalesce(?, reason),"
        " decided_at = CASE WHEN ? IN ('approved', 'rejected') THEN ? ELSE decided_at END,"
        " shipped_at = CASE WHEN ? = 'shipped' THEN ? ELSE shipped_at END,"
        " version = ?, updated_at = ?"
        " WHERE id = ? AND version < ? AND status != 'received'",
        (
            status, change.get("qty_approved"), change.get("qty_shipped"), change.get("reason"),
            status, at, status, at, change["version"], at, change["request_id"], change["version"],
        ),
    )
    return cursor.rowcount > 0
