"""The pull change log: what stores receive, written in the same transaction as each change.

Writers serialise on a transaction-level advisory lock taken just before the
insert, so change ids become visible in id order: a reader that saw id N can
never later find a committed id below N ("the earlier writer commits last"
cannot happen).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from .models import ChangeLogEntry

CHANGE_LOG_LOCK = 0x436F6D70  # "Comp": the advisory lock key of change-log writers


def lock_change_log(session: Session) -> None:
    """Serialise change-log writers until this transaction ends (cheap to take twice)."""
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK})


def log_changes(session: Session, entries: list[dict[str, Any]]) -> None:
    """Several changes at once (keys as ``log_change``'s arguments)."""
    if not entries:
        return
    lock_change_log(session)
    session.add_all([ChangeLogEntry(**{"store_id": None, **entry}) for entry in entries])


def log_change(
    session: Session,
    entity: str,
    entity_key: str,
    version: int,
    payload: dict[str, Any],
    store_id: int | None = None,
) -> None:
    lock_change_log(session)
    session.add(
        ChangeLogEntry(
            entity=entity, entity_key=entity_key, store_id=store_id, version=version, payload=payload
        )
    )
