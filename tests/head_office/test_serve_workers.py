"""`comptoir head-office serve --workers N`: real processes on one port, metrics of every worker."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.support import free_port
from tests.sync.processes import base_env, wait_healthy

pytestmark = pytest.mark.slow


def _worker_pids(metrics_base: Path) -> set[int]:
    """Pids of the workers that have counted at least one request (one file per process)."""
    return {int(m.group(1)) for f in metrics_base.glob("*/counter_*.db")
            if (m := re.match(r"counter_(\d+)\.db", f.name))}


def _healthz_count(base: str) -> float:
    text = requests.get(base + "/metrics", timeout=5).text
    match = re.search(r'comptoir_http_requests_total\{endpoint="healthz",method="GET",'
                      r'service="head_office",status="200"\} ([0-9.e+]+)', text)
    return float(match.group(1)) if match else 0.0


def test_workers_share_one_port_count_every_request_and_stop_on_sigterm(ho_engine, pg_url, tmp_path):
    port = free_port()
    metrics_base = tmp_path / "metrics"
    env = base_env(COMPTOIR_DATABASE_URL=pg_url, PROMETHEUS_MULTIPROC_DIR=str(metrics_base))
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 - closed below
    parent = subprocess.Popen(
        [sys.executable, "-m", "common.cli", "head-office", "serve", "--port", str(port),
         "--workers", "2", "--threads", "4"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, parent)
        # New connections, several at once, until both workers have answered some.
        sent = 1  # wait_healthy's last request
        with ThreadPoolExecutor(8) as pool:
            while len(_worker_pids(metrics_base)) < 2 and sent < 4000:
                codes = list(pool.map(lambda _: requests.get(base + "/healthz", timeout=5).status_code,
                                      range(40)))
                assert codes == [200] * 40
                sent += 40
        workers = _worker_pids(metrics_base)
        assert len(workers) == 2, f"only {workers} answered after {sent} requests"
        # Whichever worker answers /metrics counts the requests of both; the failed health
        # checks before start-up never reached a worker.
        assert _healthz_count(base) >= sent
        assert _healthz_count(base) <= sent + 200  # wait_healthy's retries at most

        # A worker that dies is replaced; the port keeps answering.
        victim = sorted(workers)[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert requests.get(base + "/healthz", timeout=5).status_code == 200
            if len(_worker_pids(metrics_base) - {victim}) == 2:
                break
            time.sleep(0.2)
        live = _worker_pids(metrics_base) - {victim}
        assert len(live) == 2
    finally:
        parent.send_signal(signal.SIGTERM)
        code = parent.wait(30)
        log.close()
    assert code == 0, (tmp_path / "serve.log").read_text()
    for pid in live:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(requests.ConnectionError):
        requests.get(base + "/healthz", timeout=2)
    assert list(metrics_base.iterdir()) == []  # the run's metrics folder is gone
