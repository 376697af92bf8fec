"""A refused request leaves nothing behind, even when the store node is killed right after it."""

from __future__ import annotations

import signal

import pytest
import requests

from store_node.db import open_existing
from store_node.setup import init_store, seed_demo
from tests.support import free_port
from tests.sync.processes import Service, base_env

pytestmark = pytest.mark.slow


def snapshot(folder) -> dict[str, object]:
    db = open_existing(folder)
    try:
        conn = db.conn
        return {
            "stock": conn.execute("SELECT sku, on_hand FROM stock ORDER BY sku").fetchall(),
            "movements": conn.execute("SELECT count(*) FROM stock_movements").fetchone()[0],
            "outbox": conn.execute("SELECT seq, event_id, type FROM outbox ORDER BY seq").fetchall(),
            "sequences": conn.execute("SELECT name, value FROM sequences ORDER BY name").fetchall(),
            "sales": conn.execute("SELECT count(*) FROM sales").fetchone()[0],
            "returns": conn.execute("SELECT count(*) FROM returns").fetchone()[0],
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
        }
    finally:
        db.close()


REFUSED = [
    ("/sales", {"lines": [{"sku": "GRO-003", "qty": 1}], "payments": [{"tender": "cash", "amount_cents": 2**31}]}),
    ("/sales", {"lines": [{"sku": "GRO-003", "qty": 10_001}], "payments": [{"tender": "cash", "amount_cents": 100}]}),
    ("/sales", {"lines": [{"sku": "GRO-003", "qty": 1}] * 201, "payments": []}),
    ("/sales", {"lines": [{"sku": "GRO-003", "qty": 1, "discount_cents": 10**9}], "payments": []}),
    ("/sales", {"lines": [{"sku": "GRO-003", "qty": 9_999}], "payments": [{"tender": "cash", "amount_cents": 10**8}]}),
    ("/sales", {"lines": [{"sku": "GRO-003", "qty": 1}], "payments": [{"tender": "card", "amount_cents": 10**8}]}),
    ("/returns", {"receipt_number": "S03-000001", "lines": [{"sku": "GRO-003", "qty": 5}]}),
    ("/stock/adjustments", {"sku": "GRO-003", "delta": 10**12}),
]


def test_kill_9_after_a_refused_request_leaves_stock_outbox_and_sequences_as_they_were(tmp_path):
    folder = tmp_path / "store"
    init_store(folder, 3, "http://127.0.0.1:9", "test-token")
    db = open_existing(folder)
    try:
        seed_demo(db)
    finally:
        db.close()
    env = base_env(COMPTOIR_DATA_DIR=str(folder), COMPTOIR_SECRET_KEY="kill-9")
    store = Service(["store", "serve", "--data-dir", str(folder)], free_port(), env, tmp_path / "store.log")
    store.start()
    try:
        signed = requests.post(store.url + "/api/v1/session",
                               json={"username": "storemgr3", "password": "storemgr"}, timeout=10)
        assert signed.status_code in (200, 201), signed.text
        headers = {"Authorization": f"Bearer {signed.json()['token']}"}
        sold = requests.post(store.url + "/api/v1/sales", headers=headers, timeout=10, json={
            "lines": [{"sku": "GRO-003", "qty": 2}], "payments": [{"tender": "cash", "amount_cents": 5000}],
        })
        assert sold.status_code == 201, sold.text
        for path, body in REFUSED:
            before = snapshot(folder)
            refused = requests.post(store.url + "/api/v1" + path, json=body, headers=headers, timeout=10)
            assert 400 <= refused.status_code < 500, (path, refused.text)
            assert refused.json()["code"] and refused.json()["message"]
            store.stop(signal.SIGKILL)  # at once, before anything could be flushed later
            after = snapshot(folder)
            assert after == before, (path, body)
            assert after["integrity"] == "ok"
            store.start()
        # The node carries on from the same numbers.
        again = requests.post(store.url + "/api/v1/sales", headers=headers, timeout=10, json={
            "lines": [{"sku": "GRO-003", "qty": 1}], "payments": [{"tender": "cash", "amount_cents": 5000}],
        })
        assert again.status_code == 201, again.text
        assert again.json()["receipt_number"] == "S03-000002"
        assert snapshot(folder)["outbox"][-1][0] == before["outbox"][-1][0] + 1
    finally:
        store.stop(signal.SIGKILL)
