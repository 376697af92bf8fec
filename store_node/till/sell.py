"""The sale screen: scan or search, the cart, payment, the receipt, the day's sales."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, make_response, redirect, render_template, request, session, url_for
from flask_babel import force_locale

from common.errors import ComptoirError, NotFound, ValidationFailed
from common.i18n import LANGUAGES, Cents, _, language_code
from common.limits import PAYMENT_MAX_CENTS, PAYMENT_MIN_CENTS, QTY_MAX, QTY_MIN, parse_ascii_int
from common.money import parse_amount
from common.pricing import cash_needed
from common.web.i18n import language

from ..catalog.queries import find, search
from ..node import current_node, get_db, store_settings
from ..reports.queries import daily
from ..sales.api import check_approver
from ..sales.operations import (
    find_sale,
    needs_approval,
    record_sale,
    sales_of_day,
    set_receipt_language,
)
from ..shifts.operations import takings_by_cashier
from . import cart as carts
from .pages import current_staff, login_required, page, today
from .shifts import current_register, shift_required

bp = Blueprint("sell", __name__)


def current_cart() -> carts.Cart:
    cart_id = session.get("cart_id")
    if not cart_id:
        cart_id = carts.new_cart_id()
        session["cart_id"] = cart_id
    return carts.load(get_db(), cart_id, current_staff().id)


def render_cart(cart: carts.Cart, **context: Any) -> str:
    node = current_node()
    priced = carts.price(get_db(), cart, node.taxes)
    over_limit = needs_approval(current_staff(), priced.sale, node.discount_limit)
    return render_template(
        "sales/_cart.html", cart=cart, priced=priced, over_limit=over_limit,
        discount_limit=node.discount_limit, htmx=bool(request.headers.get("HX-Request")),
        **context,
    )


def cart_response(cart: carts.Cart, **context: Any) -> Any:
    """The cart fragment for htmx; a redirect to the sale screen for a plain form post."""
    if request.headers.get("HX-Request"):
        return render_cart(cart, **context)
    return redirect(url_for("sell.sale_screen"))


@bp.get("/sell")
@login_required()
def sale_screen() -> Any:
    if shift_required():
        return redirect(url_for("till_shifts.shift_page", needed=1))
    cart = current_cart()
    return page("sales/sell.html", cart_html=render_cart(cart))


@bp.get("/sell/search")
@login_required()
def search_products() -> Any:
    q = (request.args.get("q") or request.args.get("code") or "").strip()
    results = search(get_db(), q, page_size=12, active_only=True)["items"] if q else []
    return render_template("sales/_results.html", results=results, q=q)


@bp.post("/sell/scan")
@login_required()
def scan() -> Any:
    """A barcode or SKU then Enter: add the product; otherwise show what matches."""
    code = request.form.get("code", "").strip()
    cart = current_cart()
    if not code:
        return cart_response(cart)
    qty = 1
    if "*" in code:  # "3*0628000000017": three of them
        count, _star, rest = code.partition("*")
        wanted = parse_ascii_int(count)
        if rest.strip() and any(char.isdigit() for char in count):
            if wanted is None or not QTY_MIN <= wanted <= QTY_MAX:
                return cart_response(
                    cart, error=_("“%(count)s*” is not a quantity: type %(low)s to %(high)s before the *.",
                                  count=count.strip(), low=QTY_MIN, high=QTY_MAX)
                )
            qty, code = wanted, rest.strip()
    product = find(get_db(), code)
    if product is None:
        matches = search(get_db(), code, page_size=12, active_only=True)["items"]
        if len(matches) == 1:
            product = matches[0]
        else:
            message = (_("No product with barcode or SKU “%(code)s”.", code=code) if not matches
                       else _("%(count)s products match “%(code)s”: pick one.", count=len(matches),
                              code=code))
            return cart_response(cart, error=message, results=matches, q=code)
    if not product["active"]:
        return cart_response(cart, error=_("%(name)s is no longer sold.", name=product["name"]))
    try:
        carts.add(cart, product["sku"], qty)
    except ComptoirError as exc:
        return cart_response(cart, error=exc.message)
    carts.save(get_db(), cart)
    return cart_response(cart, added=product["name"])


@bp.post("/sell/add")
@login_required()
def add() -> Any:
    cart = current_cart()
    sku = request.form.get("sku", "")
    product = find(get_db(), sku)
    if product is None or not product["active"]:
        return cart_response(cart, error=_("No product %(sku)s for sale.", sku=repr(sku)))
    try:
        carts.add(cart, product["sku"])
    except ComptoirError as exc:
        return cart_response(cart, error=exc.message)
    carts.save(get_db(), cart)
    return cart_response(cart, added=product["name"])


@bp.post("/sell/lines/<int:index>/<action>")
@login_required()
def change_line(index: int, action: str) -> Any:
    cart = current_cart()
    try:
        if action == "qty":
            carts.set_qty(cart, index, request.form.get("qty", ""))
        elif action == "remove":
            carts.remove(cart, index)
        elif action == "discount":
            carts.set_discount(cart, index, request.form.get("discount", ""))
        else:
            raise NotFound(_("Unknown cart action."))
    except ComptoirError as exc:
        return cart_response(cart, error=exc.message)
    carts.save(get_db(), cart)
    return cart_response(cart)


@bp.post("/sell/clear")
@login_required()
def clear() -> Any:
    cart = current_cart()
    carts.clear(get_db(), cart)
    return cart_response(cart, message=_("Cart cleared."))


def _amount(field: str, label: str) -> int | None:
    text = request.form.get(field, "").strip().replace(",", ".").lstrip("$")
    if not text:
        return None
    try:
        cents = parse_amount(text)
    except ValueError as exc:
        raise ValidationFailed(_("The %(label)s amount “%(text)s” is not an amount like 20 or 12.50.",
                                 label=label, text=text), code="invalid_amount") from exc
    if cents <= 0:
        raise ValidationFailed(_("The %(label)s amount must be more than zero.", label=label),
                               code="invalid_amount")
    if not PAYMENT_MIN_CENTS <= cents <= PAYMENT_MAX_CENTS:
        raise ValidationFailed(
            _("The %(label)s amount is between %(low)s and %(high)s for one payment.", label=label,
              low=Cents(PAYMENT_MIN_CENTS), high=Cents(PAYMENT_MAX_CENTS)),
            code="invalid_amount",
        )
    return cents


def payments_from_form(total: int) -> list[dict[str, Any]]:
    mode = request.form.get("mode", "cash")
    cash = _amount("cash", _("cash"))
    card = _amount("card", _("card"))
    if total == 0:
        return []
    if mode == "card":
        return [{"tender": "card", "amount_cents": card or total}]
    if mode == "split":
        if card is None:
            raise ValidationFailed(_("Type the card part of the split payment."),
                                   code="insufficient_payment")
        if cash is None:
            cash = cash_needed(total, card)
        payments = [{"tender": "card", "amount_cents": card}]
        if cash:
            payments.append({"tender": "cash", "amount_cents": cash})
        return payments
    return [{"tender": "cash", "amount_cents": cash if cash is not None else total}]


@bp.post("/sell/pay")
@login_required()
def pay() -> Any:
    cart = current_cart()
    form = {k: request.form.get(k, "") for k in ("mode", "cash", "card")}
    if not cart.lines:
        return cart_response(cart, error=_("The cart is empty: scan a product first."), form=form)
    node = current_node()
    try:
        priced = carts.price(get_db(), cart, node.taxes)
        payments = payments_from_form(priced.sale.total_cents)
        approver = None
        if request.form.get("approver_username"):
            approver = check_approver({"username": request.form.get("approver_username", ""),
                                       "password": request.form.get("approver_password", "")})
        sale = record_sale(get_db(), node.rules(store_settings()), current_staff(),
                           cart.as_sale_lines(), payments, approver, register=current_register(),
                           language=language())
    except ComptoirError as exc:
        return cart_response(cart, error=exc.message, form=form,
                             ask_approval=exc.code in ("approval_required", "approval_refused",
                                                       "invalid_credentials"))
    carts.clear(get_db(), cart)
    target = url_for("sell.receipt", ref=sale["id"], new=1)
    if request.headers.get("HX-Request"):
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


@bp.get("/receipt/<ref>")
@login_required()
def receipt(ref: str) -> Any:
    """The receipt, in the language it was printed in (``?lang=`` shows it in another)."""
    sale = find_sale(get_db(), ref)
    chosen = language_code(request.args.get("lang")) or sale.get("receipt_language")
    if chosen is None:
        return page("sales/receipt.html", sale=sale, new=request.args.get("new") == "1")
    with force_locale(LANGUAGES[chosen]):
        return page("sales/receipt.html", sale=sale, new=request.args.get("new") == "1")


@bp.post("/receipt/<ref>/language")
@login_required()
def receipt_language(ref: str) -> Any:
    """The customer wants the receipt in French or English: it is printed, and reprinted, so."""
    sale = find_sale(get_db(), ref)
    set_receipt_language(get_db(), sale["id"], request.form.get("language"))
    return redirect(url_for("sell.receipt", ref=sale["id"]))


@bp.get("/sales")
@login_required()
def sales_list() -> Any:
    day = request.args.get("date") or today()
    try:
        date.fromisoformat(day)
    except ValueError:
        return page("sales/list.html", sales=[], day=today(),
                    error=_("“%(day)s” is not a date (YYYY-MM-DD).", day=day)), 400
    sales = sales_of_day(get_db(), day)
    report = daily(get_db(), store_settings().store_id, day) if current_staff().at_least(
        "store_manager") else None
    takings = takings_by_cashier(get_db(), day) if report is not None else []
    return page("sales/list.html", sales=sales, day=day, report=report, takings=takings,
                total=sum(s["total_cents"] for s in sales))
