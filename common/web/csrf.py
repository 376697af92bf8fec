"""One CSRF mechanism for every form of both services: Flask-WTF's ``CSRFProtect``.

Every unsafe request to a page (POST, PUT, PATCH, DELETE outside ``/api/``
and ``/sync/``) must carry the session's token, as the ``csrf_token`` form
field or the ``X-CSRF-Token`` header (htmx sends it: the till's ``base.html``
sets ``hx-headers``). A new form is protected without anyone remembering to.
The JSON API and the sync endpoints are exempt: they authenticate by bearer
token only, never by the session cookie, so a forged cross-site request
carries no credentials. A missing or wrong token is 403 ``csrf_failed``
with a readable page (``common.web.errors``).
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_wtf.csrf import CSRFProtect

from .edge import API_PREFIXES, UNSAFE_METHODS

protect = CSRFProtect()


def _check() -> None:
    if not current_app.config["WTF_CSRF_ENABLED"] or request.endpoint is None:
        return  # no such page: a 404, not a CSRF failure
    if request.method in UNSAFE_METHODS and not request.path.startswith(API_PREFIXES):
        protect.protect()


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked by _check, by path
    # Valid as long as the session: a till page stays open all day.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("WTF_CSRF_HEADERS", ["X-CSRF-Token", "X-CSRFToken"])
    protect.init_app(app)  # also gives templates csrf_token()
    app.before_request(_check)
