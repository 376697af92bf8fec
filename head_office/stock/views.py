"""Stock API: ``/api/v1/central-stock`` (read by everyone signed in, written by managers)
and ``/api/v1/stores/<id>/stock`` (store staff: their own store only)."""

from __future__ import annotations

from flask_smorest import Blueprint

from common.errors import Forbidden
from common.i18n import _
from common.limits import INT32_MAX
from common.schemas import error_responses

from ..auth.guard import MANAGERS, api_user, roles_required
from ..web import db, json_response, read_db
from . import operations, queries
from .schemas import (
    AdjustmentArgs,
    CentralStockArgs,
    CentralStockSchema,
    LevelsSchema,
    ReceiptArgs,
    StoreStockArgs,
    StoreStockSchema,
)

blp = Blueprint("central_stock", __name__, url_prefix="/api/v1", description="Central and store stock")


@blp.route("/central-stock")
@roles_required()
@blp.arguments(CentralStockArgs, location="query")
@blp.response(200, CentralStockSchema)
@error_responses(blp, 401)
def central_stock(args):
    """Warehouse buckets per product with each store's on hand, low and overstock marks."""
    rows = queries.central_stock_rows(read_db(), q=args.get("q"), category=args.get("category"))
    return json_response(rows)


@blp.route("/central-stock/receipts", methods=["POST"])
@roles_required(*MANAGERS)
@blp.arguments(ReceiptArgs)
@blp.response(201, LevelsSchema)
@error_responses(blp, 401, 403, 404, 409)
def receipt(args):
    """Goods from a supplier: on hand grows (ledger ``supplier_receipt``)."""
    session = db()
    levels = operations.receive_from_supplier(
        session, args["sku"], args["qty"], api_user().username, note=args.get("note", "")
    )
    session.commit()
    return levels.wire()


@blp.route("/central-stock/adjustments", methods=["POST"])
@roles_required(*MANAGERS)
@blp.arguments(AdjustmentArgs)
@blp.response(201, LevelsSchema)
@error_responses(blp, 401, 403, 404, 409)
def adjustment(args):
    """Correct on hand by ``delta`` with a reason; never below zero nor below what is reserved."""
    session = db()
    levels = operations.adjust_central(
        session, args["sku"], args["delta"], args["reason"], api_user().username
    )
    session.commit()
    return levels.wire()


@blp.route(f"/stores/<int(max={INT32_MAX}):store_id>/stock")
@roles_required()
@blp.arguments(StoreStockArgs, location="query")
@blp.response(200, StoreStockSchema)
@error_responses(blp, 401, 403, 404)
def store_stock(args, store_id: int):
    """A store's on hand as head office knows it. Store staff may read only their own store."""
    user = api_user()
    if user.role not in MANAGERS and user.store_id != store_id:
        raise Forbidden(_("You may only see the stock of your own store (store %(store_id)s).",
                          store_id=user.store_id))
    return json_response(queries.store_stock_rows(read_db(), store_id, q=args.get("q")))
