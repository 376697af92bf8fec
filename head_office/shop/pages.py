"""The shop's pages: the catalog, sign-up and sign-in, the cart, checkout by card, orders."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from common.errors import ComptoirError
from common.i18n import _
from common.limits import PAGE_MAX, QTY_MAX, parse_ascii_int
from common.throttle import ThrottlePolicy
from common.web.i18n import translate, translate_details

from ..auth.guard import end_page_session, start_page_session
from ..auth.operations import authenticate
from ..catalog.queries import categories
from ..models import CartLine
from ..web import client_address, db
from . import cart as carts
from . import orders
from .customers import sign_up
from .guard import page_customer, page_customer_required
from .payments import Card, luhn_ok
from .runtime import runner, tax_table

bp = Blueprint("shop", __name__, url_prefix="/shop", template_folder="../templates")

TIMEZONE = "America/Montreal"
PAGE_SIZE = 24

# What a customer reads when a checkout does not go through (the API keeps the codes).
REFUSALS = {
    "payment_declined": _("Your card was declined. Nothing was charged; try another card."),
    "payment_failed": _("The card processor had a problem. Nothing was charged; try again."),
    "insufficient_stock": _("Not enough stock for some products: change the quantities and try again."),
    "empty_cart": _("Your cart is empty."),
    "checkout_in_progress": _(
        "A checkout of yours is still in progress: wait a moment, then look at your orders."
    ),
    "unavailable_product": _("Some products are no longer sold: remove them from the cart."),
}


@bp.context_processor
def _shop_context() -> dict[str, Any]:
    customer = page_customer()
    count = 0
    if customer is not None:
        count = db().scalar(select(func.coalesce(func.sum(CartLine.qty), 0))
                            .where(CartLine.customer_id == customer.id)) or 0
    return {"customer": customer, "cart_count": count, "timezone": TIMEZONE}


def _int(name: str, default: int, low: int, high: int) -> int:
    value = parse_ascii_int(request.values.get(name, ""), minimum=low, maximum=high)
    return default if value is None else value


@bp.route("")
def catalog():
    q = request.args.get("q", "").strip()[:200]
    category = request.args.get("category", "").strip()[:200]
    page = _int("page", 1, 1, PAGE_MAX)
    items, total = carts.shop_products(db(), q=q or None, category=category or None, page=page,
                                       page_size=PAGE_SIZE)
    return render_template("shop/catalog.html", items=items, q=q, category=category,
                           categories=categories(db()), page=page,
                           pages=max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE))


def _safe_next(target: str | None) -> str:
    parsed = urlparse(target or "")
    if not target or parsed.scheme or parsed.netloc or not target.startswith("/shop"):
        return url_for("shop.catalog")
    return target


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    error = None
    form = {"name": "", "email": ""}
    if request.method == "POST":
        form = {"name": request.form.get("name", ""), "email": request.form.get("email", "")}
        try:
            user = sign_up(db(), form["email"], request.form.get("password", ""), form["name"])
        except ComptoirError as exc:
            db().rollback()
            error = _describe(exc)
        else:
            db().commit()
            start_page_session(user)
            flash(translate(_("Welcome! Your account is ready.")))
            return redirect(url_for("shop.catalog"))
    return render_template("shop/account.html", mode="signup", form=form, error=error), 422 if error else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    form = {"email": ""}
    if request.method == "POST":
        form["email"] = request.form.get("email", "").strip()
        status, headers = 200, {}
        try:
            user = authenticate(
                db(), form["email"], request.form.get("password", ""), client_address(),
                ThrottlePolicy.from_config(current_app.config),
            )
        except ComptoirError as exc:
            error, status, headers = translate(exc.message), exc.status, exc.headers
        else:
            db().commit()
            start_page_session(user)
            return redirect(_safe_next(request.args.get("next")))
        return render_template("shop/account.html", mode="login", form=form, error=error), status, headers
    return render_template("shop/account.html", mode="login", form=form, error=error)


@bp.route("/logout", methods=["POST"])
def logout():
    end_page_session()
    return redirect(url_for("shop.catalog"))


@bp.route("/cart")
@page_customer_required
def cart_page():
    return _cart_page()


def _cart_page(error: str | None = None, form: dict | None = None, status: int = 200):
    customer = page_customer()
    assert customer is not None
    priced = carts.cart(db(), customer.id, tax_table())
    return render_template(
        "shop/cart.html", cart=priced.wire(), error=error, idempotency_key=uuid.uuid4().hex,
        form=form or {"number": "", "exp_month": "", "exp_year": ""},
    ), status


@bp.route("/cart/add", methods=["POST"])
@page_customer_required
def add_to_cart():
    customer = page_customer()
    assert customer is not None
    sku = request.form.get("sku", "")[:64]
    try:
        carts.add_to_cart(db(), customer.id, sku, _int("qty", 1, 1, QTY_MAX))
    except ComptoirError as exc:
        db().rollback()
        flash(_describe(exc), "error")
    else:
        db().commit()
        flash(translate(_("Added to your cart.")))
    return redirect(request.referrer if _same_site(request.referrer) else url_for("shop.catalog"))


def _same_site(url: str | None) -> bool:
    if not url:
        return False
    parsed = urlparse(url)
    return parsed.netloc == request.host and str(parsed.path).startswith("/shop")


@bp.route("/cart/lines/<string:sku>", methods=["POST"])
@page_customer_required
def set_cart_line(sku: str):
    customer = page_customer()
    assert customer is not None
    try:
        carts.set_line(db(), customer.id, sku[:64], _int("qty", -1, 0, QTY_MAX))
    except ComptoirError as exc:
        db().rollback()
        flash(_describe(exc), "error")
    else:
        db().commit()
    return redirect(url_for("shop.cart_page"))


@bp.route("/checkout", methods=["POST"])
@page_customer_required
def checkout_page():
    customer = page_customer()
    assert customer is not None
    number = "".join(request.form.get("number", "").split()).replace("-", "")
    month = parse_ascii_int(request.form.get("exp_month", ""), minimum=1, maximum=12)
    year = parse_ascii_int(request.form.get("exp_year", ""), minimum=2000, maximum=2100)
    cvc = request.form.get("cvc", "").strip()
    form = {"number": request.form.get("number", "")[:30], "exp_month": month or "", "exp_year": year or ""}
    problem = _card_problem(number, month, year, cvc)
    if problem:
        return _cart_page(translate(problem), form, 422)
    key = request.form.get("idempotency_key", "")[:200] or uuid.uuid4().hex
    try:
        status, body = orders.start_checkout(db(), runner(), customer, key,
                                             Card(number, month or 0, year or 0, cvc), tax_table())
    except ComptoirError as exc:
        db().rollback()
        return _cart_page(_describe(exc), form, exc.status)
    if status in (201, 202):
        if status == 201:
            flash(translate(_("Thank you! Your order is confirmed.")))
        return redirect(url_for("shop.order_page", order_id=body["order_id"]))
    refusal = REFUSALS.get(str(body.get("code", "")), body.get("message", ""))
    return _cart_page(translate(refusal), form, status)


def _card_problem(number: str, month: int | None, year: int | None, cvc: str) -> Any:
    if not (number.isascii() and number.isdigit()) or not 12 <= len(number) <= 19 or not luhn_ok(number):
        return _("This card number is not valid.")
    if month is None or year is None or (year, month) < (date.today().year, date.today().month):
        return _("Check the card's expiry date.")
    if not (cvc.isascii() and cvc.isdigit() and len(cvc) in (3, 4)):
        return _("The security code has 3 or 4 digits.")
    return None


def _describe(exc: ComptoirError) -> str:
    refusal = REFUSALS.get(exc.code)
    if refusal is not None:
        return translate(refusal)
    message = translate(exc.message)
    fields = [f"{key}: {' '.join(map(str, value))}" for key, value in translate_details(exc.errors).items()
              if isinstance(value, list)]
    return f"{message} ({'; '.join(fields)})" if fields else message


@bp.route("/orders")
@page_customer_required
def orders_page():
    customer = page_customer()
    assert customer is not None
    return render_template("shop/orders.html", orders=orders.list_orders(db(), customer.id))


@bp.route("/orders/<int:order_id>")
@page_customer_required
def order_page(order_id: int):
    customer = page_customer()
    assert customer is not None
    session_ = db()
    order = orders.order_for(session_, min(order_id, 2**63 - 1), customer.id)
    return render_template("shop/order.html", order=orders.order_wire(session_, order, with_saga=False))
