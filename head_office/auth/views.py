"""``POST /api/v1/session`` (sign in, get a token) and ``DELETE`` (sign out: revoke it)."""

from __future__ import annotations

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint

from common.schemas import error_responses
from common.throttle import ThrottlePolicy

from ..web import client_address, db
from .guard import api_user, auth_cache
from .operations import authenticate, issue_token, revoke
from .schemas import SessionArgs, TokenSchema

blp = Blueprint("session", __name__, url_prefix="/api/v1/session", description="Staff sign-in")


@blp.route("")
class SessionResource(MethodView):
    @blp.arguments(SessionArgs)
    @blp.response(201, TokenSchema)
    @error_responses(blp, 401, 429)
    @blp.doc(security=[])
    def post(self, args):
        """Sign in with a user name and password; returns a bearer token valid at head office only.

        Repeated failures are refused for a while with 429 and a ``Retry-After`` header.
        """
        session = db()
        user = authenticate(
            session, args["username"], args["password"], client_address(),
            ThrottlePolicy.from_config(current_app.config),
        )
        signer = current_app.extensions["comptoir_signer"]
        session.commit()
        return {
            "token": issue_token(signer, auth_cache(), user),
            "expires_in_s": signer.ttl_seconds,
            "user": {"username": user.username, "role": user.role, "store_id": user.store_id},
        }

    @blp.response(204)
    @error_responses(blp, 401)
    def delete(self):
        """Sign out: the token stops working at once here, and at every head-office process
        within the refresh interval."""
        user = api_user()
        revoke(db(), g.claims.jti, user.id)
        db().commit()
        auth_cache().revoked(g.claims.jti)
