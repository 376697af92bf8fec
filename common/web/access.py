"""Who may read ``/metrics`` and the API documentation.

``/metrics`` needs ``Authorization: Bearer <COMPTOIR_METRICS_TOKEN>`` when
that setting is set (open otherwise, for a scraper on a private network).
``/api/docs`` and ``/api/openapi.json`` are public only when
``COMPTOIR_PUBLIC_API_DOCS`` is true (the demo sets it); otherwise they need
a signed-in user, by session cookie or bearer token, which each service
checks with the ``signed_in`` function it gives ``create_service_app``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from flask import Flask, current_app, request

from common.errors import Unauthorized
from common.i18n import _

DOCS_PATHS = frozenset({"/api/docs", "/api/openapi.json"})


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def check_metrics_token() -> None:
    expected = current_app.config.get("METRICS_TOKEN")
    if not expected:
        return
    sent = bearer_token() or ""
    if not hmac.compare_digest(sent.encode(), str(expected).encode()):
        raise Unauthorized(_("The metrics need 'Authorization: Bearer <COMPTOIR_METRICS_TOKEN>'."))


def _docs_gate() -> None:
    if request.path.rstrip("/") not in DOCS_PATHS or _truthy(current_app.config.get("PUBLIC_API_DOCS")):
        return
    signed_in: Callable[[], bool] | None = current_app.extensions.get("comptoir_signed_in")
    if signed_in is None or not signed_in():
        raise Unauthorized(
            _("The API documentation is for signed-in users: sign in, or send a bearer token.")
        )


def init_app(app: Flask) -> None:
    app.before_request(_docs_gate)
