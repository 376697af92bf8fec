"""Users: add, list, change a password, disable and enable. Passwords are hashed with scrypt
and never logged.

A password change or a disabled account bumps the user's ``session_epoch``:
every token and page session issued before stops working, at head office
(within each process's refresh interval) and at each store once it pulled
the change.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import Conflict, NotFound, ValidationFailed
from common.i18n import _
from common.security import hash_password

from ..audit import record
from ..changes import log_change
from ..models import ROLES, STAFF_ROLES, Store, User

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")


def add_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    store_id: int | None = None,
    full_name: str = "",
    actor: str = "system",
    min_password_length: int = 8,
    password_hash: str | None = None,
) -> User:
    """Create a user. Demo seeding passes a shorter ``min_password_length``."""
    errors: dict[str, list[str]] = {}
    if not USERNAME.match(username or ""):
        errors["username"] = [_("2 to 64 letters, digits, '.', '_' or '-'.")]
    if not password or len(password) < min_password_length:
        errors["password"] = [_("At least %(count)s characters.", count=min_password_length)]
    if role not in ROLES:
        errors["role"] = [_("One of %(choices)s.", choices=", ".join(ROLES))]
    if role in STAFF_ROLES and store_id is None:
        errors["store_id"] = [_("Store staff need a home store.")]
    if store_id is not None and session.get(Store, store_id) is None:
        errors["store_id"] = [_("No store %(store_id)s.", store_id=store_id)]
    if errors:
        raise ValidationFailed(_("Invalid user."), errors=errors)
    if session.scalar(select(User).where(func.lower(User.username) == username.lower())):
        raise Conflict(_("User %(username)s already exists.", username=username), code="duplicate_user")
    user = User(
        username=username,
        password_hash=password_hash or hash_password(password),
        role=role,
        store_id=store_id,
        full_name=full_name,
    )
    session.add(user)
    session.flush()
    # Stores learn of users by sync (hashes only), so a new user can sign in at the till offline.
    log_change(session, "user", user.username, user.version, user_wire(user))
    record(session, actor, "user.add", "user", username, None,
           {"username": username, "role": role, "store_id": store_id})
    return user


def user_wire(user: User) -> dict:
    """What stores receive of a user (the password hash only, so the till signs in offline)."""
    return {
        "username": user.username,
        "password_hash": user.password_hash,
        "role": user.role,
        "store_id": user.store_id,
        "full_name": user.full_name,
        "active": user.active,
        "version": user.version,
        "session_epoch": user.session_epoch,
        "language": user.language,  # "fr", "en" or None (the browser's): it follows the user to the till
    }


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(func.lower(User.username) == (username or "").lower()))
    if user is None:
        raise NotFound(_("No user %(username)s.", username=username))
    return user


def _changed(session: Session, user: User, actor: str, action: str, before: dict, after: dict) -> None:
    user.version = user.version + 1
    session.flush()
    log_change(session, "user", user.username, user.version, user_wire(user))
    record(session, actor, action, "user", user.username, before, after)


def change_password(
    session: Session, username: str, password: str, actor: str = "system", min_password_length: int = 8
) -> User:
    """Set a new password; every token and session of the user ends."""
    if not password or len(password) < min_password_length:
        raise ValidationFailed(
            _("Invalid password."),
            errors={"password": [_("At least %(count)s characters.", count=min_password_length)]},
        )
    user = get_user(session, username)
    user.password_hash = hash_password(password)
    user.session_epoch = user.session_epoch + 1
    _changed(session, user, actor, "user.password", {}, {"password": "changed"})
    return user


def set_active(session: Session, username: str, active: bool, actor: str = "system") -> User:
    """Disable (every token and session of the user ends) or enable a user."""
    user = get_user(session, username)
    if user.active == active:
        return user
    before = {"active": user.active}
    user.active = active
    if not active:
        user.session_epoch = user.session_epoch + 1
    _changed(session, user, actor, "user.enable" if active else "user.disable", before,
             {"active": active})
    return user


def set_language(session: Session, username: str, language: str, actor: str | None = None) -> User:
    """Save the user's language ("fr" or "en"); stores receive it with the user at their next pull."""
    user = get_user(session, username)
    if user.language == language:
        return user
    before = {"language": user.language}
    user.language = language
    _changed(session, user, actor or username, "user.language", before, {"language": language})
    return user


def list_users(session: Session) -> list[User]:
    """Staff users (online shop customers are left out)."""
    return list(session.scalars(select(User).where(User.role != "customer").order_by(User.username)))
