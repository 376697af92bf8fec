"""The store's SQLite file: connections, durability settings, migrations, transactions.

One connection per thread (waitress serves each request on one of its
threads), in autocommit mode so that every multi-step write states its own
transaction with ``BEGIN IMMEDIATE`` (see :func:`immediate`): the write lock
is taken at the start, so two tills never interleave inside a sale.

WAL mode with ``synchronous=FULL``: a transaction whose COMMIT returned is on
disk, and survives a power cut.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from common.clock import isoformat_z, utcnow

from .migrations import MIGRATIONS

DB_FILENAME = "store.sqlite3"
BUSY_TIMEOUT_MS = 10_000


_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def write_lock(path: str | Path) -> threading.Lock:
    """One lock per database file in this process, taken before ``BEGIN IMMEDIATE``.

    SQLite's own busy handler makes a waiting writer sleep in steps of up to
    100 ms; queueing this process's writers on a lock instead wakes the next
    one as soon as the previous commit returns. Other processes (the CLI)
    still meet SQLite's lock and busy timeout.
    """
    key = str(Path(path).resolve())
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(key, threading.Lock())


class StoreDatabase(sqlite_utils.Database):
    """A ``sqlite_utils.Database`` that knows the write lock of its file."""

    write_lock: threading.Lock | None = None


class NotInitialised(Exception):
    """The data folder holds no store database (run ``comptoir store init``)."""


def db_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / DB_FILENAME


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open the store database with the durability settings every connection needs."""
    conn = sqlite3.connect(
        str(path),
        isolation_level=None,  # autocommit: transactions are explicit
        timeout=BUSY_TIMEOUT_MS / 1000,
        check_same_thread=False,  # closed by the pool from the main thread at shutdown
        cached_statements=256,
    )
    conn.row_factory = sqlite3.Row  # rows are read by column name
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys=ON")
    db = StoreDatabase(conn, execute_plugins=False)
    db.write_lock = write_lock(path)
    return db


def open_existing(data_dir: str | Path) -> sqlite_utils.Database:
    """Open an initialised store database, or raise :class:`NotInitialised`."""
    path = db_path(data_dir)
    if not path.exists():
        raise NotInitialised(
            f"no store database in {Path(data_dir).resolve()}: run `comptoir store init` first"
        )
    db = connect(path)
    if "migrations" not in db.table_names():
        db.close()
        raise NotInitialised(f"{path} is not an initialised store database")
    return db


@contextmanager
def immediate(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """One write transaction taking the write lock at once (``BEGIN IMMEDIATE``).

    Commits when the block ends, rolls everything back if it raises.
    """
    conn = db.conn
    lock = getattr(db, "write_lock", None)
    if lock is not None:
        lock.acquire()
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        if lock is not None:
            lock.release()


def migrate(db: sqlite_utils.Database) -> list[int]:
    """Apply pending migrations in order; returns the numbers applied."""
    conn = db.conn
    conn.execute(
        "CREATE TABLE IF NOT EXISTS migrations ("
        " number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    applied: list[int] = []
    for number, name, sql in MIGRATIONS:
        with immediate(db):
            done = conn.execute("SELECT 1 FROM migrations WHERE number = ?", (number,)).fetchone()
            if done:
                continue
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO migrations (number, name, applied_at) VALUES (?, ?, ?)",
                (number, name, isoformat_z(utcnow())),
            )
        applied.append(number)
    return applied


def _statements(script: str) -> Iterator[str]:
    """Split a migration script into statements (``executescript`` would commit)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            buffer = ""
            if statement:
                yield statement
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement in a migration: {buffer.strip()[:60]}")


class ConnectionPool:
    """One connection per thread to one database file, all closed by :meth:`close_all`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._all: list[sqlite_utils.Database] = []
        self._lock = threading.Lock()

    def get(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            db = connect(self.path)
            self._local.db = db
            with self._lock:
                self._all.append(db)
        return db

    def close_all(self) -> None:
        with self._lock:
            dbs, self._all = self._all, []
        for db in dbs:
            try:
                db.close()
            except sqlite3.Error:  # pragma: no cover - closing never matters more than exiting
                pass
        self._local = threading.local()
