"""Domain errors: each carries an HTTP status and a stable ``code``.

One handler (``common.web.errors``, shared by both services) turns them into
``{code, status, message, errors}`` for API callers and a readable page for
people. The codes are DESIGN.md's: both services answer the same fault with
the same status and code. ``field_errors`` and ``summary`` are the one
formatter of marshmallow's nested messages.
"""

from __future__ import annotations

from typing import Any

from .i18n import _

# The stable ``code`` of an HTTP error that carries no code of its own.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class ComptoirError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        errors: dict[str, Any] | None = None,
        code: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        # Response headers that go with the error (the ``Retry-After`` of a 429).
        self.headers: dict[str, str] = {}
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "status": self.status,
            "message": self.message,
            "errors": self.errors,
        }


class BadRequest(ComptoirError):
    status = 400
    code = "bad_request"


class ValidationFailed(ComptoirError):
    status = 422
    code = "validation_error"


class Unauthorized(ComptoirError):
    status = 401
    code = "unauthorized"


class Forbidden(ComptoirError):
    status = 403
    code = "forbidden"


class NotFound(ComptoirError):
    status = 404
    code = "not_found"


class Conflict(ComptoirError):
    status = 409
    code = "conflict"


class TooManyAttempts(ComptoirError):
    """429: refused for a while; ``retry_after`` seconds go out as the ``Retry-After`` header."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int = 1, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = max(1, int(retry_after))
        self.headers = {"Retry-After": str(self.retry_after)}


class ServiceUnavailable(ComptoirError):
    status = 503
    code = "unavailable"


# Where webargs files a message: {"json": {...}, "query": {...}} -> the fields.
_LOCATIONS = frozenset({"json", "query", "querystring", "form", "files", "view_args", "headers"})


def field_errors(messages: Any) -> Any:
    """marshmallow/webargs messages keyed by field (the location level merged away)."""
    if isinstance(messages, dict) and messages and set(messages) <= _LOCATIONS:
        merged: dict[str, Any] = {}
        for location, value in messages.items():
            if isinstance(value, dict):
                merged.update(value)
            else:
                merged[location] = value
        return merged
    return messages


def summary(errors: Any, limit: int = 5) -> str:
    """A readable one-liner naming the fields at fault: ``"lines.0.qty: Too big.; sku: Required."``."""
    parts: list[str] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list):
            texts = [str(v) for v in value if isinstance(v, str)]
            if texts:
                parts.append(f"{prefix}: {' '.join(texts)}" if prefix else " ".join(texts))
            for index, sub in enumerate(value):
                if not isinstance(sub, str):
                    walk(f"{prefix}.{index}" if prefix else str(index), sub)
        elif value is not None:
            parts.append(f"{prefix}: {value}" if prefix else str(value))

    walk("", errors)
    return "; ".join(parts[:limit])


def invalid_input_message(errors: Any) -> str:
    """The message of a 422: "Invalid input: <fields at fault>" (a ``common.i18n`` message)."""
    detail = summary(errors)
    return _("Invalid input: %(fields)s", fields=detail) if detail else _("Invalid input.")
