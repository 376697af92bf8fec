"""Recording a sale: one ``BEGIN IMMEDIATE`` transaction, all of it or none.

The sale row, its lines and payments, the stock movements and balances and
the ``sale`` outbox event commit together. The receipt number is taken from
the ``sequences`` table inside that transaction, so it is contiguous per store
even with several tills selling at once, and a refused sale uses none.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlite_utils

from common.clock import business_date, isoformat_z, utcnow
from common.errors import Forbidden, NotFound
from common.i18n import _, language_code
from common.ids import new_id
from common.pricing import (
    PricedLine,
    PricedSale,
    check_stock,
    discount_over_limit,
    price_lines,
    price_sale,
    settle_cash,
)
from common.taxes import TaxTable

from .. import monitoring
from ..auth.operations import Staff
from ..db import immediate
from ..settings import StoreSettings
from ..shifts.operations import check_register, shift_for_sale
from ..stock.ledger import move_stock
from ..sync import outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SellingRules:
    """What a sale needs to know about the store, besides its data."""

    settings: StoreSettings
    taxes: TaxTable
    cashier_discount_limit: Decimal
    require_shift: bool = True
    registers: tuple[str, ...] = ("1", "2")


def catalog_rows(conn: Any, skus: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The local catalog's entries (sku, name, price_cents, tax_class, active, on_hand) of ``skus``."""
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    cursor = conn.execute(
        "SELECT p.sku, p.name, p.price_cents, p.tax_class, p.active, coalesce(s.on_hand, 0) AS on_hand"
        f" FROM products p LEFT JOIN stock s ON s.sku = p.sku WHERE p.sku IN ({marks})",
        wanted,
    )
    return {row["sku"]: dict(row) for row in cursor}


def price_from_catalog(
    conn: Any, lines: Sequence[Mapping[str, Any]]
) -> tuple[list[PricedLine], dict[str, int]]:
    """Price requested lines at the local catalog's prices (``common.pricing.price_lines``);
    returns the lines and the on-hand stock of each SKU."""
    products = catalog_rows(conn, (str(line["sku"]) for line in lines))
    priced = price_lines(lines, products)
    return priced, {sku: int(row["on_hand"]) for sku, row in products.items()}


def needs_approval(staff: Staff, sale: PricedSale, limit_percent: Decimal) -> list[int]:
    """Line numbers whose discount is beyond what this staff member may give alone."""
    if staff.at_least("store_manager"):
        return []
    return discount_over_limit(sale, limit_percent)


