"""``/api/v1/reports/daily``: the store's own totals for a business date."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from common.clock import business_date, utcnow
from common.schemas import error_responses

from ..auth.guard import api_auth
from ..node import get_db, store_settings
from ..schemas import DateArgs
from .queries import daily

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="Reports")


class DailySchema(Schema):
    store_id = fields.Integer()
    business_date = fields.String()
    revenue_cents = fields.Integer()
    tax_cents = fields.Integer()
    sales_count = fields.Integer()
    units = fields.Integer()
    returns_cents = fields.Integer()
    returns_count = fields.Integer()
    gross_sales_cents = fields.Integer()
    avg_basket_cents = fields.Integer()


@blp.route("/daily")
class Daily(MethodView):
    @api_auth("store_manager")
    @blp.arguments(DateArgs, location="query")
    @blp.response(200, DailySchema)
    @error_responses(blp, 401, 403)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Revenue (net of tax and returns), tax, sales, units, returns of a business date
        (store managers and managers; a cashier gets 403)."""
        settings = store_settings()
        day = args.get("date") or business_date(utcnow(), settings.timezone)
        return daily(get_db(), settings.store_id, day.isoformat())
