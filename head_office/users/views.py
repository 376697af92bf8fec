"""``GET /api/v1/users`` (managers and admins)."""

from __future__ import annotations

from flask_smorest import Blueprint

from common.schemas import error_responses

from ..auth.guard import roles_required
from ..web import db
from .operations import list_users
from .schemas import UserListSchema

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Users")


@blp.route("")
@roles_required("manager", "admin")
@blp.response(200, UserListSchema)
@error_responses(blp, 401, 403)
def users():
    return {"items": list_users(db())}
