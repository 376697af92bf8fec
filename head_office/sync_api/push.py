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

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.errors import Conflict
from sync.protocol import SEQ_GAP

from ..ingest.apply import Unappliable, apply_event
from ..models import ReceivedEvent, StoreSyncState, SyncRejection

log = logging.getLogger(__name__)


@dataclass
class PushResult:
    acked_through: int
    applied: int = 0
    rejected: int = 0
    duplicates: int = 0

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
            state.pending_events_reported = status["pending_events"]
        if "oldest_pending_age_s" in status:
            state.oldest_pending_age_s = status["oldest_pending_age_s"]
        if status.get("totals") is not None:
            state.reported_totals = status["totals"]

    result = PushResult(acked_through=state.last_seq)
    fresh = [(e, raw) for e, raw in zip(events, raw_events, strict=True) if e["seq"] > state.last_seq]
    result.duplicates = len(events) - len(fresh)
    if not fresh:
        return result
    expected = state.last_seq + 1
    if fresh[0][0]["seq"] != expected:
        raise Conflict(
            f"Events must continue from seq {expected}; this batch starts at {fresh[0][0]['seq']}.",
            code=SEQ_GAP,
            errors={"expected_seq": expected, "acked_through": state.last_seq},
        )

    for event, raw in fresh:
        inserted = session.execute(
            pg_insert(ReceivedEvent)
            .values(
                event_id=event["event_id"],
                store_id=store_id,
                seq=event["seq"],
                type=event["type"],
                occurred_at=event["occurred_at"],
                payload=raw["payload"],
            )
            .on_conflict_do_nothing(index_elements=[ReceivedEvent.event_id])
            .returning(ReceivedEvent.event_id)
        ).scalar()
        if inserted is None:
            # Already received under another seq: a second guard against double application.
            result.duplicates += 1
            continue
        savepoint = session.begin_nested()
        try:
            apply_event(
                session, store_id, event["type"], event["payload"], event["event_id"], event["occurred_at"]
            )
            savepoint.commit()
            result.applied += 1
        except Unappliable as exc:
            savepoint.rollback()
            session.add(
                SyncRejection(
                    store_id=store_id,
                    event_id=event["event_id"],
                    seq=event["seq"],
                    type=event["type"],
                    code=exc.code,
                    reason=exc.reason,
                    payload=raw["payload"],
                )
            )
            session.execute(
                update(ReceivedEvent)
                .where(ReceivedEvent.event_id == event["event_id"])
                .values(status="rejected")
            )
            result.rejected += 1
            log.warning(
                "store %s event %s (seq %s) parked: %s", store_id, event["event_id"], event["seq"], exc.reason
            )
    state.last_seq = fresh[-1][0]["seq"]
    result.acked_through = state.last_seq
    return result
