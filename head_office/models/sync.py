"""Sync tables: per-store push state, received events, rejections, and the pull change log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class StoreSyncState(Base):
    """One row per store; its row lock serialises pushes from that store."""

    __tablename__ = "store_sync_state"

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    last_contact_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_push_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_pull_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pull_cursor: Mapped[int | None] = mapped_column(BigInteger)
    pending_events_reported: Mapped[int | None] = mapped_column(Integer)
    oldest_pending_age_s: Mapped[int | None] = mapped_column(Integer)
    reported_totals: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class ReceivedEvent(Base):
    """Every store event head office received, applied or parked (the event ledger)."""

    __tablename__ = "sync_events"

    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status: Mapped[str] = mapped_column(String(16), default="applied", server_default="applied")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)

    __table_args__ = (UniqueConstraint("store_id", "seq", name="uq_sync_events_store_seq"),)


class SyncRejection(Base):
    """A well-formed store event head office could not apply, with the reason."""

    __tablename__ = "sync_rejections"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(64))


class ChangeLogEntry(Base):
    """What stores pull. Written in the same transaction as the change it records.

    ``store_id`` NULL means every store; otherwise only that store receives it.
    Writers take a transaction-level advisory lock before inserting, so ids
    commit in order and a reader of "everything after N" never misses a late
    commit.
    """

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_key: Mapped[str] = mapped_column(String(128))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    version: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_change_log_store_id_id", "store_id", "id"),)


class StoreSyncMinute(Base):
    """One row per store and minute with contact: how many pushes and pulls, and the queue the
    store last reported in that minute. The console's sync-health page draws the last 24 hours
    from it; rows older than :data:`SYNC_HISTORY_DAYS` are pruned as new minutes are written."""

    __tablename__ = "store_sync_minutes"

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    minute: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    pushes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pulls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pending_events: Mapped[int | None] = mapped_column(Integer)
    oldest_pending_age_s: Mapped[int | None] = mapped_column(Integer)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


SYNC_HISTORY_DAYS = 8
