"""Console pages of replenishment: the list by status and store, create, approve, reject, ship."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for

from common.i18n import _

from ..auth.guard import MANAGERS, page_login_required
from ..console.helpers import actor, form_action, int_field, required_int
from ..models import STATUSES, Product
from ..reports.queries import parse_store
from ..stores.operations import list_stores
from ..web import db
from . import operations as rep_ops
from .queries import list_replenishments, status_counts

bp = Blueprint("replenishment_console", __name__)


@bp.route("/replenishments")
@page_login_required(*MANAGERS)
def replenishments():
    status = request.args.get("status", "requested")
    if status not in (*STATUSES, "all"):
        status = "requested"
    # A store that does not exist is a 404 page, not an empty list that looks like "nothing asked".
    store = parse_store(db(), request.args.get("store", ""))
    store_id = store.id if store is not None else None
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
    return request.form.get("back") or url_for("replenishment_console.replenishments")


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

    return form_action(act, url_for("replenishment_console.replenishments", status="requested"))


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
