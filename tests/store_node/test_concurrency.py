"""Several tills selling at once through the real HTTP server, and a process killed after a sale."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import requests

from tests.support import free_port
from tests.support import live_server as serve

TILLS = 6
SALES_PER_TILL = 10


def test_concurrent_tills_get_contiguous_receipts_and_exact_stock(app, store) -> None:
    store.add_product("T-HOT", 250, on_hand=1000)
    store.add_product("T-COLD", 199, tax_class="exempt", on_hand=500)
    with serve(app) as base:
        token = requests.post(base + "/api/v1/session",
                              json={"username": "cashier3", "password": "cashier"},
                              timeout=10).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        receipts: list[str] = []
        failures: list[str] = []
        lock = threading.Lock()

        def till() -> None:
            with requests.Session() as http:
                for _ in range(SALES_PER_TILL):
                    response = http.post(base + "/api/v1/sales", headers=headers, timeout=30, json={
                        "lines": [{"sku": "T-HOT", "qty": 2}, {"sku": "T-COLD", "qty": 1}],
                        "payments": [{"tender": "cash", "amount_cents": 2000}]})
                    with lock:
                        if response.status_code == 201:
                            receipts.append(response.json()["receipt_number"])
                        else:
                            failures.append(response.text)

        threads = [threading.Thread(target=till) for _ in range(TILLS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    total = TILLS * SALES_PER_TILL
    assert failures == []
    assert sorted(receipts) == [f"S03-{n:06d}" for n in range(1, total + 1)]
    assert store.on_hand("T-HOT") == 1000 - 2 * total
    assert store.on_hand("T-COLD") == 500 - total
    assert [e["seq"] for e in store.events()] == list(range(1, total + 1))
    assert store.scalar("SELECT count(*) FROM sales") == total
    assert store.scalar("SELECT sum(-delta) FROM stock_movements WHERE kind = 'sale'") == 3 * total


@pytest.mark.slow
def test_a_confirmed_sale_survives_the_process_being_killed(data_dir) -> None:
    port = free_port()
    env = {**os.environ, "COMPTOIR_DATA_DIR": str(data_dir), "COMPTOIR_REQUIRE_SHIFT": "false"}
    process = subprocess.Popen(
        [sys.executable, "-m", "common.cli", "store", "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        token = requests.post(base + "/api/v1/session", timeout=10,
                              json={"username": "cashier3", "password": "cashier"}).json()["token"]
        response = requests.post(base + "/api/v1/sales", timeout=10,
                                 headers={"Authorization": f"Bearer {token}"},
                                 json={"lines": [{"sku": "GRO-003", "qty": 1}],
                                       "payments": [{"tender": "card", "amount_cents": 499}]})
        assert response.status_code == 201
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    sale = response.json()
    conn = sqlite3.connect(data_dir / "store.sqlite3")
    try:
        row = conn.execute("SELECT receipt_number, total_cents FROM sales WHERE id = ?",
                           (sale["id"],)).fetchone()
        event = conn.execute("SELECT payload FROM outbox WHERE type = 'sale'").fetchone()
    finally:
        conn.close()
    assert row == (sale["receipt_number"], 499)
    assert json.loads(event[0])["id"] == sale["id"]
