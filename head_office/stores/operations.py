"""Stores: add, list, issue sync tokens (shown once, stored as a hash)."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.clock import DEFAULT_TIMEZONE, is_valid_timezone, utcnow
from common.errors import Conflict, NotFound, ValidationFailed
from common.i18n import _
from common.limits import text_problem
from common.security import hash_token, new_store_token

from ..audit import record
from ..models import Store, StoreSyncState

CODE_PATTERN = re.compile(r"^S\d{2,4}$")


def add_store(
    session: Session,
    code: str,
    name: str,
    timezone: str = DEFAULT_TIMEZONE,
    store_id: int | None = None,
    actor: str = "system",
) -> Store:
    code = code.strip().upper()
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not CODE_PATTERN.match(code):
        errors["code"] = [_("A store code is S followed by digits, e.g. S06.")]
    if not name:
        errors["name"] = [_("A store needs a name.")]
    elif problem := text_problem(name, max_length=120):
        errors["name"] = [problem]  # printable text only, from the console and the CLI alike
    if not is_valid_timezone(timezone):
        errors["timezone"] = [
            _("Unknown timezone %(timezone)s (e.g. America/Toronto).", timezone=repr(timezone))
        ]
    if store_id is not None and not 0 < store_id < 10_000:
        errors["id"] = [_("A store id is between 1 and 9999.")]
    if errors:
        raise ValidationFailed(_("Invalid store."), errors=errors)
    if session.scalar(select(Store).where(Store.code == code)) is not None:
        raise Conflict(_("A store with code %(code)s already exists.", code=code), code="duplicate_store")
    if store_id is None:
        store_id = (session.scalar(select(func.max(Store.id))) or 0) + 1
    elif session.get(Store, store_id) is not None:
        raise Conflict(_("Store %(store_id)s already exists.", store_id=store_id), code="duplicate_store")
    store = Store(id=store_id, code=code, name=name, timezone=timezone)
    session.add(store)
    session.add(StoreSyncState(store_id=store_id))
    session.flush()
    record(session, actor, "store.add", "store", store_id, None,
           {"code": code, "name": name, "timezone": timezone})
    return store


def list_stores(session: Session) -> list[Store]:
    return list(session.scalars(select(Store).order_by(Store.id)))


def get_store(session: Session, store_id: int) -> Store:
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound(_("No store %(store_id)s.", store_id=store_id), code="unknown_store")
    return store


def issue_token(session: Session, store_id: int, actor: str = "system") -> str:
    """A new sync token for the store; the previous one stops working."""
    store = get_store(session, store_id)
    token = new_store_token()
    had_token = store.token_hash is not None
    store.token_hash = hash_token(token)
    store.token_issued_at = utcnow()
    session.flush()
    record(session, actor, "store.token_issued", "store", store_id,
           {"had_token": had_token}, {"token_issued_at": store.token_issued_at.isoformat()})
    return token


def store_for_token(session: Session, token: str) -> Store | None:
    return session.scalar(select(Store).where(Store.token_hash == hash_token(token)))
