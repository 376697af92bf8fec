"""``/api/v1/session``: sign in for a bearer token, sign out to revoke it."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from common.errors import Unauthorized
from common.i18n import _
from common.schemas import error_responses

from ..node import current_node, get_db, signer, store_settings
from .guard import bearer_token, client_address
from .operations import sign_in, sign_out

blp = Blueprint("session", __name__, url_prefix="/api/v1/session", description="Sign in and out")


class SessionArgs(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=150))
    password = fields.String(required=True, validate=validate.Length(max=1024))


class SessionSchema(Schema):
    token = fields.String()
    username = fields.String()
    role = fields.String()
    store_id = fields.Integer(allow_none=True)
    expires_in_s = fields.Integer()


@blp.route("")
class Session(MethodView):
    @blp.arguments(SessionArgs)
    @blp.response(200, SessionSchema)
    @error_responses(blp, 401, 403, 429)
    @blp.doc(security=[])
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Sign in with a username and password; the token goes in ``Authorization: Bearer``."""
        node = current_node()
        token, staff = sign_in(get_db(), signer(), args["username"], args["password"],
                               store_settings().store_id, node.throttle, client_address())
        return {"token": token, "username": staff.username, "role": staff.role,
                "store_id": staff.store_id, "expires_in_s": node.token_ttl_s}

    @blp.response(204)
    @error_responses(blp, 401)
    def delete(self) -> None:
        """Sign out: the token stops working at once. A token not valid here answers 401."""
        token = bearer_token()
        if token is None:
            raise Unauthorized(_("Send the token to revoke as Authorization: Bearer <token>."))
        sign_out(get_db(), signer(), token)
