"""Reports API (managers): ``GET /api/v1/reports/sales``, ``/reports/sales.csv``, ``/dashboard``."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from common.schemas import error_responses

from ..auth.guard import MANAGERS, roles_required
from ..web import csv_download, replica_lag_s, report_db
from . import queries
from .dashboard import dashboard as build_dashboard
from .schemas import DashboardSchema, SalesReportArgs, SalesReportSchema

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Reports and dashboard")


def _arguments():
    session = report_db()
    start, end = queries.parse_range(request.args.get("from"), request.args.get("to"))
    store = queries.parse_store(session, request.args.get("store"))
    return session, start, end, store


@blp.route("/reports/sales")
@roles_required(*MANAGERS)
@blp.doc(parameters=[{"in": "query", "schema": SalesReportArgs}])
@blp.response(200, SalesReportSchema)
@error_responses(blp, 400, 401, 403, 404)
def sales_report():
    """Per store (every store, zeros included, unless ``store`` is given) and per day, over
    business dates ``from``..``to`` (both included, at most 366 days)."""
    session, start, end, store = _arguments()
    return queries.sales_report(session, start, end, store)


@blp.route("/reports/sales.csv")
@roles_required(*MANAGERS)
@blp.doc(parameters=[{"in": "query", "schema": SalesReportArgs}])
@blp.response(
    200, {"type": "string"}, content_type="text/csv", description="CSV, one row per store and product"
)
@error_responses(blp, 400, 401, 403, 404)
def sales_report_csv():
    """The same range as a CSV file: one row per store and product."""
    session, start, end, store = _arguments()
    body = queries.sales_csv(session, start, end, store)
    name = f"sales_{start}_{end}" + (f"_{store.code}" if store else "") + ".csv"
    return csv_download(body, name)


@blp.route("/reports/sales-by-day.csv")
@roles_required(*MANAGERS)
@blp.doc(parameters=[{"in": "query", "schema": SalesReportArgs}])
@blp.response(
    200, {"type": "string"}, content_type="text/csv",
    description="CSV, one row per business day and store, with the taxes collected, refunded and net",
)
@error_responses(blp, 400, 401, 403, 404)
def sales_by_day_csv():
    """The same range as a CSV file: one row per business day and store, with tax columns."""
    session, start, end, store = _arguments()
    body = queries.sales_days_csv(session, start, end, store)
    name = f"sales_by_day_{start}_{end}" + (f"_{store.code}" if store else "") + ".csv"
    return csv_download(body, name)


@blp.route("/dashboard")
@roles_required(*MANAGERS)
@blp.response(200, DashboardSchema)
@error_responses(blp, 401, 403)
def dashboard():
    """Every store: revenue today / 7 / 30 business days, sales, stock alerts, sync health."""
    return with_replica_lag(build_dashboard(report_db()))


def with_replica_lag(data: dict) -> dict:
    """Read from a replica, the dashboard says how far behind the primary it may be."""
    lag = replica_lag_s()
    if lag is not None:
        data["replica_lag_s"] = lag
    return data
