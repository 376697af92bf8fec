"""A request id for every request: the caller's ``X-Request-Id`` when it is a sane token, else a new one.

It is echoed in the response's ``X-Request-Id`` header and named in the log
line of an unexpected error, so a report from a user can be matched to the log.
``common.logs.access_log`` (WSGI, around the app) settles it first with the
same rule, so the access line and the app agree.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

from common import logs

HEADER = logs.HEADER


def request_id() -> str:
    """The current request's id (made on first use)."""
    rid = g.get("request_id")
    if rid is None:
        # The access log (common.logs) has already settled it in the environ; the same rule here.
        rid = logs.sane_request_id(request.headers.get(HEADER)) or logs.new_request_id()
        g.request_id = rid
    return str(rid)


def _echo(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    return response


def init_app(app: Flask) -> None:
    app.after_request(_echo)
