"""Who is calling: bearer tokens for the JSON API, the session cookie for till pages.

Both carry the same signed, expiring token (``common.tokens``); signing out
revokes it in SQLite.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, request, session

from common.errors import Forbidden, Unauthorized
from common.i18n import _

from ..node import get_db, signer, store_settings
from .operations import Staff, require_role, staff_for_token

F = TypeVar("F", bound=Callable[..., Any])


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def client_address() -> str:
    """The client's address (the proxied one only from a trusted proxy: ``common.proxies``)."""
    return request.remote_addr or "unknown"


def api_staff() -> Staff:
    token = bearer_token()
    if token is None:
        raise Unauthorized(
            _("Sign in first: send Authorization: Bearer <token> from POST /api/v1/session."),
            code="unauthorized",
        )
    return staff_for_token(get_db(), signer(), token, store_settings().store_id)


def api_auth(role: str = "cashier") -> Callable[[F], F]:
    """Require a valid bearer token of at least ``role`` on a JSON API view."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            staff = api_staff()
            require_role(staff, role)
            g.staff = staff
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def page_staff() -> Staff | None:
    """The staff member signed in on this browser, or None."""
    if "staff" in g:
        staff: Staff | None = g.staff
        return staff
    token = session.get("token")
    staff = None
    if token:
        try:
            staff = staff_for_token(get_db(), signer(), token, store_settings().store_id)
        except (Unauthorized, Forbidden):
            # Expired, revoked, disabled or not of this store: signed out. Any other
            # error is a fault and surfaces as one.
            session.pop("token", None)
            staff = None
    g.staff = staff
    return staff


def page_language() -> str | None:
    """The language the signed-in staff member chose (saved with the user), if any."""
    staff = g.get("staff") if "staff" in g else (page_staff() if session.get("token") else None)
    if staff is None:
        return None
    row = get_db().conn.execute("SELECT language FROM users WHERE id = ?", (staff.id,)).fetchone()
    return row[0] if row and row[0] else None
