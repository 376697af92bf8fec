"""Who may hold a token, as this process knows it: checked without a database round trip.

A staff token is signed, so checking it needs no database; what the
signature cannot say is whether the token was signed out, or whether its
user was since disabled or changed password. Each head-office process keeps
that in memory (:class:`AuthCache`) and refreshes it from the database every
``AUTH_REFRESH_S`` seconds (2 by default): the users' state (a few bytes
each) and the token ids revoked within the token lifetime. A refresh reads
only the users and revocations changed since the one before (indexed on
``users.updated_at`` and ``revoked_tokens.revoked_at``), and everything
again every five minutes.

So a token signed out, or a user disabled, at one process stops working
there at once (the process updates its own copy as it commits) and at
every other process within the refresh interval. The reload runs on the
first request after the interval; requests that arrive meanwhile keep using
the copy they have, so at most one request per interval pays for it.

Polling was chosen over PostgreSQL's LISTEN/NOTIFY: it needs no dedicated
connection and listener thread per process, nothing to re-subscribe after
a dropped connection or a failover, and it bounds how stale a process can
be whatever happened to its notifications.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from ..models import RevokedToken, User


@dataclass(frozen=True)
class Principal:
    """A user as tokens and sessions see them (what views read of ``api_user()``)."""

    id: int
    username: str
    role: str
    store_id: int | None
    active: bool
    session_epoch: int
    language: str | None = None  # "fr" or "en" as the user chose; None: the browser's


_COLUMNS = (
    User.id, User.username, User.role, User.store_id, User.active, User.session_epoch, User.language,
)


def _principal(row) -> Principal:
    return Principal(
        id=int(row[0]), username=str(row[1]), role=str(row[2]), store_id=row[3],
        active=bool(row[4]), session_epoch=int(row[5]), language=row[6],
    )


class AuthCache:
    FULL_RELOAD_S = 300  # read every user and revocation again this often
    OVERLAP_S = 60  # look this far behind the last look (see ``_reload``)

    def __init__(
        self,
        engine: Engine,
        refresh_s: float,
        token_ttl_s: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.refresh_s = max(0.0, float(refresh_s))
        self.token_ttl_s = token_ttl_s
        self.clock = clock
        self._users: dict[str, Principal] = {}
        self._revoked: set[str] = set()
        self._revoked_here: dict[str, float] = {}  # jti -> when, until a reload surely has it
        self._loaded_at: float | None = None
        self._full_at: float | None = None
        self._watermark: datetime | None = None  # the database's now() at the last look
        self._lock = threading.Lock()
        self.reloads = 0

    # -- reading -------------------------------------------------------------------------------

    def user(self, username: str) -> Principal | None:
        """The user named ``username`` (any case), or None when there is none."""
        self._refresh_if_due()
        principal = self._users.get(username.lower())
        if principal is None:
            # Created since the last reload (and already signed in at another process).
            principal = self._load_user(username)
        return principal

    def is_revoked(self, jti: str) -> bool:
        self._refresh_if_due()
        return jti in self._revoked or jti in self._revoked_here

    # -- this process's own changes (after they are committed) -----------------------------------

    def revoked(self, jti: str) -> None:
        """A token or session signed out here: refused here from now on."""
        self._revoked_here[jti] = self.clock()

    def remember(self, principal: Principal) -> None:
        """A user just read from the database (sign-in): the freshest state there is."""
        self._users[principal.username.lower()] = principal

    def invalidate(self) -> None:
        """Users changed here (password, disabled): the next request reloads."""
        self._loaded_at = None

    # -- reloading -----------------------------------------------------------------------------

    def _refresh_if_due(self) -> None:
        loaded_at = self._loaded_at
        if loaded_at is not None and self.clock() - loaded_at < self.refresh_s:
            return
        # The first load (or one after ``invalidate``) waits for the lock; later ones are
        # done by whichever request gets it, the others keep the copy they have.
        if not self._lock.acquire(blocking=loaded_at is None):
            return
        try:
            if self._loaded_at is None or self.clock() - self._loaded_at >= self.refresh_s:
                self._reload()
        finally:
            self._lock.release()

    def _reload(self) -> None:
        """Read what changed since the last look (all of it, now and then, and the first time).

        Between full reloads only users whose ``updated_at`` and revocations whose
        ``revoked_at`` are at or after the last look's database time, less
        ``OVERLAP_S``, are read: a change whose transaction began before that
        (``now()`` is the transaction's start) but committed after it is still
        seen, provided it took less than ``OVERLAP_S``; the full reload every
        ``FULL_RELOAD_S`` catches anything slower.
        """
        started = self.clock()
        full = self._full_at is None or started - self._full_at >= self.FULL_RELOAD_S
        with self.engine.connect() as conn:
            db_now = conn.execute(select(func.now())).scalar_one()
            if full or self._watermark is None:
                users_query = select(*_COLUMNS)
                revoked_since = db_now - timedelta(seconds=self.token_ttl_s + self.OVERLAP_S)
            else:
                since = self._watermark - timedelta(seconds=self.OVERLAP_S)
                users_query = select(*_COLUMNS).where(User.updated_at >= since)
                revoked_since = since
            users = conn.execute(users_query).all()
            revoked = conn.execute(
                select(RevokedToken.jti).where(RevokedToken.revoked_at >= revoked_since)
            ).scalars().all()
        fresh = {str(row[1]).lower(): _principal(row) for row in users}
        if full:
            self._users = fresh
            self._revoked = set(revoked)
            self._full_at = started
        else:
            # Readers only ever look single keys up: updating in place is safe.
            self._users.update(fresh)
            self._revoked.update(revoked)
        # A reload that started after a local revocation committed has it; keep the newer ones.
        keep_after = started - self.refresh_s
        self._revoked_here = {j: t for j, t in list(self._revoked_here.items()) if t >= keep_after}
        self._watermark = db_now
        self._loaded_at = started
        self.reloads += 1

    def _load_user(self, username: str) -> Principal | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(*_COLUMNS).where(func.lower(User.username) == username.lower())
            ).first()
        if row is None:
            return None
        principal = _principal(row)
        self.remember(principal)
        return principal