def record_sale(
    db: sqlite_utils.Database,
    rules: SellingRules,
    cashier: Staff,
    lines: Sequence[Mapping[str, Any]],
    payments: Sequence[Mapping[str, Any]],
    approver: Staff | None = None,
    register: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """Record a sale; returns it as the API shows it. Raises a ComptoirError and writes
    nothing when any part is refused.

    ``approver`` is a store manager whose credentials the caller has already
    checked; it allows discounts beyond the cashier's limit. The sale belongs to
    the open shift of ``register`` (409 ``no_open_shift`` when there is none and
    shifts are required). Cash paid is rounded to 5 cents (``rounding_cents``).
    ``language`` ("fr" or "en") is the language its receipt is printed in, kept
    so that a reprint comes out the same.
    """
    receipt_language = language_code(language)
    settings = rules.settings
    register = check_register(register, rules.registers)
    now = utcnow()
    occurred_at = isoformat_z(now)
    day = business_date(now, settings.timezone).isoformat()
    with immediate(db) as conn:
        shift_id = shift_for_sale(conn, register, rules.require_shift)
        priced, on_hand = price_from_catalog(conn, lines)
        sale = price_sale(priced, rules.taxes)
        over_limit = needs_approval(cashier, sale, rules.cashier_discount_limit)
        if over_limit and approver is None:
            raise Forbidden(
                _(
                    'A discount over %(cashier_discount_limit)s%% (line %(v3)s) needs a store '
                    "manager's approval.",
                    cashier_discount_limit=rules.cashier_discount_limit,
                    v3=', '.join(map(str, over_limit)),
                ),
                code="approval_required",
                errors={"lines": {
                    str(n - 1): [_("This discount needs a store manager's approval.")] for n in over_limit
                }},
            )
        needs_count = check_stock(priced, on_hand, settings.allow_oversell)
        paid, change, rounding = settle_cash(sale.total_cents, payments)
        receipt_seq = outbox.next_value(conn, "receipt")
        receipt_number = f"{settings.store_code}-{receipt_seq:06d}"
        sale_id = new_id()
        conn.execute(
            "INSERT INTO sales (id, receipt_seq, receipt_number, store_id, cashier, approved_by,"
            " occurred_at, business_date, needs_count, subtotal_cents, discount_cents, tax_cents,"
            " taxes, total_cents, paid_cents, change_cents, register, shift_id, rounding_cents,"
            " receipt_language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                sale_id, receipt_seq, receipt_number, settings.store_id, cashier.username,
                approver.username if approver and over_limit else None, occurred_at, day,
                int(needs_count), sale.subtotal_cents, sale.discount_cents, sale.tax_cents,
                json.dumps(sale.taxes), sale.total_cents, paid, change, register, shift_id,
                rounding, receipt_language,
            ),
        )
        conn.executemany(
            "INSERT INTO sale_lines (sale_id, line_no, sku, name, qty, unit_price_cents,"
            " discount_percent, discount_cents, net_cents, tax_class, tax_cents, taxes)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    sale_id, ln.line_no, ln.sku, ln.name, ln.qty, ln.unit_price_cents,
                    str(ln.discount_percent) if ln.discount_percent is not None else None,
                    ln.discount_cents, ln.net_cents, ln.tax_class, ln.tax_cents,
                    json.dumps(ln.taxes),
                )
                for ln in priced
            ],
        )
        payment_rows = [
            {"tender": str(p["tender"]), "amount_cents": int(p["amount_cents"])} for p in payments
        ]
        conn.executemany(
            "INSERT INTO sale_payments (sale_id, seq, tender, amount_cents) VALUES (?, ?, ?, ?)",
            [(sale_id, n, p["tender"], p["amount_cents"]) for n, p in enumerate(payment_rows, 1)],
        )
        sold: dict[str, int] = {}
        for ln in priced:
            sold[ln.sku] = sold.get(ln.sku, 0) + ln.qty
        for sku, qty in sold.items():
            move_stock(conn, sku, -qty, "sale", sale_id, cashier.username, occurred_at,
                       flag_count=needs_count and qty > on_hand.get(sku, 0))
        result = sale_view(
            sale_id, receipt_number, settings.store_id, cashier.username, occurred_at, day,
            needs_count, sale, paid, change, payment_rows,
        )
        result.update(register=register, shift_id=shift_id, rounding_cents=rounding,
                      receipt_language=receipt_language)
        event = {k: v for k, v in result.items() if k not in ("gst_cents", "qst_cents", "paid_cents")}
        outbox.append(conn, "sale", event, occurred_at)
    monitoring.sale_recorded(settings.store_id, sale.subtotal_cents)
    log.info(
        "sale %s recorded: %s cents", receipt_number, sale.total_cents,
        extra={"sale_id": sale_id, "receipt_number": receipt_number, "total_cents": sale.total_cents},
    )
    return result


def sale_view(
    sale_id: str,
    receipt_number: str,
    store_id: int,
    cashier: str,
    occurred_at: str,
    day: str,
    needs_count: bool,
    sale: PricedSale,
    paid: int,
    change: int,
    payments: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "id": sale_id,
        "receipt_number": receipt_number,
        "store_id": store_id,
        "cashier": cashier,
        "occurred_at": occurred_at,
        "business_date": day,
        "needs_count": bool(needs_count),
        "subtotal_cents": sale.subtotal_cents,
        "discount_cents": sale.discount_cents,
        "tax_cents": sale.tax_cents,
        "gst_cents": sale.taxes.get("gst", 0),
        "qst_cents": sale.taxes.get("qst", 0),
        "taxes": dict(sale.taxes),
        "total_cents": sale.total_cents,
        "paid_cents": paid,
        "change_cents": change,
        "lines": [
            {
                "line_no": ln.line_no,
                "sku": ln.sku,
                "name": ln.name,
                "qty": ln.qty,
                "unit_price_cents": ln.unit_price_cents,
                "discount_cents": ln.discount_cents,
                "net_cents": ln.net_cents,
                "tax_class": ln.tax_class,
                "tax_cents": ln.tax_cents,
            }
            for ln in sale.lines
        ],
        "payments": payments,
    }


