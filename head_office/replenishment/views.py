"""Replenishment API (managers): list, create, approve, reject, ship."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint
from marshmallow import ValidationError

from common.errors import BadRequest, NotFound, ValidationFailed
from common.i18n import _
from common.limits import INT32_MAX
from common.schemas import error_responses

from ..auth.guard import MANAGERS, api_user, roles_required
from ..models import Store
from ..web import db
from . import operations, queries
from .schemas import (
    ApproveArgs,
    CreateArgs,
    RejectArgs,
    ReplenishmentListSchema,
    ReplenishmentQueryArgs,
    ReplenishmentSchema,
)

blp = Blueprint("replenishments", __name__, url_prefix="/api/v1/replenishments", description="Replenishment")


def _answer(rep_id: int) -> dict:
    return queries.list_replenishments(db(), replenishment_id=rep_id)[0]


def _optional_json(schema_cls: type) -> dict:
    """Bodies that may be empty (approve in full, ship): {} or no body at all."""
    if not request.get_data(cache=True):
        return {}
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest(_("The request body is not valid JSON."), code="malformed_json")
    try:
        return schema_cls().load(data)
    except ValidationError as exc:
        raise ValidationFailed(_("Invalid input."), errors=exc.normalized_messages()) from exc


@blp.route("")
@roles_required(*MANAGERS)
@blp.arguments(ReplenishmentQueryArgs, location="query")
@blp.response(200, ReplenishmentListSchema)
@error_responses(blp, 400, 401, 403, 404)
def list_replenishments(args):
    """Replenishments, newest first, with the store's on hand, units sold over 7 days and history."""
    session = db()
    store_id = args.get("store")
    if store_id is not None and session.get(Store, store_id) is None:
        raise NotFound(
            _("No store %(store_id)s.", store_id=store_id), code="unknown_store",
            errors={"store": [f"No store {store_id}."]},
        )
    items = queries.list_replenishments(session, args.get("status"), store_id, args["limit"])
    return {"items": items}


@blp.route("", methods=["POST"])
@roles_required(*MANAGERS)
@blp.arguments(CreateArgs)
@blp.response(201, ReplenishmentSchema)
@error_responses(blp, 401, 403, 404)
def create(args):
    """A manager's own replenishment for a store (then approve and ship it)."""
    session = db()
    rep = operations.create_replenishment(
        session, args["store_id"], args["sku"], args["qty"], api_user().username, note=args.get("note", "")
    )
    session.commit()
    return _answer(rep.id)


@blp.route(f"/<int(max={INT32_MAX}):rep_id>/approve", methods=["POST"])
@roles_required(*MANAGERS)
@blp.doc(requestBody={
    "required": False,
    "content": {"application/json": {"schema": ApproveArgs}},
    "description": "nothing or {} to approve in full; {\"qty\": n} to approve n units",
})
@blp.response(200, ReplenishmentSchema)
@error_responses(blp, 401, 403, 404, 409)
def approve(rep_id: int):
    """Approve in full (no body, or ``{}``) or in part (``{"qty": n}``), reserving central stock."""
    args = _optional_json(ApproveArgs)
    session = db()
    operations.approve(session, rep_id, api_user().username, qty=args.get("qty"))
    session.commit()
    return _answer(rep_id)


@blp.route(f"/<int(max={INT32_MAX}):rep_id>/reject", methods=["POST"])
@roles_required(*MANAGERS)
@blp.arguments(RejectArgs)
@blp.response(200, ReplenishmentSchema)
@error_responses(blp, 401, 403, 404, 409)
def reject(args, rep_id: int):
    """Reject a requested replenishment with a reason."""
    session = db()
    operations.reject(session, rep_id, api_user().username, args["reason"])
    session.commit()
    return _answer(rep_id)


@blp.route(f"/<int(max={INT32_MAX}):rep_id>/ship", methods=["POST"])
@roles_required(*MANAGERS)
@blp.response(200, ReplenishmentSchema)
@error_responses(blp, 401, 403, 404, 409)
def ship(rep_id: int):
    """Ship an approved replenishment: reserved stock leaves the warehouse, in transit to the store."""
    session = db()
    operations.ship(session, rep_id, api_user().username)
    session.commit()
    return _answer(rep_id)
