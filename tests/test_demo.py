"""``comptoir demo`` as a new user runs it: everything starts, syncs, and stops on SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from tests.support import free_port

pytestmark = pytest.mark.slow


def free_block(size: int) -> int:
    for base in range(20_000, 60_000, 97):
        ok = True
        for port in range(base, base + size):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free block of ports")


def sign_in(url: str, username: str, password: str) -> dict[str, str]:
    reply = requests.post(
        url + "/api/v1/session", json={"username": username, "password": password}, timeout=10
    )
    reply.raise_for_status()
    return {"Authorization": f"Bearer {reply.json()['token']}"}


def test_demo_starts_the_chain_syncs_a_sale_and_stops_cleanly(tmp_path):
    base = free_block(3)
    prometheus_port = free_port()
    with_prometheus = shutil.which("prometheus") is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPTOIR_")}
    env["PYTHONUNBUFFERED"] = "1"
    log = open(tmp_path / "demo.log", "w+")  # noqa: SIM115
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "common.cli",
            "demo",
            "--stores",
            "2",
            "--base-port",
            str(base),
            "--data-dir",
            str(tmp_path / "data"),
            "--history-days",
            "3",
            "--prometheus-port",
            str(prometheus_port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 180
        while "Press Ctrl-C" not in (tmp_path / "demo.log").read_text():
            assert demo.poll() is None, (tmp_path / "demo.log").read_text()
            assert time.monotonic() < deadline, "the demo did not start"
            time.sleep(0.5)
        banner = (tmp_path / "demo.log").read_text()
        head_office, store = f"http://127.0.0.1:{base}", f"http://127.0.0.1:{base + 1}"
        assert head_office in banner and store in banner
        assert "manager / manager" in banner and "cashier1 / cashier" in banner

        till = sign_in(store, "cashier1", "cashier")  # the store was seeded by sync: users, catalog
        shift = requests.post(store + "/api/v1/shifts", headers=till, timeout=10,
                              json={"register": "1", "opening_float_cents": 20000})
        assert shift.status_code == 201, shift.text
        sale = requests.post(
            store + "/api/v1/sales",
            headers=till,
            timeout=10,
            json={
                "lines": [{"sku": "GRO-006", "qty": 1}],
                "payments": [{"tender": "card", "amount_cents": 1299}],
            },
        )
        assert sale.status_code == 201, sale.text
        manager = sign_in(head_office, "manager", "manager")
        day = sale.json()["business_date"]
        deadline = time.monotonic() + 30  # pushed by the store's own scheduler within seconds
        while True:
            report = requests.get(
                head_office + "/api/v1/reports/sales",
                headers=manager,
                timeout=10,
                params={"from": day, "to": day, "store": 1},
            ).json()
            if report["stores"][0]["sales_count"] == 1:
                break
            assert time.monotonic() < deadline, report
            time.sleep(1)
        assert report["stores"][0]["revenue_cents"] == 1299

        # Every part logs JSON lines under the demo folder: the sale's request id is in the store's.
        store_log = (tmp_path / "data" / "logs" / "S01.log").read_text()
        assert sale.headers["X-Request-Id"] in store_log
        assert (tmp_path / "data" / "logs" / "head-office.log").exists()

        if with_prometheus:  # a newcomer sees the chain's targets up and its alerts loaded
            prometheus = f"http://127.0.0.1:{prometheus_port}"
            assert prometheus in banner
            deadline = time.monotonic() + 60
            while True:
                targets = requests.get(prometheus + "/api/v1/targets", timeout=5).json()["data"]
                health = {t["labels"]["job"] + " " + t["scrapeUrl"]: t["health"] for t in targets["activeTargets"]}
                if len(health) == 3 and set(health.values()) == {"up"}:
                    break
                assert time.monotonic() < deadline, health
                time.sleep(1)
            groups = requests.get(prometheus + "/api/v1/rules", timeout=5).json()["data"]["groups"]
            assert "StoreSilent" in {rule["name"] for group in groups for rule in group["rules"]}
        else:
            assert "Prometheus is not installed" in banner
    finally:
        demo.send_signal(signal.SIGTERM)
        try:
            demo.wait(60)
        finally:
            log.close()
    assert demo.returncode == 0
    assert "Stopped." in (tmp_path / "demo.log").read_text()
    for port in (base, base + 1, base + 2, prometheus_port):  # nothing left listening
        with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
            sock.connect(("127.0.0.1", port))
