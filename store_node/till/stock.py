"""Stock pages: local stock with reorder warnings, central stock, restock requests, counts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, request, url_for

from common.errors import ComptoirError, ValidationFailed
from common.i18n import Msg, _
from common.limits import STOCK_LEVEL_MAX, parse_ascii_int
from common.web.i18n import translate

from ..catalog.queries import find
from ..node import get_db, store_settings
from ..restock import operations as restock
from ..stock import operations as stock_ops
from .pages import current_staff, login_required, page

bp = Blueprint("till_stock", __name__)


def _int(field: str, label: Msg) -> int:
    text = request.form.get(field, "").strip()
    number = parse_ascii_int(text, minimum=-STOCK_LEVEL_MAX, maximum=STOCK_LEVEL_MAX)
    if number is None:
        raise ValidationFailed(
            _("The %(label)s must be a whole number from -%(max)s to %(max)s (got “%(text)s”).",
              label=label, max=format(STOCK_LEVEL_MAX, ","), text=text[:40])
        )
    return number


@bp.get("/stock")
@login_required()
def stock_list() -> Any:
    q = request.args.get("q", "").strip()
    low = request.args.get("low") == "1"
    rows = stock_ops.list_stock(get_db(), q or None, low)
    low_count = sum(1 for r in stock_ops.list_stock(get_db(), None, True) if r["active"])
    return page("stock/list.html", rows=rows, q=q, low=low, low_count=low_count)


@bp.get("/central-stock")
@login_required()
def central() -> Any:
    return page("stock/central.html", snapshot=stock_ops.central_stock(get_db()))


@bp.route("/stock/adjust", methods=["GET", "POST"])
@login_required("store_manager")
def adjust() -> Any:
    sku = request.values.get("sku", "").strip()
    product = find(get_db(), sku) if sku else None
    error = message = None
    status = 200
    if request.method == "POST":
        try:
            if product is None:
                raise ValidationFailed(_('No product %(sku)s.', sku=repr(sku)))
            kind = request.form.get("kind", "count")
            if kind == "count":
                result = stock_ops.count(get_db(), store_settings(), current_staff(),
                                         product["sku"], _int("counted", _("count")))
                message = _("Counted %(counted)s of %(name)s (was %(previous)s, %(delta)s).",
                            counted=result["counted"], name=product["name"],
                            previous=result["previous"], delta=f"{result['delta']:+d}")
            else:
                result = stock_ops.adjust(get_db(), store_settings(), current_staff(),
                                          product["sku"], _int("delta", _("change")),
                                          request.form.get("reason", ""))
                message = _("%(name)s: %(delta)s (%(reason)s), now %(on_hand)s on hand.",
                            name=product["name"], delta=f"{result['delta']:+d}",
                            reason=result["reason"], on_hand=result["on_hand"])
            product = find(get_db(), product["sku"])
        except ComptoirError as exc:
            error, status = exc.message, exc.status
    history = stock_ops.movements(get_db(), product["sku"], 20) if product else []
    return page("stock/adjust.html", sku=sku, product=product, error=error, message=message,
                history=history), status


@bp.get("/restock")
@login_required()
def restock_page() -> Any:
    sku = request.args.get("sku", "").strip()
    product = find(get_db(), sku) if sku else None
    suggested = None
    if product:
        suggested = max(product["max_stock"] - product["on_hand"], 1)
    return page("restock/list.html", sku=sku, product=product, suggested=suggested,
                requests=restock.list_requests(get_db()),
                low=[r for r in stock_ops.list_stock(get_db(), None, True) if r["active"]],
                error=request.args.get("error"), message=request.args.get("message"))


@bp.post("/restock")
@login_required()
def restock_create() -> Any:
    sku = request.form.get("sku", "").strip()
    try:
        product = find(get_db(), sku)
        if product is None:
            raise ValidationFailed(_('No product with SKU or barcode “%(sku)s”.', sku=sku))
        created = restock.create_request(get_db(), store_settings(), current_staff(),
                                         product["sku"], _int("qty", _("quantity")))
    except ComptoirError as exc:
        return redirect(url_for("till_stock.restock_page", sku=sku, error=translate(exc.message)))
    # The page this redirects to is the same reader's: say it in their language now.
    return redirect(url_for("till_stock.restock_page", message=translate(
        _("Requested %(qty)s × %(name)s from head office.", qty=created["qty"], name=created["name"])
    )))


@bp.post("/restock/<request_id>/receive")
@login_required()
def restock_receive(request_id: str) -> Any:
    try:
        received = restock.receive(get_db(), store_settings(), current_staff(), request_id,
                                   _int("qty", _("quantity received")))
    except ComptoirError as exc:
        return redirect(url_for("till_stock.restock_page", error=translate(exc.message)))
    return redirect(url_for("till_stock.restock_page", message=translate(
        _("Received %(qty)s × %(name)s: stock updated.", qty=received["qty_received"], name=received["name"])
    )))
