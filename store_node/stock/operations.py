"""Local stock: balances with reorder warnings, counts and adjustments, the central snapshot.

Counts and adjustments are store-manager actions; each is a ledger movement
and an outbox event (``stock_count`` / ``stock_adjustment``) in one
transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlite_utils

from common.clock import isoformat_z, parse_instant, utcnow
from common.errors import NotFound, ValidationFailed
from common.i18n import _
from common.limits import STOCK_LEVEL_MAX

from ..auth.operations import Staff
from ..db import immediate
from ..settings import StoreSettings
from ..sync import outbox
from .ledger import move_stock

MAX_STOCK_QTY = STOCK_LEVEL_MAX  # a count, an adjustment and what is on hand after either


def list_stock(
    db: sqlite_utils.Database, q: str | None = None, low_only: bool = False
) -> list[dict[str, Any]]:
    sql = (
        "SELECT p.sku, p.name, p.category, coalesce(s.on_hand, 0) AS on_hand, p.reorder_point,"
        " p.max_stock, coalesce(s.needs_count, 0) AS needs_count, p.active, p.barcode"
        " FROM products p LEFT JOIN stock s ON s.sku = p.sku"
    )
    where, params = [], []
    if q:
        where.append("(p.name LIKE ? ESCAPE '\\' OR p.sku LIKE ? ESCAPE '\\' OR p.barcode = ?)")
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params += [pattern, pattern, q]
    if low_only:
        where.append("coalesce(s.on_hand, 0) <= p.reorder_point")
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY p.sku"
    out = []
    for row in db.conn.execute(sql, params).fetchall():
        on_hand, reorder, max_stock = row["on_hand"], row["reorder_point"], row["max_stock"]
        out.append(
            {
                "sku": row["sku"], "name": row["name"], "category": row["category"], "on_hand": on_hand,
                "reorder_point": reorder, "max_stock": max_stock, "low": on_hand <= reorder,
                "needs_count": bool(row["needs_count"]), "active": bool(row["active"]),
                "barcode": row["barcode"], "suggested_qty": max(max_stock - on_hand, 0),
            }
        )
    return out


def stock_of(db: sqlite_utils.Database, sku: str) -> dict[str, Any]:
    row = db.conn.execute(
        "SELECT p.sku, p.name, coalesce(s.on_hand, 0) AS on_hand, p.reorder_point, p.max_stock, p.active"
        " FROM products p LEFT JOIN stock s ON s.sku = p.sku WHERE p.sku = ?",
        (sku,),
    ).fetchone()
    if row is None:
        raise NotFound(_('Unknown product %(sku)s.', sku=repr(sku)), code="unknown_product",
                       errors={"sku": [sku]})
    return {
        **dict(row), "active": bool(row["active"]),
        "suggested_qty": max(row["max_stock"] - row["on_hand"], 0),
    }


def count(
    db: sqlite_utils.Database, settings: StoreSettings, by: Staff, sku: str, counted: int
) -> dict[str, Any]:
    """Record a physical count: the balance becomes what was counted."""
    if counted < 0 or counted > MAX_STOCK_QTY:
        raise ValidationFailed(
            _('A count is between 0 and %(max)s.', max=format(MAX_STOCK_QTY, ",")),
            errors={"counted": [_("Out of range.")]},
        )
    occurred_at = isoformat_z(utcnow())
    with immediate(db) as conn:
        previous = stock_of(db, sku)["on_hand"]
        delta = counted - previous
        move_stock(conn, sku, delta, "count", None, by.username, occurred_at, set_to=counted)
        event = {
            "store_id": settings.store_id, "sku": sku, "counted": counted, "previous": previous,
            "delta": delta, "occurred_at": occurred_at, "by": by.username,
        }
        outbox.append(conn, "stock_count", event, occurred_at)
    return {"kind": "count", **event, "on_hand": counted}


def adjust(
    db: sqlite_utils.Database,
    settings: StoreSettings,
    by: Staff,
    sku: str,
    delta: int,
    reason: str,
) -> dict[str, Any]:
    """Record an adjustment (breakage, theft, found goods...): a signed delta with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _('Say why the stock is adjusted (damaged, stolen, found...).'),
            errors={"reason": [_("Required.")]},
        )
    if delta == 0 or abs(delta) > MAX_STOCK_QTY:
        raise ValidationFailed(
            _('An adjustment changes the stock by a non-zero amount.'),
            errors={"delta": [_("Not zero, and at most %(max)s either way.", max=f"{MAX_STOCK_QTY:,}")]},
        )
    occurred_at = isoformat_z(utcnow())
    with immediate(db) as conn:
        current = stock_of(db, sku)
        if current["on_hand"] + delta < 0:
            raise ValidationFailed(
                _(
                    '%(name)s (%(sku)s) has %(on_hand)s on hand: removing %(v6)s would leave %(v8)s. '
                    'Count it instead.',
                    name=current['name'],
                    sku=sku,
                    on_hand=current['on_hand'],
                    v6=-delta,
                    v8=current['on_hand'] + delta,
                ),
                code="negative_stock",
                errors={"delta": [_("Would make the stock negative.")]},
            )
        if current["on_hand"] + delta > MAX_STOCK_QTY:
            raise ValidationFailed(
                _('%(name)s (%(sku)s) has %(on_hand)s on hand: adding %(delta)s would pass %(max)s.',
                  name=current['name'], sku=sku, on_hand=current['on_hand'], delta=delta,
                  max=format(MAX_STOCK_QTY, ",")),
                errors={"delta": [_("Would leave more than %(max)s on hand.", max=f"{MAX_STOCK_QTY:,}")]},
            )
        balance = move_stock(conn, sku, delta, "adjustment", None, by.username, occurred_at,
                             reason=reason)
        event = {
            "store_id": settings.store_id, "sku": sku, "delta": delta, "reason": reason,
            "occurred_at": occurred_at, "by": by.username,
        }
        outbox.append(conn, "stock_adjustment", event, occurred_at)
    return {"kind": "adjustment", **event, "on_hand": balance}


