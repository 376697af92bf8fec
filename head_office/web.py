"""Request plumbing shared by the head-office blueprints: the DB session, JSON or page."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, request
from sqlalchemy import Connection
from sqlalchemy.orm import Session


def db() -> Session:
    """The request's SQLAlchemy session (opened on first use, closed at teardown)."""
    if "db" not in g:
        g.db = current_app.extensions["comptoir_sessions"]()
    return g.db


def read_db() -> Connection:
    """A connection for the request's hot reads: autocommit, so a read costs its one round
    trip (no BEGIN, no ROLLBACK), and no ORM session. Reads only."""
    if "read_db" not in g:
        engine = current_app.extensions["comptoir_engine"]
        g.read_db = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    return g.read_db


def json_response(payload: Any, status: int = 200) -> Response:
    """A JSON answer built by the view itself (flask-smorest passes a Response through as is;
    its schema still documents the body)."""
    response: Response = current_app.json.response(payload)  # type: ignore[assignment]
    response.status_code = status
    return response


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()
    conn = g.pop("read_db", None)
    if conn is not None:
        conn.close()


def wants_json() -> bool:
    """API callers get JSON; people in a browser get a page."""
    if request.path.startswith(("/api/", "/sync/")) or request.path in ("/healthz", "/metrics"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def client_address() -> str:
    return request.remote_addr or "unknown"
