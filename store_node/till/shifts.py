"""Shift pages: open a register with a counted float, cash in and out, X report, close by count, Z report."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, request, session, url_for

from common.errors import ComptoirError, ValidationFailed
from common.i18n import _
from common.money import parse_amount

from ..node import current_node, get_db, store_settings
from ..shifts import operations as ops
from .pages import current_staff, login_required, page

bp = Blueprint("till_shifts", __name__)


def current_register() -> str:
    """The register this browser sells on (chosen when its shift was opened)."""
    known = current_node().registers
    register = session.get("register")
    return register if register in known else known[0]


def current_shift() -> dict[str, Any] | None:
    return ops.open_shift_of(get_db().conn, current_register())


def shift_required() -> bool:
    """True when this register may not sell yet: shifts are required and none is open."""
    return current_node().require_shift and current_shift() is None


def _counts_from_form(prefix: str) -> dict[str, str]:
    return {str(d): request.form.get(f"{prefix}{d}", "").strip() or "0" for d in ops.DENOMINATIONS}


def _denominations() -> list[dict[str, Any]]:
    return [{"cents": d, "bill": d >= 500} for d in ops.DENOMINATIONS]


def _shift_page(error: Any = None, message: Any = None, status: int = 200) -> Any:
    register = current_register()
    shift = current_shift()
    report = ops.x_report(get_db(), shift["id"]) if shift else None
    return page(
        "shifts/shift.html", register=register, registers=current_node().registers, shift=shift,
        report=report, denominations=_denominations(), error=error, message=message,
        recent=ops.list_shifts(get_db(), status="closed")[:5],
    ), status


@bp.get("/shift")
@login_required()
def shift_page() -> Any:
    chosen = request.args.get("register")
    if chosen in current_node().registers:
        session["register"] = chosen
    needed = request.args.get("needed")
    return _shift_page(message=_("Open a shift on this register to sell.") if needed else None)


@bp.post("/shift/open")
@login_required()
def open_shift() -> Any:
    register = request.form.get("register", current_register())
    try:
        register = ops.check_register(register, current_node().registers)
        session["register"] = register
        ops.open_shift(get_db(), store_settings(), current_staff(), register, 0,
                       _counts_from_form("open_"))
    except ComptoirError as exc:
        return _shift_page(error=exc.message, status=exc.status)
    return redirect(url_for("sell.sale_screen"))


@bp.post("/shift/cash")
@login_required()
def cash_movement() -> Any:
    shift = current_shift()
    if shift is None:
        return redirect(url_for("till_shifts.shift_page"))
    try:
        text = request.form.get("amount", "").strip().replace(",", ".").lstrip("$")
        try:
            amount = parse_amount(text)
        except ValueError:
            raise ValidationFailed(_("“%(text)s” is not an amount like 20 or 12.50.", text=text),
                                   code="invalid_amount") from None
        ops.add_cash_movement(get_db(), store_settings(), current_staff(), shift["id"],
                              request.form.get("kind", ""), amount, request.form.get("reason", ""))
    except ComptoirError as exc:
        return _shift_page(error=exc.message, status=exc.status)
    return _shift_page(message=_("Cash movement recorded."))


@bp.post("/shift/close")
@login_required()
def close_shift() -> Any:
    shift = current_shift()
    if shift is None:
        return redirect(url_for("till_shifts.shift_page"))
    try:
        ops.close_shift(get_db(), store_settings(), current_staff(), shift["id"], None,
                        _counts_from_form("close_"))
    except ComptoirError as exc:
        return _shift_page(error=exc.message, status=exc.status)
    return redirect(url_for("till_shifts.report", shift_id=shift["id"]))


@bp.get("/shift/<shift_id>/report")
@login_required()
def report(shift_id: str) -> Any:
    """The X report of an open shift, the Z report of a closed one, laid out for the 80 mm printer."""
    return page("shifts/report.html", report=ops.x_report(get_db(), shift_id))