def movements(db: sqlite_utils.Database, sku: str, limit: int = 50) -> list[dict[str, Any]]:
    rows = db.conn.execute(
        "SELECT id, kind, delta, balance_after, ref_id, reason, by_user, occurred_at"
        " FROM stock_movements WHERE sku = ? ORDER BY id DESC LIMIT ?",
        (sku, limit),
    ).fetchall()
    keys = ("id", "kind", "delta", "balance_after", "ref_id", "reason", "by", "occurred_at")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def central_stock(db: sqlite_utils.Database, now: datetime | None = None) -> dict[str, Any]:
    """The last central-stock snapshot received from head office, with its age."""
    rows = db.conn.execute(
        "SELECT c.sku, p.name, c.on_hand, c.reserved, c.in_transit, c.available, c.as_of"
        " FROM central_stock c LEFT JOIN products p ON p.sku = c.sku ORDER BY c.sku"
    ).fetchall()
    keys = ("sku", "name", "on_hand", "reserved", "in_transit", "available", "as_of")
    items = [dict(zip(keys, row, strict=True)) for row in rows]
    as_of = max((item["as_of"] for item in items), default=None)
    age = None
    if as_of:
        age = max(0, int(((now or utcnow()) - parse_instant(as_of)).total_seconds()))
    return {"as_of": as_of, "age_s": age, "items": items}


def apply_central_stock(db: sqlite_utils.Database, rows: list[dict[str, Any]], as_of: str) -> int:
    """Store a central-stock snapshot (the sync sink calls this; a row applies if newer)."""
    changed = 0
    for row in rows:
        cursor = db.conn.execute(
            "INSERT INTO central_stock (sku, on_hand, reserved, in_transit, available, version,"
            " as_of) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sku) DO UPDATE SET"
            " on_hand = excluded.on_hand, reserved = excluded.reserved,"
            " in_transit = excluded.in_transit, available = excluded.available,"
            " version = excluded.version, as_of = excluded.as_of"
            " WHERE excluded.version >= central_stock.version",
            (
                row["sku"], row["on_hand"], row["reserved"], row["in_transit"],
                row.get("available", row["on_hand"] - row["reserved"]), row.get("version", 0),
                as_of,
            ),
        )
        changed += cursor.rowcount
    return changed
