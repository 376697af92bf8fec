"""The transactional outbox: every store event, written in the same transaction as the change.

Each row carries a UUIDv7 ``event_id``, a ``seq`` contiguous per store from 1
(taken from the ``sequences`` table, so it stays contiguous even when old sent
rows are pruned), a ``type``, the JSON ``payload`` and ``sent_at`` (NULL until
head office acknowledged it). :func:`envelope` is what travels to head office.

The sync client (`sync.client`, through `store_node.sync.store_data`) reads :func:`unsent` in
seq order and calls :func:`mark_sent` with the ``acked_through`` head office answered.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlite_utils

from common import logs
from common.clock import isoformat_z, parse_instant, utcnow
from common.errors import ValidationFailed
from common.i18n import _
from common.ids import new_id
from common.limits import unprintable_strings
from sync.protocol import EVENT_TYPES

from ..db import immediate

TEXT_PROBLEM = _("Only printable characters (no NUL or control characters).")


def next_value(conn: sqlite3.Connection, name: str) -> int:
    """Next value of a named counter (call inside the write transaction)."""
    row = conn.execute(
        "UPDATE sequences SET value = value + 1 WHERE name = ? RETURNING value", (name,)
    ).fetchone()
    if row is None:  # pragma: no cover - the migration creates every counter
        raise LookupError(f"no sequence {name!r}")
    return int(row[0])


def append(conn: sqlite3.Connection, event_type: str, payload: dict[str, Any], occurred_at: str) -> dict:
    """Write one event; must run inside the transaction that makes the change.

    The payload keeps the id of the request that made the change (``request_id``), so the
    event can be followed through the push to head office in the logs."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    unprintable = unprintable_strings(payload)
    if unprintable:
        # The edge refuses such text in every page, API call and command; this is the last
        # guard: an event head office would park for its text never enters the queue.
        raise ValidationFailed(
            _("Invalid input: %(fields)s", fields=", ".join(unprintable[:5])),
            errors={place: [TEXT_PROBLEM] for place in unprintable[:20]},
        )
    origin = logs.request_id()
    if origin and "request_id" not in payload:
        payload = {**payload, "request_id": origin}
    seq = next_value(conn, "outbox")
    event_id = new_id()
    conn.execute(
        "INSERT INTO outbox (seq, event_id, type, payload, created_at) VALUES (?, ?, ?, ?, ?)",
        (seq, event_id, event_type, json.dumps(payload, separators=(",", ":")), occurred_at),
    )
    return {"seq": seq, "event_id": event_id}


def envelope(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "event_id": row["event_id"],
        "seq": row["seq"],
        "type": row["type"],
        "occurred_at": row["created_at"],
        "payload": json.loads(row["payload"]),
    }


def unsent(db: sqlite_utils.Database, limit: int = 500) -> list[dict[str, Any]]:
    """Unacknowledged events in seq order, as envelopes."""
    rows = db.conn.execute(
        "SELECT seq, event_id, type, payload, created_at FROM outbox"
        " WHERE sent_at IS NULL ORDER BY seq LIMIT ?",
        (limit,),
    ).fetchall()
    return [envelope(row) for row in rows]


def events(db: sqlite_utils.Database, after_seq: int = 0, limit: int = 500) -> list[dict[str, Any]]:
    """Every event (sent or not) after a seq, as envelopes."""
    rows = db.conn.execute(
        "SELECT seq, event_id, type, payload, created_at FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
        (after_seq, limit),
    ).fetchall()
    return [envelope(row) for row in rows]


def written_through(db: sqlite_utils.Database) -> int:
    row = db.conn.execute("SELECT value FROM sequences WHERE name = 'outbox'").fetchone()
    return int(row[0]) if row else 0


