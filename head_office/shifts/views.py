"""``GET /api/v1/shifts?store=&from=&to=``: every store's shifts and their over or short."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from common.errors import NotFound
from common.i18n import _
from common.schemas import Id, error_responses

from ..auth.guard import roles_required
from ..models import Store
from ..web import db
from .queries import list_shifts

blp = Blueprint("shifts", __name__, url_prefix="/api/v1/shifts", description="Cashier shifts")


class ShiftArgs(Schema):
    store = Id(load_default=None)
    start = fields.Date(data_key="from", load_default=None, metadata={"description": "business date"})
    end = fields.Date(data_key="to", load_default=None, metadata={"description": "business date"})


class ShiftSchema(Schema):
    id = fields.String()
    store_id = fields.Integer()
    register = fields.String()
    cashier = fields.String()
    business_date = fields.String(allow_none=True)
    opened_at = fields.String()
    closed_at = fields.String(allow_none=True)
    opening_float_cents = fields.Integer()
    cash_in_cents = fields.Integer()
    cash_out_cents = fields.Integer()
    cash_expected_cents = fields.Integer(allow_none=True)
    cash_counted_cents = fields.Integer(allow_none=True)
    over_short_cents = fields.Integer(allow_none=True)


class ShiftListSchema(Schema):
    items = fields.List(fields.Nested(ShiftSchema))


@blp.route("")
@roles_required("manager", "admin")
@blp.arguments(ShiftArgs, location="query")
@blp.response(200, ShiftListSchema)
@error_responses(blp, 401, 403, 404, 422)
def shifts(args: dict[str, Any]) -> dict[str, Any]:
    """Shifts of every store (or one), by business date, with counted cash and over or short."""
    session = db()
    store_id = args.get("store")
    if store_id is not None and session.get(Store, store_id) is None:
        raise NotFound(_("No store %(store_id)s.", store_id=store_id), code="unknown_store",
                       errors={"store": [_("No store %(store_id)s.", store_id=store_id)]})
    return {"items": list_shifts(session, store_id, args.get("start"), args.get("end"))}
