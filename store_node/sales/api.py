"""``/api/v1/sales``: record a sale, list a business day's sales, read one."""

from __future__ import annotations

from typing import Any

from flask import Response, g, make_response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from common.clock import business_date, utcnow
from common.errors import Forbidden
from common.i18n import _
from common.schemas import error_responses
from common.web.i18n import language

from ..auth.guard import api_auth
from ..auth.operations import Staff, check_credentials
from ..node import current_node, get_db, store_settings
from ..schemas import DateArgs
from .operations import find_sale, record_sale, sales_of_day
from .schemas import SaleArgs, SaleListSchema, SaleSchema

blp = Blueprint("sales", __name__, url_prefix="/api/v1/sales", description="Sales")


def check_approver(credentials: dict[str, Any] | None) -> Staff | None:
    """A store manager's credentials given for a discount beyond the cashier's limit."""
    if not credentials:
        return None
    node = current_node()
    approver = check_credentials(
        get_db(), credentials["username"], credentials["password"], store_settings().store_id,
        node.throttle, request.remote_addr,
    )
    if not approver.at_least("store_manager"):
        raise Forbidden(
            _(
                "%(username)s is not a store manager and cannot approve a discount.",
                username=approver.username,
            ),
            code="approval_refused",
        )
    return approver


def today() -> str:
    return business_date(utcnow(), store_settings().timezone).isoformat()


@blp.route("")
class Sales(MethodView):
    @api_auth()
    @blp.arguments(SaleArgs())  # an instance: webargs would build one per request from a class
    @blp.response(201, SaleSchema)
    @blp.doc(responses={201: {"links": {
        "GetSale": {
            "operationRef": "#/paths/~1api~1v1~1sales~1{ref}/get",
            "parameters": {"path.ref": "$response.body#/receipt_number"},
            "description": "The sale just recorded, by its receipt number.",
        },
        "ReturnSale": {
            "operationRef": "#/paths/~1api~1v1~1returns/post",
            "requestBody": {
                "receipt_number": "$response.body#/receipt_number",
                "lines": [{"line_no": 1, "qty": 1}],
            },
            "description": "Return one unit of the sale's first line.",
        },
    }}})
    @error_responses(blp, 401, 403, 404, 409, 429)
    def post(self, args: dict[str, Any]) -> Response:
        """Record a sale (one transaction: lines, payments, stock, outbox event)."""
        approver = check_approver(args.get("approver"))
        settings = store_settings()
        sale = record_sale(get_db(), current_node().rules(settings), g.staff, args["lines"],
                           args["payments"], approver, register=args.get("register"),
                           language=language())
        # The operation already returns exactly SaleSchema's fields: sending it as is
        # spares the till a second pass through marshmallow on the hot path.
        return make_response(sale, 201)

    @api_auth()
    @blp.arguments(DateArgs, location="query")
    @blp.response(200, SaleListSchema)
    @error_responses(blp, 401, 403)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The store's sales of a business date (default: today)."""
        day = args["date"].isoformat() if args.get("date") else today()
        return {"business_date": day, "items": sales_of_day(get_db(), day)}


@blp.route("/<ref>")
class SaleByRef(MethodView):
    @api_auth()
    @blp.response(200, SaleSchema)
    @error_responses(blp, 401, 403, 404)
    def get(self, ref: str) -> dict[str, Any]:
        """One sale, by id or receipt number."""
        return find_sale(get_db(), ref)
