"""Shifts: one cashier's time on one register, from a counted float to a counted drawer.

Every sale and return is recorded in the open shift of its register; a register
with no open shift does not sell (unless ``COMPTOIR_REQUIRE_SHIFT=false``). The
X report (any time) and the Z report (at close) give sales, returns, taxes per
tax, takings per tender, expected cash, counted cash and the difference. Each
change of a shift is an outbox event, written in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlite_utils

from common.clock import business_date, isoformat_z, utcnow
from common.errors import Conflict, NotFound, ValidationFailed
from common.i18n import _
from common.ids import new_id
from common.limits import PAYMENT_MAX_CENTS, TEXT_MAX

from ..auth.operations import Staff
from ..db import immediate
from ..settings import StoreSettings
from ..sync import outbox

DEFAULT_REGISTERS = ("1", "2")

# Canadian bills and coins in use (no penny since 2013), in cents.
DENOMINATIONS: tuple[int, ...] = (10000, 5000, 2000, 1000, 500, 200, 100, 25, 10, 5)

SHIFT_COLUMNS = (
    "id", "register", "cashier", "status", "business_date", "opened_at", "closed_at", "closed_by",
    "opening_float_cents", "cash_expected_cents", "cash_counted_cents", "over_short_cents",
)


def registers(config: Mapping[str, Any]) -> tuple[str, ...]:
    """The store's registers: ``COMPTOIR_REGISTERS`` ("1,2,3") or 1 and 2."""
    raw = config.get("REGISTERS")
    if isinstance(raw, int | float):
        raw = str(int(raw))
    if isinstance(raw, list | tuple):
        names = [str(r).strip() for r in raw]
    else:
        names = [part.strip() for part in str(raw or "").split(",")]
    names = [n for n in names if n]
    return tuple(names) or DEFAULT_REGISTERS


def counted_total(counts: Mapping[str, Any]) -> tuple[int, dict[str, int]]:
    """Units per denomination ({"2000": 3, "25": 8}) -> (total cents, the clean counts)."""
    clean: dict[str, int] = {}
    for key, value in counts.items():
        try:
            denomination = int(key)
            units = int(value or 0)
        except (TypeError, ValueError):
            raise ValidationFailed(
                _("Count the drawer in whole units per bill or coin."),
                errors={str(key): [_("A whole number of units.")]},
            ) from None
        if denomination not in DENOMINATIONS:
            raise ValidationFailed(
                _("%(value)s is not a Canadian bill or coin.", value=key),
                errors={str(key): [_("Not a Canadian bill or coin.")]},
            )
        if not 0 <= units <= 100_000:
            raise ValidationFailed(
                _("Between 0 and 100,000 units of each bill or coin."),
                errors={str(key): [_("Between %(min)s and %(max)s.", min=0, max=100000)]},
            )
        if units:
            clean[str(denomination)] = units
    return sum(int(k) * v for k, v in clean.items()), clean


