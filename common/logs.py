"""Logs: one JSON object a line (python-json-logger), with the request's context on every line.

Every line names the service, the store (a store node's code; the pushing
store at head office's sync endpoints), the request id, the user, and for
the access line the method, path, status and duration. The request id is the
caller's ``X-Request-Id`` when it is a sane token, else a new one; it is put
back into the request's environ (so the app's own request id is the same)
and answered in the response's ``X-Request-Id``.

A sale keeps the id of the request that made it: ``store_node.sync.outbox`` writes
it into the event's payload (``request_id``), the store's push names the ids
it carried, and head office names them as it applies the batch. So
``grep <id>`` finds the sale at the till, the push that carried it and its
apply at head office.

``COMPTOIR_LOG_FORMAT=text`` gives readable lines for a terminal instead.
No Flask here: the access log is WSGI middleware (:func:`access_log`).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter

HEADER = "X-Request-Id"
ENVIRON_KEY = "HTTP_X_REQUEST_ID"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# Scrapers and health checks call these every few seconds: logged only when they fail.
QUIET_PATHS = frozenset({"/healthz", "/metrics"})
CONTEXT_FIELDS = ("service", "store", "request_id", "user", "method", "path")

_context: ContextVar[dict[str, Any] | None] = ContextVar("comptoir_log_context", default=None)
_process: dict[str, Any] = {}

access = logging.getLogger("comptoir.access")


def new_request_id() -> str:
    return secrets.token_hex(8)


def sane_request_id(value: str | None) -> str | None:
    return value if value and _SANE.match(value) else None


def request_id() -> str | None:
    """The id of the request (or sync run) this thread works for, if any."""
    ctx = _context.get()
    return ctx.get("request_id") if ctx else None


def bind(**fields: Any) -> None:
    """Add fields (``user``, ``store``) to the current request's lines."""
    ctx = _context.get()
    if ctx is not None:
        ctx.update({k: v for k, v in fields.items() if v is not None})


@contextmanager
def context(**fields: Any) -> Iterator[dict[str, Any]]:
    """Lines logged inside carry ``fields`` (a sync run uses it for its own request id)."""
    ctx = {**(_context.get() or {}), **fields}
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    """Copies the process's and the request's fields onto each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = _context.get() or {}
        for key in CONTEXT_FIELDS:
            if getattr(record, key, None) is None:
                setattr(record, key, ctx.get(key, _process.get(key)))
        return True


class _JsonLines(JsonFormatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        instant = datetime.fromtimestamp(record.created, UTC)
        return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


class _TextLines(logging.Formatter):
    """Readable lines: ``time LEVEL logger: message [request id, user]``."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        tags = [str(v) for v in (getattr(record, "request_id", None), getattr(record, "user", None)) if v]
        return f"{line} [{' '.join(tags)}]" if tags else line


def formatter(fmt: str) -> logging.Formatter:
    if fmt == "text":
        return _TextLines("%(asctime)s %(levelname)s %(name)s: %(message)s")
    return _JsonLines(
        "{asctime}{levelname}{service}{store}{request_id}{user}{method}{path}{name}{message}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        json_ensure_ascii=False,
    )


def configure(
    service: str,
    store: str | None = None,
    fmt: str | None = None,
    level: str | None = None,
    stream: Any = None,
) -> None:
    """Send every log line to stderr as JSON (or text) with this process's service and store.

    ``fmt`` and ``level`` default to ``COMPTOIR_LOG_FORMAT`` (``json``) and
    ``COMPTOIR_LOG_LEVEL`` (``INFO``)."""
    chosen = (fmt or os.environ.get("COMPTOIR_LOG_FORMAT") or "json").strip().lower()
    if chosen not in ("json", "text"):
        raise ValueError(f"COMPTOIR_LOG_FORMAT must be json or text, not {chosen!r}")
    _process.clear()
    _process.update({"service": service, "store": store})
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(formatter(chosen))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel((level or os.environ.get("COMPTOIR_LOG_LEVEL") or "INFO").upper())
    # The scheduler says "running job ... executed successfully" every few seconds.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def set_store(store: str | None) -> None:
    _process["store"] = store


def access_log(
    wsgi_app: Callable[..., Iterable[bytes]], service: str
) -> Callable[..., Iterable[bytes]]:
    """WSGI middleware: a request id for every request, and one access line when it is answered."""

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        rid = sane_request_id(environ.get(ENVIRON_KEY)) or new_request_id()
        environ[ENVIRON_KEY] = rid
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        token = _context.set({"service": service, "request_id": rid, "method": method, "path": path})
        started = time.perf_counter()
        status_holder = ["500"]

        def recording_start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            status_holder[0] = status.split(" ", 1)[0]
            if not any(name.lower() == "x-request-id" for name, _ in headers):
                headers.append((HEADER, rid))
            return start_response(status, headers, exc_info)

        try:
            return wsgi_app(environ, recording_start_response)
        finally:
            status = int(status_holder[0]) if status_holder[0].isdigit() else 500
            if path not in QUIET_PATHS or status >= 400:
                duration_ms = round((time.perf_counter() - started) * 1000, 1)
                access.info(
                    "%s %s %s %.1f ms",
                    method,
                    path,
                    status,
                    duration_ms,
                    extra={"status": status, "duration_ms": duration_ms},
                )
            _context.reset(token)

    return middleware
