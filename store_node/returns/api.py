"""``/api/v1/returns``: return goods from a sale."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from common.schemas import error_responses

from ..auth.guard import api_auth
from ..node import current_node, get_db, store_settings
from .operations import find_return, record_return
from .schemas import ReturnArgs, ReturnSchema

blp = Blueprint("returns", __name__, url_prefix="/api/v1/returns", description="Returns")


@blp.route("")
class Returns(MethodView):
    @api_auth()
    @blp.arguments(ReturnArgs)
    @blp.response(201, ReturnSchema)
    @error_responses(blp, 401, 403, 404, 409)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Return some or all of a sale's lines.

        The refund goes back in the tender named, else as the sale was paid (card first);
        cash is rounded to 5 cents.
        """
        node = current_node()
        return record_return(get_db(), store_settings(), g.staff, args["lines"],
                             sale_id=args.get("sale_id"),
                             receipt_number=args.get("receipt_number"),
                             register=args.get("register"), reason=args.get("reason"),
                             require_shift=node.require_shift, registers=node.registers,
                             tender=args.get("tender"))


@blp.route("/<return_id>")
class ReturnById(MethodView):
    @api_auth()
    @blp.response(200, ReturnSchema)
    @error_responses(blp, 401, 403, 404)
    def get(self, return_id: str) -> dict[str, Any]:
        """One return."""
        return find_return(get_db(), return_id)
