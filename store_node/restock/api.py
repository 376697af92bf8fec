"""``/api/v1/restock-requests``: ask head office for goods, confirm what arrived."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from common.schemas import error_responses

from ..auth.guard import api_auth
from ..node import get_db, store_settings
from . import operations
from .schemas import ReceiveArgs, RestockArgs, RestockListSchema, RestockQueryArgs, RestockSchema

blp = Blueprint("restock", __name__, url_prefix="/api/v1/restock-requests",
                description="Restock requests")


@blp.route("")
class Requests(MethodView):
    @api_auth()
    @blp.arguments(RestockArgs)
    @blp.response(201, RestockSchema)
    @error_responses(blp, 401, 403, 404)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Ask head office for ``qty`` units of a product (1 to 100,000)."""
        return operations.create_request(get_db(), store_settings(), g.staff, args["sku"],
                                         args["qty"])

    @api_auth()
    @blp.arguments(RestockQueryArgs, location="query")
    @blp.response(200, RestockListSchema)
    @error_responses(blp, 401, 403)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Requests with their status, newest first."""
        return {"items": operations.list_requests(get_db(), args.get("status"))}


@blp.route("/<request_id>")
class RequestById(MethodView):
    @api_auth()
    @blp.response(200, RestockSchema)
    @error_responses(blp, 401, 403, 404)
    def get(self, request_id: str) -> dict[str, Any]:
        return operations.get_request(get_db(), request_id)


@blp.route("/<request_id>/receive")
class Receive(MethodView):
    @api_auth()
    @blp.arguments(ReceiveArgs)
    @blp.response(200, RestockSchema)
    @error_responses(blp, 401, 403, 404, 409)
    def post(self, args: dict[str, Any], request_id: str) -> dict[str, Any]:
        """Confirm what arrived of a shipped request (stock goes up by ``qty``)."""
        return operations.receive(get_db(), store_settings(), g.staff, request_id, args["qty"])
