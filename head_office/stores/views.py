"""``GET /api/v1/stores``."""

from __future__ import annotations

from flask_smorest import Blueprint

from common.schemas import error_responses

from ..auth.guard import roles_required
from ..web import db
from .operations import list_stores
from .schemas import StoreListSchema

blp = Blueprint("stores", __name__, url_prefix="/api/v1/stores", description="Stores")


@blp.route("")
@roles_required("manager", "admin")
@blp.response(200, StoreListSchema)
@error_responses(blp, 401, 403)
def stores():
    """Every store of the chain."""
    return {"items": list_stores(db())}
