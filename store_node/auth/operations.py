"""Staff sign-in at the till: password check, who may work at this store, tokens and revocation.

Users reach the store with password hashes only (seed or sync), so sign-in
works offline. A user whose home store is another store may sign in here
only as a manager or admin.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import sqlite_utils

from common.clock import isoformat_z, utcnow
from common.errors import Forbidden, Unauthorized
from common.security import hash_password, verify_password
from common.throttle import LoginThrottle
from common.tokens import TokenSigner

ROLES = ("cashier", "store_manager", "manager", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
ROLE_LABELS = {
    "cashier": "cashier",
    "store_manager": "store manager",
    "manager": "manager",
    "admin": "administrator",
}

# A fixed hash to compare against when the user does not exist, so that an
# unknown username costs as much time as a wrong password.
_DUMMY_HASH = hash_password("not a real password")


@dataclass(frozen=True)
class Staff:
    id: int
    username: str
    role: str
    store_id: int | None

    def at_least(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


def _staff(row: sqlite3.Row | tuple) -> Staff:
    return Staff(id=int(row[0]), username=str(row[1]), role=str(row[2]), store_id=row[3])


def may_work_here(staff: Staff, store_id: int) -> bool:
    return staff.store_id in (None, store_id) or staff.at_least("manager")


def check_credentials(
    db: sqlite_utils.Database,
    username: str,
    password: str,
    store_id: int,
    throttle: LoginThrottle | None = None,
    address: str | None = None,
) -> Staff:
    """The staff member with these credentials, allowed at this store, or an error.

    Failures are counted per user and per address by ``throttle``; once too
    many, sign-in is refused for a while (429) even with the right password.
    """
    username = (username or "").strip()
    keys = [f"user:{username.lower()}"] + ([f"ip:{address}"] if address else [])
    if throttle:
        throttle.check(*keys)
    row = db.conn.execute(
        "SELECT id, username, role, store_id, password_hash, active FROM users"
        " WHERE username = ? COLLATE NOCASE",
        (username,),
    ).fetchone()
    password_ok = verify_password(row[4] if row else _DUMMY_HASH, password or "")
    if row is None or not password_ok or not row[5]:
        if throttle:
            throttle.failed(*keys)
        raise Unauthorized("Wrong username or password.", code="invalid_credentials")
    staff = _staff(row)
    if not may_work_here(staff, store_id):
        raise Forbidden(
            f"{staff.username} works at store {staff.store_id}, not at this store.",
            code="wrong_store",
        )
    if throttle:
        throttle.succeeded(*keys)
    return staff


def sign_in(
    db: sqlite_utils.Database,
    signer: TokenSigner,
    username: str,
    password: str,
    store_id: int,
    throttle: LoginThrottle | None = None,
    address: str | None = None,
) -> tuple[str, Staff]:
    staff = check_credentials(db, username, password, store_id, throttle, address)
    token, _claims = signer.issue(staff.id)
    return token, staff


def staff_for_token(db: sqlite_utils.Database, signer: TokenSigner, token: str, store_id: int) -> Staff:
    """The signed-in staff member for a token: signature, expiry, revocation, user still active."""
    claims = signer.verify(token)
    row = db.conn.execute(
        "SELECT id, username, role, store_id, active,"
        " EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ?) FROM users WHERE id = ?",
        (claims.jti, claims.user_id),
    ).fetchone()
    if row is None or not row[4]:
        raise Unauthorized("This account is no longer active.", code="invalid_token")
    if row[5]:
        raise Unauthorized("You signed out: sign in again.", code="token_revoked")
    staff = _staff(row)
    if not may_work_here(staff, store_id):
        raise Forbidden(f"{staff.username} may not work at this store.", code="wrong_store")
    return staff


def sign_out(db: sqlite_utils.Database, signer: TokenSigner, token: str) -> None:
    """Revoke a token (idempotent; an invalid or expired token needs no revoking)."""
    try:
        claims = signer.verify(token)
    except Unauthorized:
        return
    db.conn.execute(
        "INSERT INTO revoked_tokens (jti, revoked_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING",
        (claims.jti, isoformat_z(utcnow())),
    )


def require_role(staff: Staff, role: str) -> None:
    if not staff.at_least(role):
        raise Forbidden(
            f"This needs a {ROLE_LABELS[role]} or above; {staff.username} is a"
            f" {ROLE_LABELS[staff.role]}.",
            code="forbidden",
        )


def upsert_user(
    db: sqlite_utils.Database,
    username: str,
    password_hash: str,
    role: str,
    store_id: int | None,
    active: bool = True,
    version: int = 1,
) -> bool:
    """Insert or update a user if ``version`` is newer (seed and the sync sink use it).

    Returns True when a row changed.
    """
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}")
    cursor = db.conn.execute(
        "INSERT INTO users (username, password_hash, role, store_id, active, version, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash,"
        " role = excluded.role, store_id = excluded.store_id, active = excluded.active,"
        " version = excluded.version, updated_at = excluded.updated_at"
        " WHERE excluded.version > users.version",
        (username, password_hash, role, store_id, int(active), version, isoformat_z(utcnow())),
    )
    return cursor.rowcount > 0
