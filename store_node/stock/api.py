"""``/api/v1/stock`` and ``/api/v1/central-stock``."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from common.schemas import error_responses

from ..auth.guard import api_auth
from ..node import get_db, store_settings
from . import operations
from .schemas import (
    AdjustmentArgs,
    AdjustmentSchema,
    CentralStockSchema,
    StockListSchema,
    StockQueryArgs,
)

blp = Blueprint("stock", __name__, url_prefix="/api/v1", description="Local and central stock")


@blp.route("/stock")
class Stock(MethodView):
    @api_auth()
    @blp.arguments(StockQueryArgs, location="query")
    @blp.response(200, StockListSchema)
    @error_responses(blp, 401, 403)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Local stock with reorder warnings (``low``)."""
        return {"items": operations.list_stock(get_db(), args.get("q"), args.get("low", False))}


@blp.route("/stock/adjustments")
class Adjustments(MethodView):
    @api_auth("store_manager")
    @blp.arguments(AdjustmentArgs)
    @blp.response(201, AdjustmentSchema)
    @error_responses(blp, 401, 403, 404)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """A count (``counted``) or an adjustment (``delta`` + ``reason``); store manager+."""
        if "counted" in args:
            return operations.count(get_db(), store_settings(), g.staff, args["sku"],
                                    args["counted"])
        return operations.adjust(get_db(), store_settings(), g.staff, args["sku"],
                                 args["delta"], args["reason"])


@blp.route("/central-stock")
class CentralStock(MethodView):
    @api_auth()
    @blp.response(200, CentralStockSchema)
    @error_responses(blp, 401, 403)
    def get(self) -> dict[str, Any]:
        """The last central-stock snapshot received from head office, with its ``as_of``."""
        return operations.central_stock(get_db())
