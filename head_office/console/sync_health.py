"""The console's sync-health page: each store's last 24 hours, from head office's own records."""

from __future__ import annotations

from flask import render_template

from ..auth.guard import MANAGERS, page_login_required
from ..sync_api.health import last_24_hours, local_hours
from ..web import db
from .views import bp


@bp.route("/sync-health")
@page_login_required(*MANAGERS)
def sync_health():
    hours, stores = last_24_hours(db())
    timezone = "America/Montreal"
    from ..models import Store

    first = db().get(Store, stores[0].store_id) if stores else None
    if first is not None:
        timezone = first.timezone
    return render_template(
        "console/sync_health.html",
        stores=stores,
        hour_labels=local_hours(hours, timezone),
        timezone=timezone,
    )
