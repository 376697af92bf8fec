"""One error handler for both services: ``{code, status, message, errors}`` or a page for people.

The codes are DESIGN.md's (``malformed_json`` 400, ``validation_error`` 422,
``not_found`` 404, ``unauthorized`` 401, ``forbidden`` 403, conflict codes
409, ``too_many_requests`` 429, ``payload_too_large`` 413,
``unsupported_media_type`` 415, ``internal_error`` 500). Each service keeps
its own look: it names the template of its error page. An unexpected error
is logged with the method, the path and the request id, and answered with
the common body: its text never leaves the process.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from common.errors import HTTP_CODES, ComptoirError, field_errors, invalid_input_message
from common.i18n import _

from .i18n import translate, translate_details
from .requestid import request_id

log = logging.getLogger("comptoir.web")

# Paths whose callers are programs: they always get JSON.
API_PREFIXES = ("/api/", "/sync/")
API_PATHS = frozenset({"/healthz", "/metrics", "/api/openapi.json"})

MESSAGES = {
    400: _("The request could not be understood."),
    401: _("Sign in first."),
    403: _("You may not do this."),
    404: _("Nothing here."),
    405: _("This method is not allowed here."),
    413: _("The request is too large."),
    415: _("Send JSON (Content-Type: application/json)."),
    422: _("Some fields are invalid."),
    429: _("Too many requests: wait a little and try again."),
    500: _("Something went wrong on our side. It has been logged."),
    503: _("The service is unavailable for a moment."),
}
CSRF_MESSAGE = _("This form has expired (security check failed). Reload the page and try again.")


def wants_json() -> bool:
    """Programs get JSON; people in a browser (and htmx) get a page."""
    if request.path.startswith(API_PREFIXES) or request.path in API_PATHS:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.headers.get("HX-Request")


def body(status: int, code: str, message: str, errors: Any = None) -> dict[str, Any]:
    """The error body; ``message`` and the fields at fault in the caller's language
    (``common.i18n``), codes and data stable."""
    return {"code": code, "status": status, "message": str(translate(message)),
            "errors": translate_details(errors) if errors else {}}


def _page(error: dict[str, Any]) -> str:
    try:
        return render_template(current_app.config["COMPTOIR_ERROR_TEMPLATE"], error=error)
    except Exception:  # noqa: BLE001 - the page itself failed (say, no database): plain text
        log.exception("error page failed to render [%s]", request_id())
        return f"<!doctype html><title>{error['status']}</title><p>{escape(error['message'])}</p>"


def respond(error: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    """The error as JSON or as the service's page, with ``headers`` (say, ``Retry-After``)."""
    status = error["status"]
    headers = dict(headers or {})
    if wants_json():
        return error, status, headers
    if request.headers.get("HX-Request"):
        # htmx does not swap error responses: show the message in place of the page.
        headers.update({"HX-Retarget": "body", "HX-Reswap": "innerHTML"})
        return _page(error), 200, headers
    return _page(error), status, headers


def _is_malformed_json() -> bool:
    if not request.is_json:
        return False
    data = request.get_data(cache=True)
    if not data:
        return False
    try:
        json.loads(data)
    except (ValueError, RecursionError):
        return True
    return False


def handle_comptoir_error(exc: ComptoirError) -> Any:
    return respond(body(exc.status, exc.code, exc.message, exc.errors), getattr(exc, "headers", None))


def handle_csrf_error(exc: CSRFError) -> Any:
    return respond(body(403, "csrf_failed", CSRF_MESSAGE))


def handle_http_exception(exc: HTTPException) -> Any:
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    # Allow (405), Retry-After (429), WWW-Authenticate (401): keep what the exception says.
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    errors = field_errors(data.get("errors") or data.get("messages") or {})
    if status == 422:
        message = invalid_input_message(translate_details(errors))  # the fields at fault, said as in errors
        return respond(body(422, "validation_error", message, errors), headers)
    if status == 400 and _is_malformed_json():
        return respond(body(400, "malformed_json", _("The request body is not valid JSON.")), headers)
    code = data.get("code") or HTTP_CODES.get(status) or exc.name.lower().replace(" ", "_")
    message = data.get("message") or MESSAGES.get(status) or exc.description or exc.name
    return respond(body(status, code, message, errors), headers)


def handle_unexpected(exc: Exception) -> Any:
    log.error("unhandled error on %s %s [request %s]", request.method, request.path, request_id(),
              exc_info=exc)
    return respond(body(500, "internal_error", MESSAGES[500]))


def init_app(app: Flask, page_template: str) -> None:
    """Register the handlers (after flask-smorest's ``Api``, whose HTTP handler this replaces)."""
    app.config["COMPTOIR_ERROR_TEMPLATE"] = page_template
    app.register_error_handler(ComptoirError, handle_comptoir_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
