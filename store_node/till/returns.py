"""Returns at the till: find the sale, choose lines and quantities, confirm, see the refund."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, request, url_for

from common.errors import ComptoirError
from common.i18n import _
from common.limits import QTY_MAX, parse_ascii_int

from ..node import current_node, get_db, store_settings
from ..returns.operations import find_return, record_return
from ..sales.operations import find_sale
from .pages import current_staff, login_required, page
from .shifts import current_register

bp = Blueprint("till_returns", __name__)


@bp.get("/returns")
@login_required()
def find_form() -> Any:
    ref = request.args.get("receipt", "").strip()
    sale = None
    error = None
    status = 200
    if ref:
        try:
            sale = find_sale(get_db(), ref)
        except ComptoirError as exc:
            error, status = exc.message, exc.status  # a receipt that names no sale: 404
    return page("returns/find.html", ref=ref, sale=sale, error=error), status


@bp.post("/returns")
@login_required()
def create() -> Any:
    sale_id = request.form.get("sale_id", "")
    try:
        sale = find_sale(get_db(), sale_id)
    except ComptoirError as exc:
        return page("returns/find.html", ref="", sale=None, error=exc.message), exc.status
    lines = []
    try:
        for line in sale["lines"]:
            text = request.form.get(f"qty_{line['line_no']}", "").strip() or "0"
            qty = parse_ascii_int(text, minimum=0, maximum=QTY_MAX)
            if qty is None:
                raise ComptoirError(_("Line %(line)s: type a whole number to return.",
                                      line=line["line_no"]))
            if qty > 0:
                lines.append({"line_no": line["line_no"], "sku": line["sku"], "qty": qty})
        if not lines:
            raise ComptoirError(_("Type how many units of at least one line come back."))
        if not request.form.get("reason", "").strip():
            raise ComptoirError(_("Say why the customer returns it."), code="reason_required",
                                status=422)
        node = current_node()
        result = record_return(get_db(), store_settings(), current_staff(), lines,
                               sale_id=sale["id"], register=current_register(),
                               reason=request.form.get("reason", ""),
                               require_shift=node.require_shift, registers=node.registers,
                               tender=request.form.get("tender") or None)
    except ComptoirError as exc:
        return page("returns/find.html", ref=sale["receipt_number"], sale=sale,
                    error=exc.message, entered=request.form), exc.status
    return redirect(url_for("till_returns.show", return_id=result["id"]))


@bp.get("/returns/<return_id>")
@login_required()
def show(return_id: str) -> Any:
    return page("returns/show.html", ret=find_return(get_db(), return_id))
