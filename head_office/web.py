"""Request plumbing shared by the head-office blueprints: the DB session, the client address."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, request
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session


def db() -> Session:
    """The request's SQLAlchemy session (opened on first use, closed at teardown)."""
    if "db" not in g:
        g.db = current_app.extensions["comptoir_sessions"]()
    return g.db


def report_db() -> Session:
    """The session reports, the dashboard and CSV exports read from: the streaming replica's
    when ``COMPTOIR_DATABASE_REPLICA_URL`` is set (reads only), else the request's own."""
    factory = current_app.extensions.get("comptoir_replica_sessions")
    if factory is None:
        return db()
    if "report_db" not in g:
        g.report_db = factory()
    return g.report_db


def replica_lag_s() -> float | None:
    """How far behind the primary the replica's data is, in seconds (0 when it has replayed
    all it received); None without a replica."""
    if current_app.extensions.get("comptoir_replica_sessions") is None:
        return None
    lag = report_db().execute(text(
        "SELECT CASE WHEN NOT pg_is_in_recovery() "
        "OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
        "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
    )).scalar()
    return round(max(float(lag or 0), 0.0), 3)


def read_db() -> Connection:
    """A connection for the request's hot reads: autocommit, so a read costs its one round
    trip (no BEGIN, no ROLLBACK), and no ORM session. Reads only."""
    if "read_db" not in g:
        session = g.get("db")
        if session is not None:  # the request already holds a connection: read on it, take no other
            return session.connection()
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
    replica = g.pop("report_db", None)
    if replica is not None:
        replica.close()
    conn = g.pop("read_db", None)
    if conn is not None:
        conn.close()


def client_address() -> str:
    return request.remote_addr or "unknown"


def csv_download(body: str, name: str) -> Response:
    """A CSV file the browser saves as ``name`` (UTF-8)."""
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )
