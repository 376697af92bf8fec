"""Console pages for staff: online orders to ship (ship, cancel, packing slip) and the sagas."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from common.errors import ComptoirError, NotFound
from common.i18n import _
from common.web.i18n import translate

from ..auth.guard import MANAGERS, page_login_required
from ..console.helpers import actor
from ..models import ORDER_STATUSES, SAGA_STATES, Order, Saga, User
from ..web import db
from . import orders
from .runtime import runner

bp = Blueprint("shop_console", __name__, template_folder="../templates")

TIMEZONE = "America/Montreal"
ID_MAX = 2**63 - 1


@bp.route("/orders")
@page_login_required(*MANAGERS)
def orders_list():
    status = request.args.get("status", "confirmed")
    if status not in (*ORDER_STATUSES, "all"):
        status = "confirmed"
    session = db()
    found = [orders.order_wire(session, o, with_saga=False)
             for o in orders.list_orders(session, status=None if status == "all" else status)]
    emails = dict(session.execute(select(User.id, User.username).where(
        User.id.in_({o["customer_id"] for o in found}))).all())
    for order in found:
        order["units"] = sum(line["qty"] for line in order["lines"])
        order["customer"] = emails.get(order["customer_id"], "")

    counts = dict(session.execute(select(Order.status, func.count()).group_by(Order.status)).all())
    return render_template("shop_console/orders.html", orders=found, status=status, statuses=ORDER_STATUSES,
                           counts=counts, timezone=TIMEZONE)


@bp.route("/orders/<int:order_id>")
@page_login_required(*MANAGERS)
def order_detail(order_id: int):
    session = db()
    order = orders.order_for(session, min(order_id, ID_MAX))
    wire = orders.order_wire(session, order)
    return render_template("shop_console/order.html", order=wire, timezone=TIMEZONE)


@bp.route("/orders/<int:order_id>/packing-slip")
@page_login_required(*MANAGERS)
def packing_slip(order_id: int):
    session = db()
    order = orders.order_for(session, min(order_id, ID_MAX))
    customer = session.get(User, order.customer_id)
    return render_template("shop_console/packing_slip.html", order=orders.order_wire(session, order, False),
                           customer=customer, timezone=TIMEZONE)


@bp.route("/orders/<int:order_id>/ship", methods=["POST"])
@page_login_required(*MANAGERS)
def ship(order_id: int):
    session = db()
    try:
        orders.ship(session, min(order_id, ID_MAX), actor())
    except ComptoirError as exc:
        session.rollback()
        flash(translate(exc.message), "error")
    else:
        session.commit()
        flash(translate(_("Order %(id)s shipped.", id=order_id)))
    return redirect(url_for("shop_console.order_detail", order_id=order_id))


@bp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@page_login_required(*MANAGERS)
def cancel(order_id: int):
    session = db()
    try:
        saga = orders.reopen_for_cancel(session, min(order_id, ID_MAX), actor())
    except ComptoirError as exc:
        session.rollback()
        flash(translate(exc.message), "error")
    else:
        session.commit()
        state = runner().drive(saga.id) if saga is not None else "compensated"
        if state == "compensated":
            flash(translate(_("Order %(id)s cancelled: payment refunded, stock released.", id=order_id)))
        else:
            # The refund or the release must wait (the provider did not answer, or another process
            # holds the saga): say so rather than announce money that has not moved yet.
            flash(translate(_("Order %(id)s is being cancelled: the refund will be retried; its steps "
                              "are on this page.", id=order_id)), "error")
    return redirect(url_for("shop_console.order_detail", order_id=order_id))


@bp.route("/sagas")
@page_login_required(*MANAGERS)
def sagas():
    state = request.args.get("state", "all")
    if state not in (*SAGA_STATES, "all"):
        state = "all"
    session = db()
    listed = orders.list_sagas(session, None if state == "all" else state)
    found = [orders.saga_wire(session, s) for s in listed]
    return render_template("shop_console/sagas.html", sagas=found, state=state, states=SAGA_STATES,
                           counts=orders.saga_counts(session), timezone=TIMEZONE)


@bp.route("/sagas/<int:saga_id>")
@page_login_required(*MANAGERS)
def saga_detail(saga_id: int):
    found = db().get(Saga, min(saga_id, ID_MAX))
    if found is None:
        raise NotFound(_("No saga %(id)s.", id=saga_id))
    return redirect(url_for("shop_console.order_detail", order_id=found.order_id))
