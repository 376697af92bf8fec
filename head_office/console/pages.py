"""Manager console pages: dashboard, consolidated report (with its CSV), domain model."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, render_template, request

from common.clock import business_date, utcnow
from common.errors import ComptoirError

from ..auth.guard import MANAGERS, page_login_required
from ..diagram import mermaid, svg
from ..reports import queries
from ..reports.charts import bar_chart, column_chart
from ..reports.dashboard import dashboard as build_dashboard
from ..reports.dashboard import parked_events
from ..reports.views import with_replica_lag
from ..stores.operations import list_stores
from ..web import report_db
from .views import bp


def pending_replenishments(session) -> dict[tuple[int, str], dict]:
    """Replenishments not yet received or rejected, by (store, SKU): the dashboard shows them
    instead of offering a second request."""
    from sqlalchemy import select

    from ..models import Product, Replenishment

    rows = session.execute(
        select(Replenishment.id, Replenishment.store_id, Product.sku, Replenishment.status,
               Replenishment.qty_requested)
        .join(Product, Product.id == Replenishment.product_id)
        .where(Replenishment.status.in_(("requested", "approved", "shipped")))
        .order_by(Replenishment.id)
    )
    return {(store_id, sku): {"id": rep_id, "status": status, "qty": qty}
            for rep_id, store_id, sku, status, qty in rows}


def dashboard_page():
    data = with_replica_lag(build_dashboard(report_db()))
    stores = data["stores"]
    days = [d["date"] for d in stores[0]["daily"]] if stores else []
    per_day = column_chart(
        days,
        [(s["code"], [d["revenue_cents"] for d in s["daily"]]) for s in stores],
        "Revenue per day and store, last 30 business days (tax excluded, net of returns)",
    )
    per_store = bar_chart(
        [(f"{s['code']} {s['name']}", s["revenue_30d_cents"]) for s in stores],
        "Revenue per store, last 30 business days",
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
    today = business_date(utcnow(), stores[0].timezone if stores else "America/Montreal")
    start_text = request.args.get("from") or (today - timedelta(days=6)).isoformat()
    end_text = request.args.get("to") or today.isoformat()
    store_text = request.args.get("store", "")
    report, error, chart, per_day = None, None, None, []
    try:
        start, end = queries.parse_range(start_text, end_text)
        store = queries.parse_store(session, store_text)
        report = queries.sales_report(session, start, end, store)
        per_day = queries.days_table(queries.sales_days(session, start, end, store))
        chart = column_chart(
            [d["date"] for d in report["days"]],
            [("Revenue", [d["revenue_cents"] for d in report["days"]])],
            f"Revenue per business day, {start} to {end}",
        )
    except ComptoirError as exc:
        error = exc.message
    status = 400 if error else 200
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
    return Response(
        body.encode("utf-8"),
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


@bp.route("/domain")
@page_login_required(*MANAGERS)
def domain():
    return render_template("console/domain.html", diagram=svg(), mermaid_text=mermaid())


@bp.route("/domain.svg")
@page_login_required(*MANAGERS)
def domain_svg():
    return Response(
        svg(),
        mimetype="image/svg+xml",
        headers={"Content-Disposition": 'attachment; filename="comptoir-domain.svg"'},
    )


@bp.route("/domain.mmd")
@page_login_required(*MANAGERS)
def domain_mermaid():
    return Response(
        mermaid(),
        mimetype="text/plain",
        headers={"Content-Disposition": 'attachment; filename="comptoir-domain.mmd"'},
    )


@bp.route("/shifts")
@page_login_required(*MANAGERS)
def shifts():
    """Every store's cashier shifts by business day, with counted cash and over or short."""
    from ..shifts.queries import list_shifts

    session = report_db()
    stores = list_stores(session)
    today = business_date(utcnow(), stores[0].timezone if stores else "America/Montreal")
    start_text = request.args.get("from") or (today - timedelta(days=6)).isoformat()
    end_text = request.args.get("to") or today.isoformat()
    store_text = request.args.get("store", "")
    items, error = [], None
    try:
        start, end = queries.parse_range(start_text, end_text)
        store = queries.parse_store(session, store_text)
        items = list_shifts(session, store.id if store else None, start, end)
    except ComptoirError as exc:
        error = exc.message
    days: dict[tuple[str, int], dict] = {}
    for shift in items:
        key = (shift["business_date"] or "", shift["store_id"])
        group = days.setdefault(key, {"date": key[0], "store_code": shift["store_code"],
                                      "store_name": shift["store_name"], "shifts": [],
                                      "over_short_cents": 0})
        group["shifts"].append(shift)
        group["over_short_cents"] += shift["over_short_cents"] or 0
    return render_template(
        "console/shifts.html", groups=list(days.values()), error=error, stores=stores,
        start=start_text, end=end_text, store=store_text,
    ), 400 if error else 200
