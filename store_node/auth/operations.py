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
from common.i18n import _, language_code
from common.security import check_sign_in
from common.throttle import LoginThrottle
from common.tokens import TokenClaims, TokenSigner

ROLES = ("cashier", "store_manager", "manager", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
ROLE_LABELS = {
    "cashier": "cashier",
    "store_manager": "store manager",
    "manager": "manager",
    "admin": "administrator",
}


@dataclass(frozen=True)
class Staff:
    id: int
    username: str
    role: str
    store_id: int | None
    session_epoch: int = 0

    def at_least(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


_STAFF_COLUMNS = "id, username, role, store_id, session_epoch"


def _staff(row: sqlite3.Row) -> Staff:
    return Staff(id=int(row["id"]), username=str(row["username"]), role=str(row["role"]),
                 store_id=row["store_id"], session_epoch=int(row["session_epoch"]))


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

    Failures are counted by ``throttle`` (per user and address, per address,
    per user); past its limits sign-in is refused for a while (429 with
    ``Retry-After``) even with the right password. An unknown username is
    checked against a dummy hash, so it costs as much as a wrong password.
    """
    username = (username or "").strip()
    if throttle:
        throttle.check(username, address)
    row = db.conn.execute(
        f"SELECT {_STAFF_COLUMNS}, password_hash, active FROM users"
        " WHERE username = ? COLLATE NOCASE",
        (username,),
    ).fetchone()
    password_ok = check_sign_in(row["password_hash"] if row else None, password or "")
    if row is None or not password_ok or not row["active"]:
        if throttle:
            throttle.failed(username, address)
        raise Unauthorized(_("Wrong username or password."), code="invalid_credentials")
    staff = _staff(row)
    if not may_work_here(staff, store_id):
        raise Forbidden(
            _(
                "%(username)s works at store %(store_id)s, not at this store.",
                username=staff.username,
                store_id=staff.store_id,
            ),
            code="wrong_store",
        )
    if throttle:
        throttle.succeeded(username, address)
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
    """A token for this store only (its issuer is ``store:N``), naming the user by username."""
    staff = check_credentials(db, username, password, store_id, throttle, address)
    token, _claims = signer.issue(staff.username, staff.session_epoch)
    return token, staff


def staff_for_token(db: sqlite_utils.Database, signer: TokenSigner, token: str, store_id: int) -> Staff:
    """The signed-in staff member for a token: signature, audience (this store), expiry,
    sign-out, and the user still active with the same credentials."""
    claims = signer.verify(token)
    return staff_for_claims(db, claims, store_id)


def staff_for_claims(db: sqlite_utils.Database, claims: TokenClaims, store_id: int) -> Staff:
    row = db.conn.execute(
        f"SELECT {_STAFF_COLUMNS}, active,"
        " EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ?) AS revoked FROM users"
        " WHERE username = ? COLLATE NOCASE",
        (claims.jti, claims.username),
    ).fetchone()
    if row is None or not row["active"]:
        raise Unauthorized(_("This account is no longer active."), code="invalid_token")
    if row["revoked"]:
        raise Unauthorized(_("You signed out: sign in again."), code="token_revoked")
    staff = _staff(row)
    if staff.session_epoch != claims.epoch:
        raise Unauthorized(
            _("This sign-in has ended (the password changed or the account was disabled): sign in again."),
            code="token_revoked",
        )
    if not may_work_here(staff, store_id):
        raise Forbidden(_("%(username)s may not work at this store.", username=staff.username),
                        code="wrong_store")
    return staff


def sign_out(db: sqlite_utils.Database, signer: TokenSigner, token: str) -> None:
    """Revoke a token of this store (idempotent). A token that is not valid here (garbled,
    forged, another service's) raises ``Unauthorized``; an expired one needs no revoking."""
    try:
        claims = signer.verify(token)
    except Unauthorized as exc:
        if exc.code == "token_expired":
            return
        raise
    db.conn.execute(
        "INSERT INTO revoked_tokens (jti, revoked_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING",
        (claims.jti, isoformat_z(utcnow())),
    )


def require_role(staff: Staff, role: str) -> None:
    if not staff.at_least(role):
        raise Forbidden(
            _(
                "This needs a %(value)s or above; %(username)s is a %(value2)s.",
                value=ROLE_LABELS[role],
                username=staff.username,
                value2=ROLE_LABELS[staff.role],
            ),
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
    session_epoch: int = 0,
    language: str | None = None,
) -> bool:
    """Insert or update a user if ``version`` is newer (seed and the sync sink use it).

    ``language`` is the user's choice saved at head office ("fr" or "en"): it replaces the
    one kept here; None (no choice there, or an older head office) keeps the local one.
    Returns True when a row changed.
    """
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}")
    language = language_code(language)
    cursor = db.conn.execute(
        "INSERT INTO users (username, password_hash, role, store_id, active, version,"
        " session_epoch, updated_at, language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash,"
        " role = excluded.role, store_id = excluded.store_id, active = excluded.active,"
        " version = excluded.version, session_epoch = excluded.session_epoch,"
        " updated_at = excluded.updated_at,"
        " language = coalesce(excluded.language, users.language)"
        " WHERE excluded.version > users.version",
        (username, password_hash, role, store_id, int(active), version, int(session_epoch),
         isoformat_z(utcnow()), language),
    )
    return cursor.rowcount > 0
