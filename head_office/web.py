"""Request plumbing shared by the head-office blueprints: the DB session, JSON or page."""

from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy.orm import Session


def db() -> Session:
    """The request's SQLAlchemy session (opened on first use, closed at teardown)."""
    if "db" not in g:
        g.db = current_app.extensions["comptoir_sessions"]()
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def wants_json() -> bool:
    """API callers get JSON; people in a browser get a page."""
    if request.path.startswith(("/api/", "/sync/")) or request.path in ("/healthz", "/metrics"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def client_address() -> str:
    return request.remote_addr or "unknown"