def check_amount(value: Any, name: str, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= PAYMENT_MAX_CENTS:
        raise ValidationFailed(
            _("An amount between %(low)s and %(high)s cents.", low=minimum, high=PAYMENT_MAX_CENTS),
            errors={name: [_("Between %(min)s and %(max)s.", min=minimum, max=PAYMENT_MAX_CENTS)]},
        )
    return value


def _row(conn: Any, shift_id: str) -> dict[str, Any]:
    row = conn.execute(
        f"SELECT {', '.join(SHIFT_COLUMNS)} FROM shifts WHERE id = ?", (shift_id,)
    ).fetchone()
    if row is None:
        raise NotFound(_("No shift %(id)s at this store.", id=shift_id), code="shift_not_found")
    return dict(zip(SHIFT_COLUMNS, row, strict=True))


def open_shift_of(conn: Any, register: str) -> dict[str, Any] | None:
    row = conn.execute(
        f"SELECT {', '.join(SHIFT_COLUMNS)} FROM shifts WHERE register = ? AND status = 'open'",
        (register,),
    ).fetchone()
    return dict(zip(SHIFT_COLUMNS, row, strict=True)) if row else None


def shift_for_sale(conn: Any, register: str, required: bool) -> str | None:
    """The open shift a sale or return on ``register`` belongs to; 409 when none and required."""
    shift = open_shift_of(conn, register)
    if shift is None and required:
        raise Conflict(
            _("Register %(register)s has no open shift: open one with a counted float first.",
              register=register),
            code="no_open_shift",
            errors={"register": [register]},
        )
    return shift["id"] if shift else None


def check_register(register: Any, known: tuple[str, ...]) -> str:
    register = str(register if register is not None else "1").strip()
    if register not in known:
        raise ValidationFailed(
            _("Unknown register %(register)s: this store has %(known)s.",
              register=register, known=", ".join(known)),
            code="unknown_register",
            errors={"register": [_("One of %(choices)s.", choices=", ".join(known))]},
        )
    return register


def _event(shift: dict[str, Any], store_id: int, **extra: Any) -> dict[str, Any]:
    return {**{k: shift[k] for k in SHIFT_COLUMNS}, "store_id": store_id, **extra}


def open_shift(
    db: sqlite_utils.Database,
    settings: StoreSettings,
    staff: Staff,
    register: str,
    opening_float_cents: int,
    counts: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Open a shift on ``register`` with a counted float (409 ``shift_already_open``)."""
    clean: dict[str, int] | None = None
    if counts:
        opening_float_cents, clean = counted_total(counts)
    check_amount(opening_float_cents, "opening_float_cents")
    now = utcnow()
    opened_at = isoformat_z(now)
    with immediate(db) as conn:
        current = open_shift_of(conn, register)
        if current is not None:
            raise Conflict(
                _("Register %(register)s already has an open shift (%(cashier)s, since %(since)s).",
                  register=register, cashier=current["cashier"], since=current["opened_at"]),
                code="shift_already_open",
                errors={"register": [register], "shift_id": [current["id"]]},
            )
        shift_id = new_id()
        conn.execute(
            "INSERT INTO shifts (id, register, cashier, status, business_date, opened_at,"
            " opening_float_cents, opening_counts) VALUES (?, ?, ?, 'open', ?, ?, ?, ?)",
            (shift_id, register, staff.username, business_date(now, settings.timezone).isoformat(),
             opened_at, opening_float_cents, json.dumps(clean) if clean else None),
        )
        shift = _row(conn, shift_id)
        outbox.append(conn, "shift_opened", _event(shift, settings.store_id), opened_at)
    return view(shift)


def view(shift: dict[str, Any]) -> dict[str, Any]:
    return {k: shift[k] for k in SHIFT_COLUMNS}


def add_cash_movement(
    db: sqlite_utils.Database,
    settings: StoreSettings,
    staff: Staff,
    shift_id: str,
    kind: str,
    amount_cents: int,
    reason: str,
) -> dict[str, Any]:
    """Cash paid into or out of the drawer during an open shift, with its reason."""
    if kind not in ("in", "out"):
        raise ValidationFailed(_("Cash goes in or out."), errors={"kind": ["in or out"]})
    check_amount(amount_cents, "amount_cents", minimum=1)
    reason = (reason or "").strip()
    if not reason or len(reason) > TEXT_MAX or any(ord(c) < 32 for c in reason):
        raise ValidationFailed(
            _("Say why the cash goes in or out (1 to %(max)s characters).", max=TEXT_MAX),
            errors={"reason": [_("Required.")]},
        )
    occurred_at = isoformat_z(utcnow())
    with immediate(db) as conn:
        shift = _row(conn, shift_id)
        if shift["status"] != "open":
            raise Conflict(_("This shift is closed."), code="shift_closed")
        if kind == "out":
            expected = _figures(conn, shift)["cash_expected_cents"]
            if amount_cents > expected:
                raise Conflict(
                    _("The drawer should hold only %(amount)s cents.", amount=expected),
                    code="not_enough_cash",
                    errors={"amount_cents": [_("At most %(max)s.", max=expected)]},
                )
        movement = {
            "id": new_id(), "shift_id": shift_id, "kind": kind, "amount_cents": amount_cents,
            "reason": reason, "cashier": staff.username, "occurred_at": occurred_at,
        }
        conn.execute(
            "INSERT INTO cash_movements (id, shift_id, kind, amount_cents, reason, cashier, occurred_at)"
            " VALUES (:id, :shift_id, :kind, :amount_cents, :reason, :cashier, :occurred_at)",
            movement,
        )
        outbox.append(conn, "cash_movement",
                      {**movement, "store_id": settings.store_id, "register": shift["register"]},
                      occurred_at)
    return movement


def _figures(conn: Any, shift: dict[str, Any]) -> dict[str, Any]:
    """The X/Z report figures of a shift so far."""
    sid = shift["id"]
    sales = conn.execute(
        "SELECT count(*) AS n, coalesce(sum(total_cents), 0) AS total,"
        " coalesce(sum(subtotal_cents), 0) AS subtotal, coalesce(sum(rounding_cents), 0) AS rounding"
        " FROM sales WHERE shift_id = ?",
        (sid,),
    ).fetchone()
    returns = conn.execute(
        "SELECT count(*) AS n, coalesce(sum(refund_cents), 0) AS total,"
        " coalesce(sum(subtotal_cents), 0) AS subtotal, coalesce(sum(rounding_cents), 0) AS rounding"
        " FROM returns WHERE shift_id = ?",
        (sid,),
    ).fetchone()
    taxes: dict[str, int] = {}
    for (text,) in conn.execute("SELECT taxes FROM sales WHERE shift_id = ?", (sid,)):
        for name, amount in json.loads(text).items():
            taxes[name] = taxes.get(name, 0) + int(amount)
    for (text,) in conn.execute("SELECT taxes FROM returns WHERE shift_id = ?", (sid,)):
        for name, amount in json.loads(text).items():
            taxes[name] = taxes.get(name, 0) - int(amount)
    paid = dict(
        conn.execute(
            "SELECT p.tender, sum(p.amount_cents) FROM sale_payments p JOIN sales s ON s.id = p.sale_id"
            " WHERE s.shift_id = ? GROUP BY p.tender",
            (sid,),
        ).fetchall()
    )
    change = conn.execute(
        "SELECT coalesce(sum(change_cents), 0) FROM sales WHERE shift_id = ?", (sid,)
    ).fetchone()[0]
    refunded = dict(
        conn.execute(
            "SELECT r.tender, sum(r.amount_cents) FROM return_refunds r JOIN returns t ON t.id = r.return_id"
            " WHERE t.shift_id = ? GROUP BY r.tender",
            (sid,),
        ).fetchall()
    )
    moved = dict(
        conn.execute(
            "SELECT kind, sum(amount_cents) FROM cash_movements WHERE shift_id = ? GROUP BY kind", (sid,)
        ).fetchall()
    )
    cash = int(paid.get("cash", 0)) - int(change) - int(refunded.get("cash", 0))
    card = int(paid.get("card", 0)) - int(refunded.get("card", 0))
    cash_in, cash_out = int(moved.get("in", 0)), int(moved.get("out", 0))
    expected = int(shift["opening_float_cents"]) + cash + cash_in - cash_out
    return {
        "sales_count": int(sales["n"]),
        "returns_count": int(returns["n"]),
        "gross_cents": int(sales["total"]),
        "net_sales_cents": int(sales["subtotal"]) - int(returns["subtotal"]),
        "returns_cents": int(returns["total"]),
        "gst_cents": taxes.get("gst", 0),
        "qst_cents": taxes.get("qst", 0),
        # What cash rounding left in the drawer: added to cash paid, taken from cash refunded.
        "rounding_cents": int(sales["rounding"]) - int(returns["rounding"]),
        "by_tender": {"cash": cash, "card": card},
        "cash_in_cents": cash_in,
        "cash_out_cents": cash_out,
        "opening_float_cents": int(shift["opening_float_cents"]),
        "cash_expected_cents": expected,
    }


def movements(conn: Any, shift_id: str) -> list[dict[str, Any]]:
    keys = ("id", "kind", "amount_cents", "reason", "cashier", "occurred_at")
    return [
        dict(zip(keys, row, strict=True))
        for row in conn.execute(
            f"SELECT {', '.join(keys)} FROM cash_movements WHERE shift_id = ? ORDER BY occurred_at",
            (shift_id,),
        ).fetchall()
    ]


def x_report(db: sqlite_utils.Database, shift_id: str) -> dict[str, Any]:
    """The X report: the Z report's figures so far, without the counted cash."""
    conn = db.conn
    shift = _row(conn, shift_id)
    if shift["status"] == "closed":
        return z_report(db, shift_id)
    return {**view(shift), **_figures(conn, shift), "kind": "X",
            "cash_movements": movements(conn, shift_id)}


def z_report(db: sqlite_utils.Database, shift_id: str) -> dict[str, Any]:
    """The Z report of a closed shift, as it was written at close."""
    conn = db.conn
    shift = _row(conn, shift_id)
    if shift["status"] != "closed":
        raise Conflict(_("This shift is still open: print an X report."), code="shift_open")
    report = json.loads(conn.execute("SELECT report FROM shifts WHERE id = ?", (shift_id,)).fetchone()[0])
    return {**view(shift), **report, "kind": "Z", "cash_movements": movements(conn, shift_id)}


def close_shift(
    db: sqlite_utils.Database,
    settings: StoreSettings,
    staff: Staff,
    shift_id: str,
    counted_cash_cents: int | None,
    counts: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Close a shift with the counted drawer; returns the Z report (written once, sent by the outbox)."""
    clean: dict[str, int] | None = None
    if counts:
        counted_cash_cents, clean = counted_total(counts)
    counted = check_amount(counted_cash_cents, "counted_cash_cents")
    closed_at = isoformat_z(utcnow())
    with immediate(db) as conn:
        shift = _row(conn, shift_id)
        if shift["status"] != "open":
            raise Conflict(_("This shift is already closed."), code="shift_closed")
        figures = _figures(conn, shift)
        report = {
            **figures,
            "cash_counted_cents": counted,
            "over_short_cents": counted - figures["cash_expected_cents"],
            "counts": clean or {},
        }
        conn.execute(
            "UPDATE shifts SET status = 'closed', closed_at = ?, closed_by = ?, cash_expected_cents = ?,"
            " cash_counted_cents = ?, closing_counts = ?, over_short_cents = ?, report = ?"
            " WHERE id = ? AND status = 'open'",
            (closed_at, staff.username, figures["cash_expected_cents"], counted,
             json.dumps(clean) if clean else None, report["over_short_cents"], json.dumps(report),
             shift_id),
        )
        closed = _row(conn, shift_id)
        outbox.append(conn, "shift_closed", _event(closed, settings.store_id, report=report), closed_at)
    return z_report(db, shift_id)


def list_shifts(db: sqlite_utils.Database, status: str | None = None,
                day: str | None = None) -> list[dict[str, Any]]:
    sql = f"SELECT {', '.join(SHIFT_COLUMNS)} FROM shifts"
    where, params = [], []
    if status:
        where.append("status = ?")
        params.append(status)
    if day:
        where.append("business_date = ?")
        params.append(day)
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = db.conn.execute(sql + " ORDER BY opened_at DESC LIMIT 500", params).fetchall()
    return [dict(zip(SHIFT_COLUMNS, row, strict=True)) for row in rows]


def takings_by_cashier(db: sqlite_utils.Database, day: str) -> list[dict[str, Any]]:
    """Per cashier on a business date: sales, what they took per tender, net of refunds."""
    rows = db.conn.execute(
        "SELECT s.cashier, count(DISTINCT s.id), coalesce(sum(s.subtotal_cents), 0),"
        " coalesce(sum(s.total_cents), 0) FROM sales s WHERE s.business_date = ? GROUP BY s.cashier"
        " ORDER BY s.cashier",
        (day,),
    ).fetchall()
    out = []
    for cashier, count, net, total in rows:
        tenders = dict(db.conn.execute(
            "SELECT p.tender, sum(p.amount_cents) FROM sale_payments p JOIN sales s ON s.id = p.sale_id"
            " WHERE s.business_date = ? AND s.cashier = ? GROUP BY p.tender", (day, cashier)).fetchall())
        change = db.conn.execute(
            "SELECT coalesce(sum(change_cents), 0) FROM sales WHERE business_date = ? AND cashier = ?",
            (day, cashier)).fetchone()[0]
        out.append({"cashier": cashier, "sales_count": count, "revenue_cents": net, "total_cents": total,
                    "cash_cents": int(tenders.get("cash", 0)) - int(change),
                    "card_cents": int(tenders.get("card", 0))})
    return out
