"""Scheduled sync jobs, declared as data with stable ids, started by ``comptoir store serve``.

Push runs every few seconds when there is work, pull every few tens of
seconds. While head office is unreachable each job backs off exponentially
with jitter. A file lock keeps a scheduled run and ``comptoir sync now``
(another process) from overlapping: the scheduler skips a tick when the lock
is held; the CLI waits for it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from . import monitoring
from .backoff import Backoff
from .client import SyncClient, SyncError
from .lock import SyncBusy, SyncLock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    id: str
    seconds: float
    run: Callable[[], Any]


class SyncRunner:
    """Push and pull with backoff and the single-flight lock; what the jobs and the CLI call."""

    def __init__(
        self,
        client: SyncClient,
        lock: SyncLock,
        push_backoff: Backoff | None = None,
        pull_backoff: Backoff | None = None,
    ) -> None:
        self.client = client
        self.lock = lock
        self.push_backoff = push_backoff or Backoff()
        self.pull_backoff = pull_backoff or Backoff(base_s=5.0)
        monitoring.init_store(client.store_id)

    def _guarded(self, name: str, backoff: Backoff, action: Callable[[], Any], wait: bool) -> Any:
        if not wait and not backoff.ready():
            return None
        try:
            self.lock.acquire(wait=wait)
        except SyncBusy:
            return None
        started = time.perf_counter()
        try:
            result = action()
        except SyncError as exc:
            monitoring.record(
                name, self.client.store_id, monitoring.outcome_of(exc.status), time.perf_counter() - started
            )
            delay = backoff.failed()
            self.client.data.record_sync(online=False, last_error=f"{name}: {exc.reason}")
            log.warning("%s failed (%s); next try in %.0f s", name, exc.reason, delay)
            raise
        finally:
            self.lock.release()
        monitoring.record(name, self.client.store_id, "ok", time.perf_counter() - started)
        backoff.succeeded()
        return result

    def push(self, wait: bool = False) -> Any:
        return self._guarded("push", self.push_backoff, self.client.push_once, wait)

    def pull(self, wait: bool = False, full: bool = False) -> Any:
        return self._guarded("pull", self.pull_backoff, lambda: self.client.pull_once(full=full), wait)

    def push_if_pending(self) -> None:
        """The push job: only talks to head office when there is work (or to report every minute)."""
        try:
            if self.client.data.pending_count() == 0:
                return
            self.push()
        except SyncError:
            pass

    def pull_job(self) -> None:
        try:
            self.pull()
        except SyncError:
            pass

    def heartbeat(self) -> None:
        """Report the store's status (and reconciliation totals) even with nothing to push."""
        try:
            self.push()
        except SyncError:
            pass


def job_specs(runner: SyncRunner, push_every_s: float, pull_every_s: float) -> list[JobSpec]:
    return [
        JobSpec("comptoir.sync.push", push_every_s, runner.push_if_pending),
        JobSpec("comptoir.sync.pull", pull_every_s, runner.pull_job),
        JobSpec("comptoir.sync.heartbeat", 60.0, runner.heartbeat),
    ]


def start_scheduler(specs: list[JobSpec]) -> BackgroundScheduler:
    """Run the jobs one at a time on one thread: they share the store's sync connection."""
    scheduler = BackgroundScheduler(daemon=True, executors={"default": ThreadPoolExecutor(max_workers=1)})
    for spec in specs:
        scheduler.add_job(
            spec.run,
            "interval",
            seconds=spec.seconds,
            id=spec.id,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    scheduler.start()
    for spec in specs:  # a first run now, not after the first interval
        job = scheduler.get_job(spec.id)
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))
    return scheduler
