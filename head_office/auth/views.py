"""``POST /api/v1/session`` (sign in, get a token) and ``DELETE`` (sign out: revoke it)."""

from __future__ import annotations

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint

from common.schemas import error_responses

from ..web import client_address, db
from .guard import api_user
from .operations import authenticate, revoke
from .schemas import SessionArgs, TokenSchema

blp = Blueprint("session", __name__, url_prefix="/api/v1/session", description="Staff sign-in")


@blp.route("")
class SessionResource(MethodView):
    @blp.arguments(SessionArgs)
    @blp.response(201, TokenSchema)
    @error_responses(blp, 401, 429)
    @blp.doc(security=[])
    def post(self, args):
        """Sign in with a user name and password; returns a bearer token."""
        cfg = current_app.config
        session = db()
        user = authenticate(
            session,
            args["username"],
            args["password"],
            client_address(),
            max_failures=int(cfg["LOGIN_MAX_FAILURES"]),
            lockout_s=int(cfg["LOGIN_LOCKOUT_S"]),
            delay_step_s=float(cfg["LOGIN_DELAY_STEP_S"]),
        )
        signer = current_app.extensions["comptoir_signer"]
        token, _claims = signer.issue(user.id)
        session.commit()
        return {
            "token": token,
            "expires_in_s": signer.ttl_seconds,
            "user": {"username": user.username, "role": user.role, "store_id": user.store_id},
        }

    @blp.response(204)
    @error_responses(blp, 401)
    def delete(self):
        """Sign out: the token stops working at once."""
        api_user()
        revoke(db(), g.claims)
        db().commit()
