"""The shop's JSON API for customers (``/api/v1/shop``) and for staff (``/api/v1`` orders,
sagas, payments)."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_smorest import Blueprint

from common.errors import NotFound
from common.i18n import _
from common.schemas import error_responses

from ..auth.guard import MANAGERS, api_user, roles_required
from ..models import Order, Saga
from ..web import db
from . import cart as carts
from . import orders
from .customers import customer_wire, sign_up
from .guard import api_customer, customer_required
from .payments import Card
from .runtime import runner, tax_table
from .schemas import (
    CartLineArgs,
    CartSchema,
    CheckoutArgs,
    CheckoutRefusalSchema,
    CheckoutSchema,
    CustomerArgs,
    CustomerSchema,
    OrderListSchema,
    OrderQueryArgs,
    OrderSchema,
    PaymentListSchema,
    PaymentQueryArgs,
    SagaListSchema,
    SagaQueryArgs,
    SagaSchema,
    ShopProductPageSchema,
    ShopProductQueryArgs,
    ShopProductSchema,
)

blp = Blueprint("shop_api", __name__, url_prefix="/api/v1/shop", description="Online shop (customers)")
staff_blp = Blueprint("shop_staff", __name__, url_prefix="/api/v1", description="Online orders (staff)")

ID_MAX = 2**63 - 1


@blp.route("/customers", methods=["POST"])
@blp.arguments(CustomerArgs)
@blp.response(201, CustomerSchema)
@error_responses(blp, 409)
@blp.doc(security=[])  # open to everyone
def create_customer(args):
    """Sign up; then sign in with ``POST /api/v1/session`` (``username`` = the e-mail)."""
    session = db()
    user = sign_up(session, args["email"], args["password"], args["name"])
    session.commit()
    return customer_wire(user)


@blp.route("/products")
@blp.arguments(ShopProductQueryArgs, location="query")
@blp.response(200, ShopProductPageSchema)
@blp.doc(security=[])  # open to everyone
def products(args):
    """Active products with ``available`` (what central stock can sell now). Open to everyone."""
    items, total = carts.shop_products(db(), **args)
    return {"items": items, "page": args["page"], "page_size": args["page_size"], "total": total}


@blp.route("/products/<string:sku>")
@blp.response(200, ShopProductSchema)
@blp.doc(security=[])  # open to everyone
def product(sku: str):
    return carts.shop_product(db(), sku)


def _cart_answer(customer_id: int):
    return carts.cart(db(), customer_id, tax_table()).wire()


@blp.route("/cart")
@customer_required
@blp.response(200, CartSchema)
def get_cart():
    """The signed-in customer's cart with its totals (each tax on its own)."""
    return _cart_answer(api_customer().id)


@blp.route("/cart", methods=["DELETE"])
@customer_required
@blp.response(200, CartSchema)
def empty_cart():
    session = db()
    customer = api_customer()
    carts.clear_cart(session, customer.id)
    session.commit()
    return _cart_answer(customer.id)


@blp.route("/cart/lines/<string:sku>", methods=["PUT"])
@customer_required
@blp.arguments(CartLineArgs)
@blp.response(200, CartSchema)
def put_line(args, sku: str):
    """Set the quantity of a product in the cart (0 removes the line)."""
    session = db()
    customer = api_customer()
    carts.set_line(session, customer.id, sku, args["qty"])
    session.commit()
    return _cart_answer(customer.id)


@blp.route("/checkout", methods=["POST"])
@customer_required
@blp.arguments(CheckoutArgs)
@blp.response(201, CheckoutSchema)
@blp.alt_response(
    202, schema=CheckoutSchema, description="Still running (the payment's outcome is not known yet)"
)
@blp.alt_response(
    402, schema=CheckoutRefusalSchema, description="Payment declined or failed: order cancelled"
)
@blp.alt_response(409, schema=CheckoutRefusalSchema, description="Not enough stock")
def checkout(args):
    """Pay the cart by card. Send an ``Idempotency-Key`` header: the same key gives the same answer."""
    card = args["card"]
    number = "".join(str(card["number"]).split()).replace("-", "")
    status, body = orders.start_checkout(
        db(),
        runner(),
        api_customer(),
        request.headers.get("Idempotency-Key", "").strip(),
        Card(number, card["exp_month"], card["exp_year"], card["cvc"]),
        tax_table(),
    )
    response = jsonify(body)
    response.status_code = status
    return response


