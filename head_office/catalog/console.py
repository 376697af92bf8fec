"""Console pages of the catalog: search, and (managers) add or edit a product."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from marshmallow import ValidationError

from common.errors import ComptoirError
from common.i18n import _
from common.limits import PAGE_MAX, parse_ascii_int
from common.money import parse_amount
from common.web.i18n import translate_details

from ..auth.guard import MANAGERS, page_login_required, page_user
from ..console.helpers import actor, describe
from ..models import Product
from ..web import db
from . import operations as catalog_ops
from .queries import categories, product_by_sku, search_products
from .schemas import ProductCreateArgs, ProductPatchArgs

bp = Blueprint("catalog_console", __name__)


@bp.route("/products")
@page_login_required()
def products():
    q = request.args.get("q", "").strip()[:200]
    category = request.args.get("category", "").strip()[:80]
    page = parse_ascii_int(request.args.get("page", "1"), minimum=1, maximum=PAGE_MAX) or 1
    items, total = search_products(db(), q=q or None, category=category or None, page=page, page_size=50)
    user = page_user()
    return render_template(
        "console/products.html",
        can_edit=user is not None and user.role in MANAGERS,
        saved=request.args.get("saved", "")[:64],
        items=items,
        total=total,
        q=q,
        category=category,
        categories=categories(db()),
        page=page,
        pages=max(1, (total + 49) // 50),
    )


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
        errors["price"] = [_("An amount such as 12.99 (at most two decimals).")]
    for key in ("reorder_point", "max_stock"):
        try:
            data[key] = int(shown[key] or "0")
        except ValueError:
            errors[key] = [_("A whole number.")]
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


def _refused(product: Product | None, shown: dict[str, Any], exc: ComptoirError | ValidationError):
    """The form again, as it was filled, with the refusal and the fields at fault."""
    field_errors = exc.normalized_messages() if isinstance(exc, ValidationError) else exc.errors
    return _render_product_form(
        product,
        shown,
        translate_details(field_errors) if isinstance(field_errors, dict) else {},
        describe(exc),
        422 if isinstance(exc, ValidationError) else exc.status,
    )


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
        return _refused(None, shown, exc)
    return redirect(url_for("catalog_console.products", q=product.sku, saved=product.sku), code=303)


@bp.route("/products/<string:sku>/edit", methods=["GET", "POST"])
@page_login_required(*MANAGERS)
def product_edit(sku: str):
    session = db()
    product = product_by_sku(session, sku)
    if product is None:
        raise ComptoirError(_("No product with SKU %(sku)s.", sku=sku), code="unknown_sku", status=404)
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
        return _refused(product_by_sku(session, sku), shown, exc)
    return redirect(url_for("catalog_console.products", q=sku, saved=sku), code=303)
