"""Who is calling: bearer tokens for the JSON API, the session cookie for pages."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any

from flask import current_app, g, redirect, request, session, url_for

from common.errors import Forbidden, Unauthorized
from common.i18n import _
from common.web.i18n import LABELS

from ..models import User
from ..web import db
from .cache import AuthCache, Principal
from .operations import principal_for_token, principal_of, revoke

MANAGERS = ("manager", "admin")
EVERYONE = ("cashier", "store_manager", "manager", "admin")


def auth_cache() -> AuthCache:
    cache: AuthCache = current_app.extensions["comptoir_auth"]
    return cache


def api_user() -> Principal:
    """The user named by the request's bearer token (401 otherwise); no database round trip."""
    if "user" in g:
        return g.user
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            _("Sign in first: send 'Authorization: Bearer <token>' from POST /api/v1/session."),
            code="unauthorized",
        )
    user, claims = principal_for_token(auth_cache(), current_app.extensions["comptoir_signer"],
                                       token.strip())
    g.user, g.claims = user, claims
    return user


def check_role(user: Principal, roles: tuple[str, ...]) -> None:
    if user.role not in roles:
        raise Forbidden(
            _("Your role (%(role)s) may not do this.", role=LABELS.get(user.role, user.role)),
            errors={"required_roles": list(roles)},
        )


def roles_required(*roles: str) -> Callable:
    """Decorator for API views: a valid bearer token of one of ``roles``."""
    allowed = tuple(roles) or EVERYONE

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check_role(api_user(), allowed)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def page_user() -> Principal | None:
    """The user signed in on this browser, or None.

    The session names the user, the user's credential epoch and a session id
    (never anything of the password hash); a password change, a disabled
    account or signing out ends it.
    """
    if "page_user" in g:
        return g.page_user
    user = None
    username, epoch, sid = session.get("username"), session.get("epoch"), session.get("sid")
    if isinstance(username, str) and isinstance(epoch, int) and isinstance(sid, str):
        cache = auth_cache()
        user = cache.user(username)
        if user is not None and (
            not user.active or user.session_epoch != epoch or cache.is_revoked(sid)
        ):
            user = None
    if user is None and session.get("username") is not None:
        session.clear()
    g.page_user = user
    return user


def start_page_session(user: User | Principal) -> None:
    """Sign ``user`` in on this browser (the console's and the shop's sign-in forms).

    A fresh session: nothing of the one before survives. It holds the
    username, the credential epoch and a random session id, nothing of the
    password hash.
    """
    principal = user if isinstance(user, Principal) else principal_of(user)
    auth_cache().remember(principal)
    session.clear()
    session["username"] = principal.username
    session["epoch"] = principal.session_epoch
    session["sid"] = secrets.token_hex(16)
    session.permanent = True


def end_page_session() -> None:
    """Sign out on this browser: the session id is revoked, so a copy of the cookie is worthless."""
    user, sid = page_user(), session.get("sid")
    if user is not None and isinstance(sid, str):
        revoke(db(), sid, user.id)
        db().commit()
        auth_cache().revoked(sid)
    session.clear()


def page_login_required(*roles: str) -> Callable:
    allowed = tuple(roles) or EVERYONE

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = page_user()
            if user is None:
                return redirect(url_for("console.login", next=request.full_path))
            check_role(user, allowed)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def page_language() -> str | None:
    """The language the signed-in user chose (saved with the user), if any."""
    user = g.get("user") or (page_user() if session.get("username") else None)
    return getattr(user, "language", None) or None
