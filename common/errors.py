"""Domain errors: each carries an HTTP status and a stable ``code``.

One handler per service turns them into ``{code, status, message, errors}``
for API callers and a readable page for people.
"""

from __future__ import annotations

from typing import Any

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
    422: "validation_failed",
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
    code = "validation_failed"


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
