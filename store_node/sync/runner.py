"""Wiring the sync library to this store: client, lock, runner, scheduled jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from sync.client import SyncClient
from sync.jobs import SyncRunner, job_specs, start_scheduler
from sync.lock import SyncLock

from .. import settings as settings_module
from .store_data import StoreSyncData

LOCK_FILENAME = "sync.lock"


class SyncNotConfigured(Exception):
    """The store has no head-office URL or sync token (see ``comptoir store init``)."""


def sync_settings(db: sqlite_utils.Database) -> tuple[int, str, str]:
    values = settings_module.read_all(db)
    url, token = values.get("head_office_url"), values.get("sync_token")
    if not url or not token:
        raise SyncNotConfigured(
            "this store has no head-office URL or sync token: "
            "run `comptoir store init --store-id N --head-office URL --token T`"
        )
    return int(values["store_id"]), str(url), str(token)


def build_runner(
    db: sqlite_utils.Database, data_dir: str | Path, batch_size: int | None = None
) -> SyncRunner:
    store_id, url, token = sync_settings(db)
    client = SyncClient(base_url=url, token=token, store_id=store_id, data=StoreSyncData(db))
    if batch_size:
        client.batch_size = batch_size
    return SyncRunner(client, SyncLock(Path(data_dir) / LOCK_FILENAME))


def start_background_sync(db: sqlite_utils.Database, data_dir: str | Path, config: dict[str, Any]) -> Any:
    """Start the push and pull jobs (``comptoir store serve`` calls this); returns the scheduler."""
    runner = build_runner(db, data_dir)
    specs = job_specs(
        runner,
        push_every_s=float(config.get("PUSH_INTERVAL_S") or 5),
        pull_every_s=float(config.get("PULL_INTERVAL_S") or 30),
    )
    return start_scheduler(specs)
