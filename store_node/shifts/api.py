"""``/api/v1/shifts``: open a shift, cash in and out, the X report, close with a count (Z report)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from common.schemas import error_responses

from ..auth.guard import api_auth
from ..node import current_node, get_db, store_settings
from . import operations as ops
from .schemas import (
    CashMovementArgs,
    CashMovementSchema,
    CloseShiftArgs,
    OpenShiftArgs,
    ShiftListArgs,
    ShiftListSchema,
    ShiftReportSchema,
    ShiftSchema,
)

blp = Blueprint("shifts", __name__, url_prefix="/api/v1/shifts", description="Registers and shifts")


@blp.route("")
class Shifts(MethodView):
    @api_auth()
    @blp.arguments(OpenShiftArgs)
    @blp.response(201, ShiftSchema)
    @error_responses(blp, 401, 403, 409, 422)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Open a shift on a register with a counted float (409 ``shift_already_open``)."""
        register = ops.check_register(args["register"], current_node().registers)
        return ops.open_shift(get_db(), store_settings(), g.staff, register,
                              args["opening_float_cents"], args.get("counts"))

    @api_auth()
    @blp.arguments(ShiftListArgs, location="query")
    @blp.response(200, ShiftListSchema)
    @error_responses(blp, 401, 403)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The store's shifts, newest first (``status``: open or closed; ``date``: business date)."""
        day = args["date"].isoformat() if args.get("date") else None
        return {"items": ops.list_shifts(get_db(), args.get("status"), day)}


@blp.route("/<shift_id>/cash-movements")
class CashMovements(MethodView):
    @api_auth()
    @blp.arguments(CashMovementArgs)
    @blp.response(201, CashMovementSchema)
    @error_responses(blp, 401, 403, 404, 409, 422)
    def post(self, args: dict[str, Any], shift_id: str) -> dict[str, Any]:
        """Cash paid into (``in``) or out of (``out``) the drawer, with its reason."""
        return ops.add_cash_movement(get_db(), store_settings(), g.staff, shift_id, args["kind"],
                                     args["amount_cents"], args["reason"])


@blp.route("/<shift_id>/report")
class ShiftReport(MethodView):
    @api_auth()
    @blp.response(200, ShiftReportSchema)
    @error_responses(blp, 401, 403, 404)
    def get(self, shift_id: str) -> dict[str, Any]:
        """The X report (the Z report's figures so far); a closed shift's Z report."""
        return ops.x_report(get_db(), shift_id)


@blp.route("/<shift_id>/close")
class CloseShift(MethodView):
    @api_auth()
    @blp.arguments(CloseShiftArgs)
    @blp.response(200, ShiftReportSchema)
    @error_responses(blp, 401, 403, 404, 409, 422)
    def post(self, args: dict[str, Any], shift_id: str) -> dict[str, Any]:
        """Close the shift with the counted drawer: the Z report, over or short."""
        return ops.close_shift(get_db(), store_settings(), g.staff, shift_id,
                               args.get("counted_cash_cents"), args.get("counts"))
