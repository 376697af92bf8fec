"""``POST /sync/v1/push`` and ``GET /sync/v1/changes``, authenticated by a store token."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import current_app, g, jsonify, request
from flask_smorest import Blueprint
from marshmallow import ValidationError
from sqlalchemy.orm import Session

from common import logs
from common.clock import utcnow
from common.errors import BadRequest, Forbidden, Unauthorized, ValidationFailed
from common.i18n import _
from common.limits import storable
from common.schemas import error_responses
from sync.protocol import (
    INVALID_TOKEN,
    PROTOCOL_MISMATCH,
    PROTOCOL_VERSION,
    WRONG_STORE,
    ChangesArgs,
    WireError,
    load_push,
)

from .. import monitoring
from ..models import Store, StoreSyncState
from ..stores.operations import store_for_token
from ..web import db
from .health import record_contact
from .pull import changes_since
from .push import push
from .schemas import ChangesSchema, PushArgs, PushResultSchema

blp = Blueprint("sync", __name__, url_prefix="/sync/v1", description="Store sync (protocol v1)")

_changes_args = ChangesArgs()


def _store_from_token(session: Session) -> Store:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(_("A store token is required: 'Authorization: Bearer <token>'."),
                           code=INVALID_TOKEN)
    store = store_for_token(session, token.strip())
    if store is None or not store.active:
        raise Unauthorized(_("Unknown or replaced store token."), code=INVALID_TOKEN)
    logs.bind(store=store.code)
    return store


def _check_protocol(value: Any) -> None:
    if value != PROTOCOL_VERSION:
        raise BadRequest(
            _(
                "Protocol version %(value)s is not spoken here; head office speaks version "
                "%(protocol_version)s.",
                value=repr(value),
                protocol_version=PROTOCOL_VERSION,
            ),
            code=PROTOCOL_MISMATCH,
            errors={"protocol": PROTOCOL_VERSION},
        )


def _check_store(store: Store, claimed: Any) -> None:
    if claimed != store.id:
        raise Forbidden(
            _(
                "This token belongs to store %(id)s; it cannot sync as store %(claimed)s.",
                id=store.id,
                claimed=claimed,
            ), code=WRONG_STORE
        )


# A \u0000 or surrogate escape in JSON text (or an escaped backslash before "u0000": a false
# alarm costs one more pass over the body, nothing else).
_JSON_UNSTORABLE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_STORE_TOKEN: list[dict[str, list[str]]] = [{"storeToken": []}]


@blp.route("/push", methods=["POST"])
@blp.doc(
    security=_STORE_TOKEN,
    requestBody={"required": True, "content": {"application/json": {"schema": PushArgs}}},
)
@blp.response(200, PushResultSchema)
@error_responses(blp, 400, 401, 403, 409, 413, 422)
def push_events():
    """Apply a batch of store events exactly once; reply with ``acked_through``."""
    session = db()
    store = _store_from_token(session)
    raw = request.get_data(as_text=True)
    try:
        body = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise BadRequest(_("The request body must be a JSON object."), code="malformed_json")
    _check_protocol(body.get("protocol"))
    _check_store(store, body.get("store_id"))
    try:
        loaded = load_push(body)
    except WireError as exc:
        raise ValidationFailed(_("Malformed push, nothing was applied: %(detail)s", detail=str(exc)),
                               errors=exc.errors) from exc
    raw_events = body["events"]
    if _JSON_UNSTORABLE.search(raw):
        # PostgreSQL's jsonb holds neither NUL characters nor lone surrogates. An event whose
        # payload carries them is parked for its text (``load_push`` said so); what head office
        # records of the batch has U+FFFD in their place.
        cleaned = storable(body)
        raw, raw_events = json.dumps(cleaned, separators=(",", ":")), cleaned["events"]
    result = push(session, store.id, loaded["events"], raw_events, raw, loaded.get("status"))
    session.commit()
    monitoring.store_pushed(store.id, result)
    g.sync_store_id = store.id
    return jsonify(result.to_dict())


@blp.route("/changes", methods=["GET"])
@blp.doc(security=_STORE_TOKEN, parameters=[{"in": "query", "schema": ChangesArgs}])
@blp.response(200, ChangesSchema)
@error_responses(blp, 400, 401, 403, 409, 422)
def pull_changes():
    """Changes since ``cursor`` for this store, or a full snapshot when it has none."""
    session = db()
    store = _store_from_token(session)
    try:
        args = _changes_args.load(request.args.to_dict())
    except ValidationError as exc:
        raise ValidationFailed(_("Invalid pull request."), errors=exc.messages_dict) from exc
    _check_protocol(args["protocol"])
    if args["store_id"] is not None:
        _check_store(store, args["store_id"])
    store_id = store.id
    state = session.get(StoreSyncState, store_id)
    if state is not None:
        state.last_contact_at = state.last_pull_at = utcnow()
    record_contact(session, store_id, "pull")
    session.commit()
    engine = current_app.extensions["comptoir_engine"]
    with Session(engine.execution_options(isolation_level="REPEATABLE READ")) as snapshot_session:
        reply = changes_since(snapshot_session, store_id, args["cursor"], args["limit"])
        snapshot_session.commit()
    return jsonify(reply)
