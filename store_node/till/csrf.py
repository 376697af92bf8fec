"""A small CSRF check for till forms (no Flask-WTF).

A random token lives in the signed session; every form carries it as
``csrf_token`` and htmx requests send it as the ``X-CSRF-Token`` header
(``base.html`` sets that once for the whole page). Every unsafe request to
a page (not ``/api``, which uses bearer tokens, not cookies) must match it.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, request, session

from common.errors import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def csrf_token() -> str:
    token = session.get("csrf_token")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf_token"] = token
    return str(token)


def check() -> None:
    if request.method in SAFE_METHODS or request.path.startswith("/api/"):
        return
    expected = session.get("csrf_token")
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token")
    if not expected or not sent or not hmac.compare_digest(str(expected), str(sent)):
        raise Forbidden(
            "This form has expired (security check failed). Reload the page and try again.",
            code="csrf_failed",
        )


def init_app(app: Flask) -> None:
    app.before_request(check)
    app.jinja_env.globals["csrf_token"] = csrf_token
