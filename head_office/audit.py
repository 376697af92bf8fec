"""The audit log: who did what, when, before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from .models import AuditEntry


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_key: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> None:
    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            entity=entity,
            entity_key=str(entity_key),
            before=before,
            after=after,
            note=note,
        )
    )
