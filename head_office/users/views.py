"""``GET /api/v1/users`` (managers and admins)."""

from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import select

from common.schemas import error_responses

from ..auth.guard import roles_required
from ..models import CUSTOMER, User
from ..web import json_response, read_db
from .schemas import UserListSchema

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Users")


# Built once: a statement made per request costs more Python than its round trip.
# Staff only: online shop customers are users too, but not the chain's people.
_USERS = (
    select(User.id, User.username, User.full_name, User.role, User.store_id, User.active)
    .where(User.role != CUSTOMER)
    .order_by(User.username)
)


@blp.route("")
@roles_required("manager", "admin")
@blp.response(200, UserListSchema)
@error_responses(blp, 401, 403)
def users():
    rows = read_db().execute(_USERS).mappings()
    return json_response({"items": [dict(row) for row in rows]})
