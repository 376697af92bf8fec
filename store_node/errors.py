"""One place that turns every error into ``{code, status, message, errors}`` or a readable page.

API callers (``/api/...``, ``/healthz``, or a JSON ``Accept``) get JSON; people
get the till's error page. A 500 is logged with its traceback and answered
with a generic message: no exception text ever leaves the process.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from common.errors import HTTP_CODES, ComptoirError
from common.i18n import _
from common.web.i18n import translate

log = logging.getLogger("comptoir.store")


_MESSAGES = {
    400: _("The request could not be understood."),
    404: _("Nothing here."),
    405: _("This method is not allowed here."),
    413: _("The request is too large."),
    415: _("Send JSON (Content-Type: application/json)."),
    422: _("Some fields are invalid."),
    500: _("Something went wrong on the store node; nothing was recorded. Try again."),
}


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path in ("/healthz", "/metrics"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.headers.get("HX-Request")


def _flatten(messages: Any) -> Any:
    """webargs nests errors by location ({"json": {...}}); callers want the fields."""
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "form", "view_args"}:
        merged: dict[str, Any] = {}
        for location, value in messages.items():
            if isinstance(value, dict):
                merged.update(value)
            else:
                merged[location] = value
        return merged
    return messages


def _summary(errors: Any) -> str:
    """A readable one-liner from marshmallow's nested messages."""
    parts: list[str] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list):
            texts = [v for v in value if isinstance(v, str)]
            if texts:
                parts.append(f"{prefix}: {' '.join(texts)}")
            for index, sub in enumerate(value):
                if not isinstance(sub, str):
                    walk(f"{prefix}.{index}", sub)
        else:
            parts.append(f"{prefix}: {value}")

    walk("", errors)
    return "; ".join(parts[:5])


def payload(status: int, code: str, message: str, errors: Any = None) -> dict[str, Any]:
    """The error body; ``message`` in the caller's language (``Accept-Language``), codes stable."""
    return {"code": code, "status": status, "message": str(translate(message)), "errors": errors or {}}


def respond(body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    status = body["status"]
    if wants_json():
        return body, status, headers or {}
    if request.headers.get("HX-Request"):
        # htmx does not swap error responses: show the message in place of the page.
        hx_headers = {**(headers or {}), "HX-Retarget": "body", "HX-Reswap": "innerHTML"}
        return render_template("error.html", error=body), 200, hx_headers
    return render_template("error.html", error=body), status, headers or {}


def register(app: Flask) -> None:
    @app.errorhandler(ComptoirError)
    def domain_error(exc: ComptoirError) -> Any:
        return respond(payload(exc.status, exc.code, exc.message, exc.errors), exc.headers)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        data = getattr(exc, "data", None) or {}
        errors = _flatten(data.get("errors") or data.get("messages") or {})
        message = data.get("message")
        if not message:
            if status == 422 and errors:
                message = _("Invalid input: %(fields)s", fields=_summary(errors))
            elif status == 400 and "JSON" in f"{exc.description} {errors}":
                message = _("The body is not valid JSON.")
            else:
                message = _MESSAGES.get(status) or exc.description or exc.name
        headers = data.get("headers") or {}
        return respond(payload(status, HTTP_CODES.get(status, exc.name.lower().replace(" ", "_")),
                               message, errors), headers)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return respond(payload(500, "internal_error", _MESSAGES[500]))
