"""One error handler: ``{code, status, message, errors}`` for API callers, a page for people.

Never sends a traceback or an exception's text on a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from common.errors import HTTP_CODES, ComptoirError
from common.i18n import _
from common.web.i18n import translate

from .web import wants_json

log = logging.getLogger(__name__)



def _render(status: int, code: str, message: str, errors: Any = None):
    body = {"code": code, "status": status, "message": str(translate(message)), "errors": errors or {}}
    if wants_json():
        response = jsonify(body)
        response.status_code = status
        return response
    return render_template("errors/error.html", error=body), status


def _validation_message(errors: Any) -> Any:
    """A readable sentence naming the fields at fault."""
    fields: list[str] = []

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{prefix}.{key}" if prefix else str(key))
        elif isinstance(node, list) and node and all(isinstance(x, str) for x in node):
            fields.append(f"{prefix}: {' '.join(node)}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{prefix}[{index}]")

    walk(errors, "")
    if fields:
        return _("Invalid input. %(fields)s", fields="; ".join(fields[:5]))
    return _("Invalid input.")


def _is_malformed_json() -> bool:
    if not request.is_json or not request.get_data(cache=True):
        return False
    return request.get_json(silent=True, cache=False) is None


def handle_comptoir_error(exc: ComptoirError):
    response = make_response(_render(exc.status, exc.code, exc.message, exc.errors))
    response.headers.update(exc.headers)
    return response


def handle_http_exception(exc: HTTPException):
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    if status == 422 and "messages" in data:
        # webargs/flask-smorest validation: {"json": {...}} or {"query": {...}}
        messages = data["messages"]
        errors = messages.get("json") or messages.get("query") or messages
        if isinstance(errors, dict) and set(errors) <= {"json", "query", "form", "files"}:
            errors = {k: v for part in errors.values() for k, v in part.items()}
        return _render(422, "validation_failed", _validation_message(errors), errors)
    if status == 400 and _is_malformed_json():
        return _render(400, "malformed_json", _("The request body is not valid JSON."))
    message = data.get("message") or exc.description or exc.name
    code = data.get("code") or HTTP_CODES.get(status, "error")
    return _render(status, code, str(message), data.get("errors"))


def handle_unexpected(exc: Exception):
    log.exception("unhandled error")
    return _render(500, "internal_error", _("Something went wrong on our side. It has been logged."))


def register(app: Flask) -> None:
    app.register_error_handler(ComptoirError, handle_comptoir_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
