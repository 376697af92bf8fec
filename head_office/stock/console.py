"""Console pages of central stock: the table, supplier receipts and adjustments."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from common.i18n import _

from ..auth.guard import MANAGERS, page_login_required, page_user
from ..catalog.queries import categories
from ..console.helpers import actor, form_action, required_int
from ..web import db
from . import operations as stock_ops
from .queries import central_stock_rows

bp = Blueprint("stock_console", __name__)


@bp.route("/stock")
@page_login_required()
def stock():
    q = request.args.get("q", "").strip()[:200]
    category = request.args.get("category", "").strip()[:80]
    data = central_stock_rows(db(), q=q or None, category=category or None)
    user = page_user()
    return render_template(
        "console/stock.html",
        data=data,
        q=q,
        category=category,
        categories=categories(db()),
        can_edit=user is not None and user.role in MANAGERS,
    )


def _back_to_stock() -> str:
    return request.form.get("back") or url_for("stock_console.stock")


@bp.route("/stock/receipts", methods=["POST"])
@page_login_required(*MANAGERS)
def stock_receipt():
    def act() -> str:
        sku = request.form.get("sku", "").strip()
        qty = required_int("qty", _("Quantity"))
        levels = stock_ops.receive_from_supplier(
            db(), sku, qty, actor(), note=request.form.get("note", "")[:500]
        )
        return _("Received %(qty)s of %(sku)s: %(on_hand)s on hand, %(available)s available.",
                 qty=qty, sku=sku, on_hand=levels.on_hand, available=levels.available)

    return form_action(act, _back_to_stock())


@bp.route("/stock/adjustments", methods=["POST"])
@page_login_required(*MANAGERS)
def stock_adjustment():
    def act() -> str:
        sku = request.form.get("sku", "").strip()
        delta = required_int("delta", _("Change"))
        levels = stock_ops.adjust_central(db(), sku, delta, request.form.get("reason", ""), actor())
        return _("Adjusted %(sku)s by %(delta)s: %(on_hand)s on hand, %(available)s available.",
                 sku=sku, delta=format(delta, "+d"), on_hand=levels.on_hand, available=levels.available)

    return form_action(act, _back_to_stock())
