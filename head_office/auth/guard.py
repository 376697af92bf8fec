"""Who is calling: bearer tokens for the JSON API, the session cookie for pages."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any

from flask import current_app, g, redirect, request, session, url_for

from common.errors import BadRequest, Forbidden, Unauthorized

from ..models import User
from ..web import db
from .operations import user_for_token

MANAGERS = ("manager", "admin")
EVERYONE = ("cashier", "store_manager", "manager", "admin")


def api_user() -> User:
    """The user named by the request's bearer token (401 otherwise)."""
    if "user" in g:
        return g.user
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "Sign in first: send 'Authorization: Bearer <token>' from POST /api/v1/session.",
            code="missing_token",
        )
    user, claims = user_for_token(db(), current_app.extensions["comptoir_signer"], token.strip())
    g.user, g.claims = user, claims
    return user


def check_role(user: User, roles: tuple[str, ...]) -> None:
    if user.role not in roles:
        raise Forbidden(
            f"Your role ({user.role}) may not do this.", errors={"required_roles": list(roles)}
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


def page_user() -> User | None:
    if "page_user" in g:
        return g.page_user
    user_id = session.get("user_id")
    user = db().get(User, user_id) if user_id else None
    if user is not None and (not user.active or session.get("pw") != user.password_hash[-12:]):
        session.clear()
        user = None
    g.page_user = user
    return user


def start_page_session(user: User) -> None:
    """Sign ``user`` in for pages (the console's and the shop's sign-in forms)."""
    session.clear()
    session["user_id"] = user.id
    session["pw"] = user.password_hash[-12:]
    session.permanent = True


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


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Every form POST carries the session's CSRF token."""
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not expected or not secrets.compare_digest(sent, expected):
        raise BadRequest(
            "This form has expired. Reload the page and try again.", code="csrf_failed"
        )


def page_language() -> str | None:
    """The language the signed-in user chose (saved with the user), if any."""
    user = g.get("user") or (page_user() if session.get("user_id") else None)
    return getattr(user, "language", None) or None
