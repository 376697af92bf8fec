"""``/api/v1/sync/status``: the outbox queue and the last sync outcome."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from common.schemas import error_responses

from ..auth.guard import api_auth
from ..node import get_db
from . import outbox

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync", description="Sync state")


class SyncStatusSchema(Schema):
    online = fields.Boolean()
    pending_events = fields.Integer()
    oldest_pending_at = fields.String(allow_none=True)
    oldest_pending_age_s = fields.Integer(allow_none=True)
    last_push_at = fields.String(allow_none=True)
    last_pull_at = fields.String(allow_none=True)
    last_error = fields.String(allow_none=True)


@blp.route("/status")
class SyncStatus(MethodView):
    @api_auth()
    @blp.response(200, SyncStatusSchema)
    @error_responses(blp, 401, 403)
    def get(self) -> dict[str, Any]:
        """Online or not, events waiting to be pushed and the age of the oldest."""
        return outbox.status(get_db())