def set_receipt_language(db: sqlite_utils.Database, sale_id: str, language: str | None) -> bool:
    """The customer asked for the receipt in another language: its reprints follow."""
    chosen = language_code(language)
    if chosen is None:
        return False
    return db.conn.execute(
        "UPDATE sales SET receipt_language = ? WHERE id = ?", (chosen, sale_id)
    ).rowcount > 0


def find_sale(db: sqlite_utils.Database, ref: str) -> dict[str, Any]:
    """A recorded sale by id or receipt number, with lines, payments and what was returned."""
    conn = db.conn
    ref = (ref or "").strip()
    row = conn.execute(
        "SELECT id, receipt_number, store_id, cashier, occurred_at, business_date, needs_count,"
        " subtotal_cents, discount_cents, tax_cents, taxes, total_cents, paid_cents, change_cents,"
        " approved_by, register, shift_id, rounding_cents, receipt_language FROM sales"
        " WHERE id = ? OR receipt_number = ?",
        (ref, ref.upper()),
    ).fetchone()
    if row is None:
        raise NotFound(_('No sale %(ref)s at this store.', ref=repr(ref)), code="sale_not_found")
    sale: dict[str, Any] = dict(row)
    taxes = json.loads(row["taxes"])
    sale.update(needs_count=bool(row["needs_count"]), taxes=taxes,
                gst_cents=taxes.get("gst", 0), qst_cents=taxes.get("qst", 0))
    returned = dict(
        conn.execute(
            "SELECT sale_line_no, sum(qty) FROM return_lines WHERE sale_id = ? GROUP BY sale_line_no",
            (sale["id"],),
        ).fetchall()
    )
    sale["lines"] = [
        {
            **dict(r), "taxes": json.loads(r["taxes"]),
            "returned_qty": int(returned.get(r["line_no"], 0)),
        }
        for r in conn.execute(
            "SELECT line_no, sku, name, qty, unit_price_cents, discount_percent, discount_cents,"
            " net_cents, tax_class, tax_cents, taxes FROM sale_lines WHERE sale_id = ?"
            " ORDER BY line_no",
            (sale["id"],),
        ).fetchall()
    ]
    sale["payments"] = [
        dict(r)
        for r in conn.execute(
            "SELECT tender, amount_cents FROM sale_payments WHERE sale_id = ? ORDER BY seq",
            (sale["id"],),
        ).fetchall()
    ]
    sale["returns"] = [
        dict(r)
        for r in conn.execute(
            "SELECT id, occurred_at, refund_cents FROM returns WHERE sale_id = ? ORDER BY occurred_at",
            (sale["id"],),
        ).fetchall()
    ]
    return sale


def sales_of_day(db: sqlite_utils.Database, day: str) -> list[dict[str, Any]]:
    rows = db.conn.execute(
        "SELECT s.id, s.receipt_number, s.cashier, s.occurred_at, s.business_date,"
        " s.subtotal_cents, s.tax_cents, s.total_cents, s.needs_count, s.register,"
        " (SELECT coalesce(sum(qty), 0) FROM sale_lines WHERE sale_id = s.id),"
        " (SELECT coalesce(sum(refund_cents), 0) FROM returns WHERE sale_id = s.id)"
        " FROM sales s WHERE s.business_date = ? ORDER BY s.receipt_seq",
        (day,),
    ).fetchall()
    keys = ("id", "receipt_number", "cashier", "occurred_at", "business_date", "subtotal_cents",
            "tax_cents", "total_cents", "needs_count", "register", "units", "refunded_cents")
    out = [dict(zip(keys, row, strict=True)) for row in rows]
    for item in out:
        item["needs_count"] = bool(item["needs_count"])
    return out

