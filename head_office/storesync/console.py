"""The console's sync-health page: each store's last 24 hours, from head office's own records."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..auth.guard import MANAGERS, page_login_required
from ..models import Store
from ..web import db
from .health import last_24_hours, local_hours

bp = Blueprint("sync_console", __name__)


@bp.route("/sync-health")
@page_login_required(*MANAGERS)
def sync_health():
    hours, stores = last_24_hours(db())
    timezone = "America/Montreal"
    first = db().get(Store, stores[0].store_id) if stores else None
    if first is not None:
        timezone = first.timezone
    return render_template(
        "console/sync_health.html",
        stores=stores,
        hour_labels=local_hours(hours, timezone),
        timezone=timezone,
    )
