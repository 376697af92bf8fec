"""Each store's sync health as head office saw it: contacts and reported queue, per minute.

Every push and pull records its minute (``store_sync_minutes``) in the
transaction that updates the store's sync state; :func:`last_24_hours` reads
them back for the console, hour by hour. A manager without Grafana sees when a
store went quiet and how its queue grew and drained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from common.clock import utcnow

from ..models import Store, StoreSyncState, SyncRejection
from ..models.sync import SYNC_HISTORY_DAYS

_RECORD = text("""
INSERT INTO store_sync_minutes AS m
    (store_id, minute, pushes, pulls, pending_events, oldest_pending_age_s, last_at)
VALUES (:store, date_trunc('minute', CAST(:now AS timestamptz), 'UTC'),
        :pushes, :pulls, :pending, :oldest, :now)
ON CONFLICT (store_id, minute) DO UPDATE SET
    pushes = m.pushes + excluded.pushes,
    pulls = m.pulls + excluded.pulls,
    pending_events = COALESCE(excluded.pending_events, m.pending_events),
    oldest_pending_age_s = CASE WHEN excluded.pending_events IS NULL THEN m.oldest_pending_age_s
                                ELSE excluded.oldest_pending_age_s END,
    last_at = excluded.last_at
RETURNING (xmax = 0)
""")
_PRUNE = text("DELETE FROM store_sync_minutes WHERE store_id = :store AND minute < :before")


def record_contact(
    session: Session,
    store_id: int,
    kind: str,
    pending_events: int | None = None,
    oldest_pending_age_s: int | None = None,
    now: datetime | None = None,
) -> None:
    """Count a push or a pull in its minute, with the queue the store reported (pushes only).
    The first contact of a minute also prunes that store's rows older than the history kept."""
    now = now or utcnow()
    inserted = session.execute(
        _RECORD,
        {
            "store": store_id,
            "now": now,
            "pushes": int(kind == "push"),
            "pulls": int(kind == "pull"),
            "pending": pending_events,
            "oldest": oldest_pending_age_s if pending_events else None,
        },
    ).scalar()
    if inserted:
        session.execute(_PRUNE, {"store": store_id, "before": now - timedelta(days=SYNC_HISTORY_DAYS)})


@dataclass
class HourCell:
    start: datetime
    contacts: int = 0
    minutes_with_contact: int = 0
    max_pending: int | None = None
    max_oldest_s: int | None = None

    @property
    def state(self) -> str:
        """``silent`` (no push or pull), ``queue`` (events were waiting), ``ok``."""
        if not self.contacts:
            return "silent"
        return "queue" if self.max_pending else "ok"


@dataclass
class StoreHealth:
    store_id: int
    code: str
    name: str
    last_contact_at: datetime | None
    pending_events: int | None
    oldest_pending_age_s: int | None
    parked: int
    hours: list[HourCell] = field(default_factory=list)

    @property
    def minutes_with_contact(self) -> int:
        return sum(cell.minutes_with_contact for cell in self.hours)

    @property
    def silent_hours(self) -> int:
        return sum(1 for cell in self.hours if cell.state == "silent")

    @property
    def max_pending(self) -> int:
        return max([cell.max_pending or 0 for cell in self.hours] + [0])


_HOURLY = text("""
SELECT store_id, date_trunc('hour', minute, 'UTC') AS hour, sum(pushes + pulls), count(*),
       max(pending_events), max(oldest_pending_age_s)
FROM store_sync_minutes
WHERE minute >= :since
GROUP BY store_id, date_trunc('hour', minute, 'UTC')
""")


def last_24_hours(session: Session, now: datetime | None = None) -> tuple[list[datetime], list[StoreHealth]]:
    """The 24 hours ending with the current one (their starts, UTC) and every active store's
    health in each."""
    now = now or utcnow()
    current = now.replace(minute=0, second=0, microsecond=0)
    hours = [current - timedelta(hours=23 - n) for n in range(24)]
    rows: dict[tuple[int, datetime], Any] = {
        (row[0], row[1]): row for row in session.execute(_HOURLY, {"since": hours[0]})
    }
    parked = {
        row[0]: row[1]
        for row in session.execute(
            select(SyncRejection.store_id, func.count())
            .where(SyncRejection.resolved_at.is_(None))
            .group_by(SyncRejection.store_id)
        )
    }
    stores = session.execute(
        select(Store, StoreSyncState)
        .outerjoin(StoreSyncState, StoreSyncState.store_id == Store.id)
        .where(Store.active.is_(True))
        .order_by(Store.id)
    ).all()
    out = []
    for store, state in stores:
        health = StoreHealth(
            store_id=store.id,
            code=store.code,
            name=store.name,
            last_contact_at=state.last_contact_at if state else None,
            pending_events=state.pending_events_reported if state else None,
            oldest_pending_age_s=state.oldest_pending_age_s if state else None,
            parked=int(parked.get(store.id, 0)),
        )
        for start in hours:
            row = rows.get((store.id, start))
            cell = HourCell(start)
            if row is not None:
                cell.contacts, cell.minutes_with_contact = int(row[2]), int(row[3])
                cell.max_pending = None if row[4] is None else int(row[4])
                cell.max_oldest_s = None if row[5] is None else int(row[5])
            health.hours.append(cell)
        out.append(health)
    return hours, out


def local_hours(hours: list[datetime], timezone: str) -> list[str]:
    """'14:00' labels for the hour starts, in the chain's timezone."""
    zone = ZoneInfo(timezone)
    return [start.astimezone(zone).strftime("%H:%M") for start in hours]