@blp.route("/orders")
@customer_required
@blp.response(200, OrderListSchema)
def my_orders():
    session = db()
    return {"items": [orders.order_wire(session, o) for o in orders.list_orders(session, api_customer().id)]}


@blp.route("/orders/<int:order_id>")
@customer_required
@blp.response(200, OrderSchema)
def my_order(order_id: int):
    session = db()
    order = orders.order_for(session, min(order_id, ID_MAX), api_customer().id)
    return orders.order_wire(session, order)


# Staff ---------------------------------------------------------------------------------------------


@staff_blp.route("/orders")
@roles_required(*MANAGERS)
@staff_blp.arguments(OrderQueryArgs, location="query")
@staff_blp.response(200, OrderListSchema)
def staff_orders(args):
    """Online orders, newest first (``status=confirmed``: the ones to ship)."""
    session = db()
    return {
        "items": [
            orders.order_wire(session, o) for o in orders.list_orders(session, status=args.get("status"))
        ]
    }


@staff_blp.route("/orders/<int:order_id>")
@roles_required(*MANAGERS)
@staff_blp.response(200, OrderSchema)
def staff_order(order_id: int):
    session = db()
    return orders.order_wire(session, orders.order_for(session, min(order_id, ID_MAX)))


@staff_blp.route("/orders/<int:order_id>/ship", methods=["POST"])
@roles_required(*MANAGERS)
@staff_blp.response(200, OrderSchema)
@error_responses(staff_blp, 409)
def ship_order(order_id: int):
    """Ship a confirmed order: central on hand goes down, its reservation is released."""
    session = db()
    order = orders.ship(session, min(order_id, ID_MAX), api_user().username)
    session.commit()
    return orders.order_wire(session, order)


@staff_blp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@roles_required(*MANAGERS)
@staff_blp.response(200, OrderSchema)
@error_responses(staff_blp, 409)
def cancel_order(order_id: int):
    """Cancel a confirmed order before shipping: refund, release the stock, cancel."""
    session = db()
    order_id = min(order_id, ID_MAX)
    saga = orders.reopen_for_cancel(session, order_id, api_user().username)
    session.commit()
    if saga is not None:
        runner().drive(saga.id)
    session.expire_all()
    return orders.order_wire(session, orders.order_for(session, order_id))


@staff_blp.route("/sagas")
@roles_required(*MANAGERS)
@staff_blp.arguments(SagaQueryArgs, location="query")
@staff_blp.response(200, SagaListSchema)
def sagas(args):
    """Checkout sagas (newest first) with their steps, and how many are in each state."""
    session = db()
    return {
        "items": [orders.saga_wire(session, s) for s in orders.list_sagas(session, args.get("state"))],
        "counts": orders.saga_counts(session),
    }


@staff_blp.route("/sagas/<int:saga_id>")
@roles_required(*MANAGERS)
@staff_blp.response(200, SagaSchema)
def saga(saga_id: int):
    session = db()
    found = session.get(Saga, min(saga_id, ID_MAX))
    if found is None:
        raise NotFound(_("No saga %(saga_id)s.", saga_id=saga_id), code="unknown_saga")
    return orders.saga_wire(session, found)


@staff_blp.route("/payments")
@roles_required(*MANAGERS)
@staff_blp.arguments(PaymentQueryArgs, location="query")
@staff_blp.response(200, PaymentListSchema)
@error_responses(staff_blp, 401, 403, 404, 422)
def payments(args):
    """The payment provider's ledger: captures and refunds (of one order with ``order_id``)."""
    order_id = args.get("order_id")
    if order_id is not None and db().get(Order, order_id) is None:
        raise NotFound(_("No order %(order_id)s.", order_id=order_id), code="unknown_order",
                       errors={"order_id": [f"No order {order_id}."]})
    return {"items": current_app.extensions["comptoir_payments"].ledger(order_id)}
