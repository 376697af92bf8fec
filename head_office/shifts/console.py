"""Console page of cashier shifts: every store's shifts by business day, over or short."""

from __future__ import annotations

from flask import Blueprint, render_template

from common.errors import ComptoirError

from ..auth.guard import MANAGERS, page_login_required
from ..console.helpers import period_args
from ..reports import queries
from ..stores.operations import list_stores
from ..web import report_db
from .queries import list_shifts

bp = Blueprint("shifts_console", __name__)


@bp.route("/shifts")
@page_login_required(*MANAGERS)
def shifts():
    """Every store's cashier shifts by business day, with counted cash and over or short."""
    session = report_db()
    stores = list_stores(session)
    start_text, end_text, store_text = period_args(stores)
    items, error, status = [], None, 200
    try:
        start, end = queries.parse_range(start_text, end_text)
        store = queries.parse_store(session, store_text)
        items = list_shifts(session, store.id if store else None, start, end)
    except ComptoirError as exc:
        error, status = exc.message, exc.status
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
    ), status
