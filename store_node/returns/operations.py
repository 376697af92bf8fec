"""Returns: partial or whole, never more than sold less already returned, stock back.

Amounts: each sale line keeps its net amount and its share of each tax. A
return of ``r`` more units of a line, after ``p`` were already returned,
refunds ``round(amount x (p + r) / sold) - round(amount x p / sold)`` of each
(cumulative rounding, ``common.pricing.refund_line``), so returning a line in several parts refunds exactly
what was charged for it.

Refund tender: the one the return names (cash, or the card up to what it paid and
has not had back), else the sale's: back to the card first, up to what was paid by
card and not yet refunded to it, then cash. The cash part is rounded to 5 cents as
Canadian cash is (``common.pricing.plan_refund``); card refunds never are. Every
return is one ``BEGIN IMMEDIATE`` transaction with its stock movements (kind
``return``) and its ``return`` outbox event.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

import sqlite_utils

from common.clock import business_date, isoformat_z, utcnow
from common.errors import NotFound, ValidationFailed
from common.i18n import _
from common.ids import new_id
from common.limits import QTY_MIN, TEXT_MAX
from common.pricing import RefundPlan, plan_refund, refund_line

from .. import monitoring
from ..auth.operations import Staff
from ..db import immediate
from ..settings import StoreSettings
from ..shifts.operations import check_register, shift_for_sale
from ..stock.ledger import move_stock
from ..sync import outbox

log = logging.getLogger(__name__)


def _find_sale_row(conn: Any, sale_id: str | None, receipt_number: str | None) -> sqlite3.Row:
    if sale_id:
        row = conn.execute(
            "SELECT id, receipt_number FROM sales WHERE id = ?", (sale_id.strip(),)
        ).fetchone()
        ref = sale_id
    elif receipt_number:
        row = conn.execute(
            "SELECT id, receipt_number FROM sales WHERE receipt_number = ?",
            (receipt_number.strip().upper(),),
        ).fetchone()
        ref = receipt_number
    else:
        raise ValidationFailed(
            _('Name the sale to return from: its receipt number or its id.'),
            errors={"receipt_number": [_("Give sale_id or receipt_number.")]},
        )
    if row is None:
        raise NotFound(_('No sale %(ref)s at this store.', ref=repr(ref)), code="sale_not_found")
    return row


def _allocate_lines(
    sale_lines: list[dict[str, Any]], wanted: Sequence[Mapping[str, Any]], receipt: str
) -> dict[int, int]:
    """Map requested ``{sku, qty[, line_no]}`` to quantities per sale line, within limits."""
    take: dict[int, int] = {}
    by_no = {line["line_no"]: line for line in sale_lines}
    for index, item in enumerate(wanted):
        qty = item.get("qty")
        if not isinstance(qty, int) or isinstance(qty, bool) or qty < QTY_MIN:
            raise ValidationFailed(
                _(
                    'Line %(v1)s: the quantity to return must be at least %(qty_min)s.',
                    v1=index + 1,
                    qty_min=QTY_MIN,
                ),
                code="invalid_quantity",
                errors={f"lines.{index}.qty": [_("At least %(min)s.", min=QTY_MIN)]},
            )
        line_no = item.get("line_no")
        sku = item.get("sku")
        if line_no is not None:
            line = by_no.get(line_no)
            if line is None or (sku and line["sku"] != sku):
                raise ValidationFailed(
                    _("Sale %(receipt)s has no line %(line_no)s for %(sku)s.", receipt=receipt,
                      line_no=line_no, sku=sku)
                    if sku else _("Sale %(receipt)s has no line %(line_no)s.", receipt=receipt,
                                  line_no=line_no),
                    code="not_on_sale",
                    errors={f"lines.{index}": [_("No such line on the sale.")]},
                )
            candidates = [line]
        else:
            candidates = [line for line in sale_lines if line["sku"] == sku]
            if not candidates:
                raise ValidationFailed(
                    _('%(sku)s is not on sale %(receipt)s.', sku=sku, receipt=receipt),
                    code="not_on_sale",
                    errors={f"lines.{index}.sku": [_("Not sold on this sale.")]},
                )
        left = sum(c["qty"] - c["returned"] - take.get(c["line_no"], 0) for c in candidates)
        if qty > left:
            sold = sum(c["qty"] for c in candidates)
            already = sum(c["returned"] for c in candidates)
            name = candidates[0]["name"]
            raise ValidationFailed(
                _(
                    'Only %(left)s of %(name)s (%(sku)s) can still be returned on %(receipt)s: '
                    '%(sold)s sold, %(already)s already returned, %(qty)s asked.',
                    left=left,
                    name=name,
                    sku=candidates[0]['sku'],
                    receipt=receipt,
                    sold=sold,
                    already=already,
                    qty=qty,
                ),
                code="over_return",
                errors={f"lines.{index}.qty": [_("At most %(max)s.", max=left)]},
            )
        for candidate in candidates:
            room = candidate["qty"] - candidate["returned"] - take.get(candidate["line_no"], 0)
            step = min(room, qty)
            if step > 0:
                take[candidate["line_no"]] = take.get(candidate["line_no"], 0) + step
                qty -= step
            if qty == 0:
                break
    return take


def record_return(
    db: sqlite_utils.Database,
    settings: StoreSettings,
    cashier: Staff,
    lines: Sequence[Mapping[str, Any]],
    sale_id: str | None = None,
    receipt_number: str | None = None,
    register: str | None = None,
    reason: str | None = None,
    require_shift: bool = False,
    registers: tuple[str, ...] = ("1", "2"),
    tender: str | None = None,
) -> dict[str, Any]:
    """Record a return against a sale; returns it as the API shows it.

    ``tender`` (``cash`` or ``card``) names how the refund goes back; None: as the
    sale was paid.

    It belongs to the open shift of ``register`` (409 ``no_open_shift`` when
    ``require_shift`` and there is none) and keeps the customer's ``reason``.
    """
    register = check_register(register, registers)
    reason = (reason or "").strip() or None
    if reason is not None and (len(reason) > TEXT_MAX or any(ord(c) < 32 for c in reason)):
        raise ValidationFailed(
            _("A reason is 1 to %(max)s printable characters.", max=TEXT_MAX),
            errors={"reason": [_("%(min)s to %(max)s printable characters.", min=1, max=TEXT_MAX)]},
        )
    if not lines:
        raise ValidationFailed(_('Choose at least one line to return.'), errors={"lines": ["empty"]})
    now = utcnow()
    occurred_at = isoformat_z(now)
    day = business_date(now, settings.timezone).isoformat()
    with immediate(db) as conn:
        shift_id = shift_for_sale(conn, register, require_shift)
        sale_row = _find_sale_row(conn, sale_id, receipt_number)
        sid, receipt = sale_row["id"], sale_row["receipt_number"]
        returned = dict(
            conn.execute(
                "SELECT sale_line_no, sum(qty) FROM return_lines WHERE sale_id = ?"
                " GROUP BY sale_line_no",
                (sid,),
            ).fetchall()
        )
        sale_lines = [
            {
                "line_no": r["line_no"], "sku": r["sku"], "name": r["name"], "qty": r["qty"],
                "net_cents": r["net_cents"], "taxes": json.loads(r["taxes"]),
                "returned": int(returned.get(r["line_no"], 0)),
            }
            for r in conn.execute(
                "SELECT line_no, sku, name, qty, net_cents, taxes FROM sale_lines"
                " WHERE sale_id = ? ORDER BY line_no",
                (sid,),
            ).fetchall()
        ]
        take = _allocate_lines(sale_lines, lines, receipt)
        out_lines = []
        taxes: dict[str, int] = {}
        for line in sale_lines:
            qty = take.get(line["line_no"])
            if not qty:
                continue
            share = refund_line(line["net_cents"], line["taxes"], line["qty"], line["returned"], qty)
            net, line_taxes = share.net_cents, share.taxes
            for name, amount in line_taxes.items():
                taxes[name] = taxes.get(name, 0) + amount
            out_lines.append(
                {
                    "sale_line_no": line["line_no"], "sku": line["sku"], "name": line["name"],
                    "qty": qty, "net_cents": net, "tax_cents": sum(line_taxes.values()),
                    "taxes": line_taxes,
                }
            )
        subtotal = sum(line["net_cents"] for line in out_lines)
        tax = sum(taxes.values())
        refund = subtotal + tax
        plan = _refund_plan(conn, sid, refund, tender)
        refunds = plan.refunds
        return_id = new_id()
        conn.execute(
            "INSERT INTO returns (id, sale_id, store_id, cashier, occurred_at, business_date,"
            " subtotal_cents, tax_cents, taxes, refund_cents, register, shift_id, reason, tender,"
            " rounding_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (return_id, sid, settings.store_id, cashier.username, occurred_at, day, subtotal, tax,
             json.dumps(taxes), refund, register, shift_id, reason, plan.tender,
             plan.rounding_cents),
        )
        conn.executemany(
            "INSERT INTO return_lines (return_id, sale_id, sale_line_no, sku, qty, net_cents,"
            " tax_cents, taxes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (return_id, sid, ln["sale_line_no"], ln["sku"], ln["qty"], ln["net_cents"],
                 ln["tax_cents"], json.dumps(ln["taxes"]))
                for ln in out_lines
            ],
        )
        conn.executemany(
            "INSERT INTO return_refunds (return_id, tender, amount_cents) VALUES (?, ?, ?)",
            [(return_id, r["tender"], r["amount_cents"]) for r in refunds],
        )
        back: dict[str, int] = {}
        for ln in out_lines:
            back[ln["sku"]] = back.get(ln["sku"], 0) + ln["qty"]
        for sku, qty in back.items():
            move_stock(conn, sku, qty, "return", return_id, cashier.username, occurred_at)
        result = {
            "id": return_id,
            "sale_id": sid,
            "receipt_number": receipt,
            "store_id": settings.store_id,
            "cashier": cashier.username,
            "occurred_at": occurred_at,
            "business_date": day,
            "subtotal_cents": subtotal,
            "tax_cents": tax,
            "taxes": taxes,
            "refund_cents": refund,
            "lines": [{k: v for k, v in ln.items() if k != "taxes"} for ln in out_lines],
            "refunds": refunds,
            "tender": plan.tender,
            "rounding_cents": plan.rounding_cents,
            "register": register,
            "shift_id": shift_id,
            "reason": reason,
        }
        event = dict(result)
        event["lines"] = [{k: v for k, v in ln.items() if k != "name"} for ln in result["lines"]]
        outbox.append(conn, "return", event, occurred_at)
    monitoring.return_recorded(settings.store_id, subtotal)
    log.info(
        "return %s of sale %s recorded: %s cents refunded", return_id, receipt, refund,
        extra={"return_id": return_id, "sale_id": sid, "refund_cents": refund},
    )
    return result


def _refund_plan(conn: Any, sale_id: str, refund: int, tender: str | None) -> RefundPlan:
    """The named tender, else card first up to what the card paid and has not had back."""
    card_paid = conn.execute(
        "SELECT coalesce(sum(amount_cents), 0) FROM sale_payments WHERE sale_id = ? AND tender = 'card'",
        (sale_id,),
    ).fetchone()[0]
    card_refunded = conn.execute(
        "SELECT coalesce(sum(rr.amount_cents), 0) FROM return_refunds rr"
        " JOIN returns r ON r.id = rr.return_id WHERE r.sale_id = ? AND rr.tender = 'card'",
        (sale_id,),
    ).fetchone()[0]
    return plan_refund(refund, card_paid, card_refunded, tender)


def returns_of_sale(db: sqlite_utils.Database, sale_id: str) -> list[dict[str, Any]]:
    rows = db.conn.execute(
        "SELECT id, occurred_at, business_date, subtotal_cents, tax_cents, refund_cents, cashier"
        " FROM returns WHERE sale_id = ? ORDER BY occurred_at",
        (sale_id,),
    ).fetchall()
    keys = ("id", "occurred_at", "business_date", "subtotal_cents", "tax_cents", "refund_cents",
            "cashier")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def find_return(db: sqlite_utils.Database, return_id: str) -> dict[str, Any]:
    conn = db.conn
    row = conn.execute(
        "SELECT r.id, r.sale_id, s.receipt_number, r.cashier, r.occurred_at, r.business_date,"
        " r.subtotal_cents, r.tax_cents, r.taxes, r.refund_cents, r.register, r.shift_id, r.reason,"
        " r.tender, r.rounding_cents FROM returns r"
        " JOIN sales s ON s.id = r.sale_id WHERE r.id = ?",
        (return_id,),
    ).fetchone()
    if row is None:
        raise NotFound(_('No return %(return_id)s.', return_id=repr(return_id)), code="return_not_found")
    result = dict(row)
    result["taxes"] = json.loads(result["taxes"])
    result["lines"] = [
        dict(r)
        for r in conn.execute(
            "SELECT rl.sale_line_no, rl.sku, sl.name, rl.qty, rl.net_cents, rl.tax_cents"
            " FROM return_lines rl JOIN sale_lines sl"
            " ON sl.sale_id = rl.sale_id AND sl.line_no = rl.sale_line_no"
            " WHERE rl.return_id = ? ORDER BY rl.sale_line_no",
            (return_id,),
        ).fetchall()
    ]
    result["refunds"] = [
        dict(r)
        for r in conn.execute(
            "SELECT tender, amount_cents FROM return_refunds WHERE return_id = ?"
            " ORDER BY tender",
            (return_id,),
        ).fetchall()
    ]
    return result
