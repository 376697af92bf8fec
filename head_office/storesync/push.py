"""Push: apply a batch of store events exactly once.

One transaction per batch: lock the store's sync row (serialising pushes
from that store across every head-office instance), skip what was already
applied (``seq <= last_seq``), refuse a gap, record each event by its
``event_id`` (``ON CONFLICT DO NOTHING`` as a second guard), apply it in a
savepoint (a well-formed event that cannot be applied is parked in
``sync_rejections``), advance ``last_seq`` and commit. Only then does the
caller reply ``acked_through``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.errors import ComptoirError, Conflict
from common.i18n import _
from common.limits import INT32_MAX, storable
from sync.protocol import SEQ_GAP

from ..models import ReceivedEvent, StoreSyncState, SyncRejection
from .apply import apply_event
from .health import record_contact
from .sale_batch import apply_sales
from .unappliable import Unappliable

log = logging.getLogger(__name__)


@dataclass
class PushResult:
    acked_through: int
    applied: int = 0
    rejected: int = 0
    duplicates: int = 0
    # What was applied, for the metrics (counted once the caller committed).
    sales: int = 0
    sales_net_cents: int = 0
    returns: int = 0
    returns_net_cents: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "acked_through": self.acked_through,
            "applied": self.applied,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
        }


def push(
    session: Session,
    store_id: int,
    events: list[dict[str, Any]],
    raw_events: list[dict[str, Any]],
    body_json: str,
    status: dict[str, Any] | None = None,
) -> PushResult:
    """Apply ``events`` (validated, seq-ordered) for ``store_id``; the caller commits."""
    state = session.scalar(
        select(StoreSyncState).where(StoreSyncState.store_id == store_id).with_for_update()
    )
    if state is None:
        state = StoreSyncState(store_id=store_id, last_seq=0)
        session.add(state)
        session.flush()
        state = session.scalar(
            select(StoreSyncState).where(StoreSyncState.store_id == store_id).with_for_update()
        )
        assert state is not None
    now = utcnow()
    state.last_contact_at = now
    state.last_push_at = now
    if status:
        if "pending_events" in status:
            # The store counted its queue before sending this batch; every event in the batch
            # is acknowledged by this reply, so what still waits at the store is the rest.
            # Clamped to the column: a store's report of itself never fails its push.
            state.pending_events_reported = min(max(0, status["pending_events"] - len(events)), INT32_MAX)
            if state.pending_events_reported == 0:
                state.oldest_pending_age_s = None
            elif "oldest_pending_age_s" in status:
                age = status["oldest_pending_age_s"]
                state.oldest_pending_age_s = None if age is None else min(age, INT32_MAX)
        if status.get("totals") is not None:
            state.reported_totals = status["totals"]
    record_contact(
        session,
        store_id,
        "push",
        state.pending_events_reported if status and "pending_events" in status else None,
        state.oldest_pending_age_s,
        now,
    )

    result = PushResult(acked_through=state.last_seq)
    fresh = [(e, raw) for e, raw in zip(events, raw_events, strict=True) if e["seq"] > state.last_seq]
    result.duplicates = len(events) - len(fresh)
    if not fresh:
        return result
    expected = state.last_seq + 1
    if fresh[0][0]["seq"] != expected:
        raise Conflict(
            _(
                "Events must continue from seq %(expected)s; this batch starts at %(seq)s.",
                expected=expected,
                seq=fresh[0][0]['seq'],
            ),
            code=SEQ_GAP,
            errors={"expected_seq": expected, "acked_through": state.last_seq},
        )

    inserted = record_received(session, store_id, body_json, state.last_seq)
    # Already received under another seq: a second guard against double application.
    todo = [(event, raw) for event, raw in fresh if event["event_id"] in inserted]
    result.duplicates += len(fresh) - len(todo)
    received = len(todo)
    # What head office cannot take for its content (outside the limits, an impossible date, a
    # sale that does not add up) is parked before anything is written from the batch's JSON.
    refused: list[tuple[dict[str, Any], dict[str, Any], Unappliable]] = [
        (event, raw, Unappliable(*event["problem"])) for event, raw in todo if event.get("problem")
    ]
    todo = [(event, raw) for event, raw in todo if not event.get("problem")]
    for run in _runs(todo):
        if run[0][0]["type"] == "sale":
            refused += _apply_sale_run(session, store_id, run, body_json)
        else:
            for event, raw in run:
                problem = _apply_one(session, store_id, event)
                if problem is not None:
                    refused.append((event, raw, problem))
    for event, raw, problem in refused:
        _park(session, store_id, event, raw, problem)
    result.rejected = len(refused)
    result.applied = received - len(refused)
    parked = {event["event_id"] for event, _raw, _problem in refused}
    for event, _raw in todo:
        if event["event_id"] in parked:
            continue
        if event["type"] == "sale":
            result.sales += 1
            result.sales_net_cents += int(event["payload"]["subtotal_cents"])
        elif event["type"] == "return":
            result.returns += 1
            result.returns_net_cents += int(event["payload"]["subtotal_cents"])
    state.last_seq = fresh[-1][0]["seq"]
    result.acked_through = state.last_seq
    if log.isEnabledFor(logging.INFO):
        log.info(
            "store %s: applied %d events (seq %d..%d), parked %d",
            store_id,
            result.applied,
            fresh[0][0]["seq"],
            state.last_seq,
            result.rejected,
            extra={
                "seq_from": fresh[0][0]["seq"],
                "seq_to": state.last_seq,
                "carried_request_ids": list(
                    dict.fromkeys(
                        str(event["payload"]["request_id"])
                        for event, _raw in todo
                        if event["payload"].get("request_id")
                    )
                ),
            },
        )
    return result


def _runs(
    events: list[tuple[dict[str, Any], dict[str, Any]]],
) -> list[list[tuple[dict[str, Any], dict[str, Any]]]]:
    """Consecutive sales form one run (applied in bulk); any other event is a run of its own,
    so every event still applies in seq order."""
    runs: list[list[tuple[dict[str, Any], dict[str, Any]]]] = []
    for item in events:
        if item[0]["type"] == "sale" and runs and runs[-1][0][0]["type"] == "sale":
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _apply_one(session: Session, store_id: int, event: dict[str, Any]) -> Unappliable | None:
    savepoint = session.begin_nested()
    try:
        apply_event(
            session, store_id, event["type"], event["payload"], event["event_id"], event["occurred_at"]
        )
    except Unappliable as exc:
        savepoint.rollback()
        return exc
    except ComptoirError as exc:  # a domain rule refused it (e.g. more received than shipped)
        savepoint.rollback()
        return Unappliable(exc.code, exc.message)
    except (IntegrityError, DataError) as exc:
        savepoint.rollback()
        log.exception("store %s event %s violates a constraint", store_id, event["event_id"])
        return Unappliable(
            "integrity_error", f"Head office cannot store this event: {exc.orig.__class__.__name__}."
        )
    savepoint.commit()
    return None


def _apply_sale_run(
    session: Session, store_id: int, run: list[tuple[dict[str, Any], dict[str, Any]]], body_json: str
) -> list[tuple[dict[str, Any], dict[str, Any], Unappliable]]:
    raw_by_id = {event["event_id"]: raw for event, raw in run}
    savepoint = session.begin_nested()
    try:
        refused = apply_sales(session, store_id, [event for event, _ in run], body_json)
    except (IntegrityError, DataError):
        # One sale the database refuses must not block the others: apply them one by one.
        savepoint.rollback()
        log.warning("store %s: bulk apply refused by the database; applying one by one", store_id)
        out = []
        for event, raw in run:
            problem = _apply_one(session, store_id, event)
            if problem is not None:
                out.append((event, raw, problem))
        return out
    savepoint.commit()
    return [(event, raw_by_id[event["event_id"]], problem) for event, problem in refused]


def _park(
    session: Session, store_id: int, event: dict[str, Any], raw: dict[str, Any], exc: Unappliable
) -> None:
    session.add(
        SyncRejection(
            store_id=store_id,
            event_id=event["event_id"],
            seq=event["seq"],
            type=event["type"],
            code=exc.code,
            reason=exc.reason,
            payload=storable(raw["payload"]),  # a parked event may carry what jsonb cannot hold
        )
    )
    session.execute(
        update(ReceivedEvent).where(ReceivedEvent.event_id == event["event_id"]).values(status="rejected")
    )
    log.warning(
        "store %s event %s (seq %s) parked: %s",
        store_id,
        event["event_id"],
        event["seq"],
        exc.reason,
        extra={"origin_request_id": raw["payload"].get("request_id"), "code": exc.code},
    )


_RECORD_RECEIVED = text("""
INSERT INTO sync_events (event_id, store_id, seq, type, occurred_at, payload)
SELECT (e ->> 'event_id')::uuid, :store, (e ->> 'seq')::bigint, e ->> 'type',
       (e ->> 'occurred_at')::timestamptz, e -> 'payload'
FROM jsonb_array_elements(CAST(:body AS jsonb) -> 'events') AS e
WHERE (e ->> 'seq')::bigint > :after
ORDER BY (e ->> 'seq')::bigint
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id
""")


def record_received(session: Session, store_id: int, body_json: str, after_seq: int) -> set[Any]:
    """Record the batch's new events in ``sync_events`` straight from the JSON the store sent,
    ``ON CONFLICT (event_id) DO NOTHING``; returns the ids that were new."""
    return set(session.scalars(_RECORD_RECEIVED, {"body": body_json, "store": store_id, "after": after_seq}))
