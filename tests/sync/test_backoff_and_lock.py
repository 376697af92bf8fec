"""Backoff with jitter while head office is unreachable; one sync run at a time across processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from sync.backoff import Backoff
from sync.lock import SyncBusy, SyncLock


def test_backoff_doubles_with_jitter_up_to_a_cap_and_resets_on_success():
    now = [100.0]
    backoff = Backoff(base_s=2, cap_s=60, clock=lambda: now[0], rng=lambda: 1.0)
    assert backoff.ready()
    assert [backoff.failed() for _ in range(7)] == [2, 4, 8, 16, 32, 60, 60]
    assert not backoff.ready()
    now[0] += 59
    assert not backoff.ready()
    now[0] += 1
    assert backoff.ready()
    backoff.succeeded()
    assert backoff.failures == 0 and backoff.ready()


def test_jitter_spreads_stores_between_half_and_all_of_the_delay():
    low = Backoff(base_s=2, rng=lambda: 0.0)
    high = Backoff(base_s=2, rng=lambda: 1.0)
    assert low.delay_for(3) == 4.0 and high.delay_for(3) == 8.0


def test_the_lock_is_held_across_processes(tmp_path):
    path = tmp_path / "sync.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time
            from sync.lock import SyncLock
            lock = SyncLock({str(path)!r}); lock.acquire()
            print("held", flush=True); time.sleep(2)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(SyncBusy):
        SyncLock(path).acquire(wait=False)
    waiting = SyncLock(path)
    waiting.acquire(wait=True, timeout=10)  # a forced run waits for the scheduled one
    waiting.release()
    holder.wait(5)
    holder.stdout.close()