def renumber_after(db: sqlite_utils.Database, head_office_seq: int) -> int:
    """After a restore: continue the numbering after head office's, in one transaction.

    Unsent events keep their order and get the numbers after ``head_office_seq``; any of them
    head office already holds (the old PC pushed it) is recognised there by its event id and
    counted as a duplicate, never applied twice."""
    with immediate(db) as conn:
        current = int(conn.execute("SELECT value FROM sequences WHERE name = 'outbox'").fetchone()[0])
        if head_office_seq <= current:
            return 0
        unsent = [row[0] for row in conn.execute("SELECT seq FROM outbox WHERE sent_at IS NULL ORDER BY seq")]
        conn.execute("UPDATE outbox SET seq = -seq WHERE sent_at IS NULL")
        for n, seq in enumerate(unsent, start=1):
            conn.execute("UPDATE outbox SET seq = ? WHERE seq = ?", (head_office_seq + n, -seq))
        conn.execute(
            "UPDATE sequences SET value = ? WHERE name = 'outbox'", (head_office_seq + len(unsent),)
        )
    return len(unsent)


def request_ids(db: sqlite_utils.Database, first_seq: int, last_seq: int) -> list[str]:
    """The ids of the requests that made the events ``first_seq``..``last_seq`` (for the logs)."""
    rows = db.conn.execute(
        "SELECT json_extract(payload, '$.request_id') FROM outbox WHERE seq BETWEEN ? AND ?"
        " AND json_extract(payload, '$.request_id') IS NOT NULL ORDER BY seq",
        (first_seq, last_seq),
    ).fetchall()
    return list(dict.fromkeys(str(row[0]) for row in rows))


def batch_json(db: sqlite_utils.Database, from_seq: int | None, limit: int) -> tuple[int, int | None, str]:
    """Envelopes as one JSON array text, built by SQLite (the push sends it as it is):
    unsent events (``from_seq`` None) or every event from ``from_seq``; (count, first seq, text)."""
    where = "sent_at IS NULL" if from_seq is None else "seq >= ?"
    params: tuple = (limit,) if from_seq is None else (from_seq, limit)
    rows = db.conn.execute(
        "SELECT seq, json_object('event_id', event_id, 'seq', seq, 'type', type, 'occurred_at', created_at,"
        f" 'payload', json(payload)) AS envelope FROM outbox WHERE {where} ORDER BY seq LIMIT ?",
        params,
    ).fetchall()
    first = rows[0]["seq"] if rows else None
    return len(rows), first, "[" + ",".join(row["envelope"] for row in rows) + "]"


def mark_sent(db: sqlite_utils.Database, through_seq: int, at: datetime | None = None) -> int:
    """Mark every event up to ``through_seq`` as acknowledged; returns how many changed."""
    stamp = isoformat_z(at or utcnow())
    cursor = db.conn.execute(
        "UPDATE outbox SET sent_at = ? WHERE seq <= ? AND sent_at IS NULL", (stamp, through_seq)
    )
    return cursor.rowcount


def status(db: sqlite_utils.Database, now: datetime | None = None) -> dict[str, Any]:
    """The queue and the last sync outcome, as the till banner and ``sync status`` show them."""
    now = now or utcnow()
    conn = db.conn
    queue = conn.execute(
        "SELECT count(*) AS pending, min(created_at) AS oldest FROM outbox WHERE sent_at IS NULL"
    ).fetchone()
    pending, oldest = queue["pending"], queue["oldest"]
    state = conn.execute(
        "SELECT online, last_push_at, last_pull_at, last_error FROM sync_state WHERE id = 1"
    ).fetchone() or {"online": 0, "last_push_at": None, "last_pull_at": None, "last_error": None}
    age = None
    if oldest:
        age = max(0, int((now - parse_instant(oldest)).total_seconds()))
    return {
        "online": bool(state["online"]),
        "pending_events": int(pending),
        "oldest_pending_at": oldest,
        "oldest_pending_age_s": age,
        "last_push_at": state["last_push_at"],
        "last_pull_at": state["last_pull_at"],
        "last_error": state["last_error"],
    }
