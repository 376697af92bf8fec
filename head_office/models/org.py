"""Stores, users, revoked staff tokens and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, TimestampMixin

ROLES = ("cashier", "store_manager", "manager", "admin")
STAFF_ROLES = ("cashier", "store_manager")
CUSTOMER = "customer"  # online shop customers: users with no store, never synced to stores


class Store(TimestampMixin, Base):
    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="America/Montreal")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("id > 0", name="id_positive"),)


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    full_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    language: Mapped[str | None] = mapped_column(String(8))  # "fr" or "en"; None: the browser's
    # Bumped by a password change or a disabled account: ends every token and session issued before.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        CheckConstraint(
            "role IN ('cashier', 'store_manager', 'manager', 'admin', 'customer')", name="role_known"
        ),
        CheckConstraint(
            "role IN ('manager', 'admin', 'customer') OR store_id IS NOT NULL", name="staff_have_store"
        ),
        # Each head-office process reloads the users changed since its last look every few seconds.
        Index("ix_users_updated_at", "updated_at"),
    )


class RevokedToken(Base):
    """Staff API tokens signed out before they expired."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    revoked_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )


class LoginFailure(Base):
    """Failed sign-ins, per user name and per address, shared by every head-office instance."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    failed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )


class AuditEntry(Base):
    """Who did what, when, with the state before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_key: Mapped[str] = mapped_column(String(128))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
