"""Console pages of reports: the managers' dashboard (the console's home) and the
consolidated sales report with its CSV."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import get_locale, gettext

from common.errors import ComptoirError

from ..auth.guard import MANAGERS, page_login_required
from ..console.helpers import period_args
from ..replenishment.queries import pending_replenishments
from ..stores.operations import list_stores
from ..web import csv_download, report_db
from . import queries
from .charts import bar_chart, column_chart
from .dashboard import dashboard as build_dashboard
from .dashboard import parked_events
from .views import with_replica_lag

bp = Blueprint("reports_console", __name__)


def dashboard_page():
    data = with_replica_lag(build_dashboard(report_db()))
    stores = data["stores"]
    days = [d["date"] for d in stores[0]["daily"]] if stores else []
    per_day = column_chart(
        days,
        [(s["code"], [d["revenue_cents"] for d in s["daily"]]) for s in stores],
        gettext("Revenue per day and store, last 30 business days (tax excluded, net of returns)"),
        locale=str(get_locale()),
        day_label=gettext("day"),
    )
    per_store = bar_chart(
        [(f"{s['code']} {s['name']}", s["revenue_30d_cents"]) for s in stores],
        gettext("Revenue per store, last 30 business days"),
        locale=str(get_locale()),
    )
    totals = {
        key: sum(s[key] for s in stores)
        for key in (
            "revenue_today_cents",
            "revenue_7d_cents",
            "revenue_30d_cents",
            "sales_count_today",
            "stock_outs_count",
            "out_of_stock_count",
            "low_stock_count",
            "overstock_count",
        )
    }
    return render_template(
        "console/dashboard.html",
        data=data,
        stores=stores,
        totals=totals,
        pending=pending_replenishments(report_db()),
        per_day_chart=per_day,
        per_store_chart=per_store,
        parked=parked_events(report_db()),
    )


@bp.route("/reports")
@page_login_required(*MANAGERS)
def reports():
    session = report_db()
    stores = list_stores(session)
    start_text, end_text, store_text = period_args(stores)
    report, error, chart, per_day, status = None, None, None, [], 200
    try:
        start, end = queries.parse_range(start_text, end_text)
        store = queries.parse_store(session, store_text)
        report = queries.sales_report(session, start, end, store)
        per_day = queries.days_table(queries.sales_days(session, start, end, store))
        chart = column_chart(
            [d["date"] for d in report["days"]],
            [(gettext("Revenue"), [d["revenue_cents"] for d in report["days"]])],
            gettext("Revenue per business day, %(start)s to %(end)s", start=start, end=end),
            locale=str(get_locale()),
            day_label=gettext("day"),
        )
    except ComptoirError as exc:
        error, status = exc.message, exc.status
    return render_template(
        "console/reports.html",
        report=report,
        per_day=per_day,
        error=error,
        chart=chart,
        stores=stores,
        start=start_text,
        end=end_text,
        store=store_text,
    ), status


@bp.route("/reports/sales.csv")
@page_login_required(*MANAGERS)
def reports_csv():
    session = report_db()
    start, end = queries.parse_range(request.args.get("from"), request.args.get("to"))
    store = queries.parse_store(session, request.args.get("store"))
    by_day = request.args.get("by") == "day"
    name = (("sales_by_day_" if by_day else "sales_") + f"{start}_{end}"
            + (f"_{store.code}" if store else "") + ".csv")
    body = (queries.sales_days_csv if by_day else queries.sales_csv)(session, start, end, store)
    return csv_download(body, name)
