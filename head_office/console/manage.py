"""Manager console pages that change things: central stock, replenishment, catalog."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from marshmallow import ValidationError

from common.errors import ComptoirError
from common.i18n import _
from common.limits import INT32_MAX, parse_ascii_int
from common.money import parse_amount

from ..auth.guard import MANAGERS, page_login_required, page_user
from ..catalog import operations as catalog_ops
from ..catalog.queries import categories, product_by_sku
from ..catalog.schemas import ProductCreateArgs, ProductPatchArgs
from ..models import STATUSES, Product
from ..replenishment import operations as rep_ops
from ..replenishment.queries import list_replenishments, status_counts
from ..stock import operations as stock_ops
from ..stock.queries import central_stock_rows
from ..stores.operations import list_stores
from ..web import db
from .helpers import actor, describe, form_action, int_field, required_int
from .views import bp

# Central stock ------------------------------------------------------------------------------


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
    return request.form.get("back") or url_for("console.stock")


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


# Replenishment ------------------------------------------------------------------------------


@bp.route("/replenishments")
@page_login_required(*MANAGERS)
def replenishments():
    status = request.args.get("status", "requested")
    if status not in (*STATUSES, "all"):
        status = "requested"
    store_text = request.args.get("store", "")
    store_id = parse_ascii_int(store_text, minimum=1, maximum=INT32_MAX)
    items = list_replenishments(db(), None if status == "all" else status, store_id)
    products = [p.sku for p in db().query(Product).filter(Product.active.is_(True)).order_by(Product.sku)]
    return render_template(
        "console/replenishments.html",
        items=items,
        status=status,
        counts=status_counts(db()),
        statuses=STATUSES,
        stores=list_stores(db()),
        store_timezones={s.id: s.timezone for s in list_stores(db())},
        store_id=store_id,
        skus=products,
        prefill={"store": request.args.get("new_store", ""), "sku": request.args.get("new_sku", "")},
    )


def _back_to_replenishments() -> str:
    return request.form.get("back") or url_for("console.replenishments")


@bp.route("/replenishments/new", methods=["POST"])
@page_login_required(*MANAGERS)
def replenishment_create():
    def act() -> str:
        store_id = required_int("store_id", _("Store"))
        qty = required_int("qty", _("Quantity"))
        sku = request.form.get("sku", "").strip()
        rep = rep_ops.create_replenishment(
            db(), store_id, sku, qty, actor(), note=request.form.get("note", "")[:500]
        )
        return _("Replenishment %(id)s created: %(qty)s of %(sku)s for store %(store)s. Approve it below.",
                 id=rep.id, qty=qty, sku=sku, store=store_id)

    return form_action(act, url_for("console.replenishments", status="requested"))


@bp.route("/replenishments/<int:rep_id>/<string:step>", methods=["POST"])
@page_login_required(*MANAGERS)
def replenishment_step(rep_id: int, step: str):
    if step not in ("approve", "reject", "ship"):
        abort(404)

    def act() -> str:
        session = db()
        if step == "approve":
            qty = int_field("qty", _("Quantity to approve"), required=False)
            rep = rep_ops.approve(session, rep_id, actor(), qty=qty)
            if (rep.qty_approved or 0) < rep.qty_requested:
                return _("Replenishment %(id)s approved: %(qty)s of %(asked)s (partial).",
                         id=rep_id, qty=rep.qty_approved, asked=rep.qty_requested)
            return _("Replenishment %(id)s approved: %(qty)s of %(asked)s.",
                     id=rep_id, qty=rep.qty_approved, asked=rep.qty_requested)
        if step == "reject":
            rep_ops.reject(session, rep_id, actor(), request.form.get("reason", ""))
            return _("Replenishment %(id)s rejected.", id=rep_id)
        rep = rep_ops.ship(session, rep_id, actor())
        return _("Replenishment %(id)s shipped: %(qty)s on their way to store %(store)s.",
                 id=rep_id, qty=rep.qty_shipped, store=rep.store_id)

    return form_action(act, _back_to_replenishments())


# Catalog ------------------------------------------------------------------------------------

FORM_FIELDS = ("sku", "name", "category", "price", "tax_class", "barcode", "reorder_point", "max_stock")


def _product_form_values(product: Product | None) -> dict[str, Any]:
    if product is None:
        return {
            "sku": "",
            "name": "",
            "category": "",
            "price": "",
            "tax_class": "standard",
            "barcode": "",
            "reorder_point": "0",
            "max_stock": "0",
            "active": True,
        }
    return {
        "sku": product.sku,
        "name": product.name,
        "category": product.category,
        "price": f"{product.price_cents / 100:.2f}",
        "tax_class": product.tax_class,
        "barcode": product.barcode or "",
        "reorder_point": str(product.reorder_point),
        "max_stock": str(product.max_stock),
        "active": product.active,
    }


def _parse_product_form(creating: bool) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    """(what the form showed, typed data for the schema, field errors)."""
    shown: dict[str, Any] = {k: request.form.get(k, "").strip() for k in FORM_FIELDS}
    shown["active"] = request.form.get("active") == "on"
    data: dict[str, Any] = {
        "name": shown["name"],
        "category": shown["category"],
        "tax_class": shown["tax_class"],
        "active": shown["active"],
        "barcode": shown["barcode"] or None,
    }
    if creating:
        data["sku"] = shown["sku"]
    errors: dict[str, list[str]] = {}
    try:
        data["price_cents"] = parse_amount(shown["price"])
    except ValueError:
        errors["price"] = ["An amount such as 12.99 (at most two decimals)."]
    for key in ("reorder_point", "max_stock"):
        try:
            data[key] = int(shown[key] or "0")
        except ValueError:
            errors[key] = ["A whole number."]
    return shown, data, errors


def _render_product_form(
    product: Product | None,
    values: dict[str, Any],
    errors: dict[str, Any],
    message: str | None,
    status: int = 200,
):
    return render_template(
        "console/product_form.html",
        product=product,
        values=values,
        errors=errors,
        message=message,
        categories=categories(db()),
    ), status


@bp.route("/products/new", methods=["GET", "POST"])
@page_login_required(*MANAGERS)
def product_new():
    if request.method == "GET":
        return _render_product_form(None, _product_form_values(None), {}, None)
    shown, data, errors = _parse_product_form(creating=True)
    session = db()
    try:
        if errors:
            raise ValidationError(errors)
        product = catalog_ops.create_product(session, ProductCreateArgs().load(data), actor())
        session.commit()
    except (ComptoirError, ValidationError) as exc:
        session.rollback()
        field_errors = exc.normalized_messages() if isinstance(exc, ValidationError) else exc.errors
        return _render_product_form(
            None,
            shown,
            field_errors if isinstance(field_errors, dict) else {},
            describe(exc),
            422 if isinstance(exc, ValidationError) else exc.status,
        )
    return redirect(url_for("console.products", q=product.sku, saved=product.sku), code=303)


@bp.route("/products/<string:sku>/edit", methods=["GET", "POST"])
@page_login_required(*MANAGERS)
def product_edit(sku: str):
    session = db()
    product = product_by_sku(session, sku)
    if product is None:
        raise ComptoirError(f"No product with SKU {sku}.", code="unknown_sku", status=404)
    if request.method == "GET":
        return _render_product_form(product, _product_form_values(product), {}, None)
    shown, data, errors = _parse_product_form(creating=False)
    shown["sku"] = product.sku
    try:
        if errors:
            raise ValidationError(errors)
        changes = ProductPatchArgs().load(data)
        catalog_ops.update_product(session, sku, changes, actor())
        session.commit()
    except (ComptoirError, ValidationError) as exc:
        session.rollback()
        field_errors = exc.normalized_messages() if isinstance(exc, ValidationError) else exc.errors
        product = product_by_sku(session, sku)
        return _render_product_form(
            product,
            shown,
            field_errors if isinstance(field_errors, dict) else {},
            describe(exc),
            422 if isinstance(exc, ValidationError) else exc.status,
        )
    return redirect(url_for("console.products", q=sku, saved=sku), code=303)
