"""Logs that follow a sale across real processes: grep of the till's request id finds the sale at
the till, the push that carried it and its apply at head office."""

from __future__ import annotations

import json
import time

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.orm import Session

from store_node.db import open_existing
from store_node.setup import init_store
from tests.support import free_port

from .processes import Service, base_env

pytestmark = pytest.mark.slow


def json_lines(path) -> list[dict]:
    """The log's JSON lines (the serve commands also print a plain start-up line)."""
    out = []
    for line in path.read_text().splitlines():
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def grep(path, needle: str) -> list[dict]:
    """What `grep needle log` finds, each line parsed."""
    return [json.loads(line) for line in path.read_text().splitlines() if needle in line]


def pending(folder) -> int:
    db = open_existing(folder)
    try:
        return int(db.conn.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0])
    finally:
        db.close()


def test_one_request_id_follows_a_sale_from_the_till_to_head_office(chain_db, tokens, pg_url, tmp_path):
    ho_log, store_log = tmp_path / "head-office.log", tmp_path / "store.log"
    head_office = Service(
        ["head-office", "serve", "--workers", "1"], free_port(),
        base_env(COMPTOIR_DATABASE_URL=pg_url, COMPTOIR_SECRET_KEY="logs"), ho_log,
    ).start()
    folder = tmp_path / "S01"
    init_store(folder, 1, head_office.url, tokens[1])
    store = Service(
        ["store", "serve", "--data-dir", str(folder)], free_port(),
        base_env(COMPTOIR_DATA_DIR=str(folder), COMPTOIR_PUSH_INTERVAL_S="1", COMPTOIR_PULL_INTERVAL_S="2"),
        store_log,
    ).start()
    try:
        deadline = time.monotonic() + 60
        while True:
            db = open_existing(folder)
            stocked = db.conn.execute("SELECT count(*) FROM stock WHERE on_hand > 0").fetchone()[0]
            db.close()
            if stocked >= 46:
                break
            assert time.monotonic() < deadline, "the store was not seeded by its first pull"
            time.sleep(0.3)
        http = requests.Session()
        token = http.post(store.url + "/api/v1/session", timeout=10,
                          json={"username": "cashier1", "password": "cashier"}).json()["token"]
        sale = http.post(store.url + "/api/v1/sales", timeout=10,
                         headers={"Authorization": f"Bearer {token}"},
                         json={"lines": [{"sku": "SNK-001", "qty": 2}],
                               "payments": [{"tender": "cash", "amount_cents": 5000}]})
        assert sale.status_code == 201, sale.text
        rid = sale.headers["X-Request-Id"]
        deadline = time.monotonic() + 30
        while pending(folder):
            assert time.monotonic() < deadline, "the sale was not pushed"
            time.sleep(0.2)
        with Session(chain_db) as session:
            payload = session.execute(
                text("SELECT payload FROM sync_events WHERE payload ->> 'id' = :id"), {"id": sale.json()["id"]}
            ).scalar_one()
        assert payload["request_id"] == rid  # the event carried the till's request id
    finally:
        store.stop()
        head_office.stop()

    # At the till: the request (who, what, how it went, how long) and the sale it made.
    at_till = grep(store_log, rid)
    access = [line for line in at_till if line["logger"] == "comptoir.access"]
    assert len(access) == 1
    assert access[0]["method"] == "POST" and access[0]["path"] == "/api/v1/sales"
    assert access[0]["status"] == 201 and access[0]["user"] == "cashier1"
    assert access[0]["service"] == "store" and access[0]["store"] == "S01"
    assert access[0]["level"] == "INFO" and access[0]["time"].endswith("Z")
    assert isinstance(access[0]["duration_ms"], float)
    recorded = [line for line in at_till if line.get("receipt_number")]
    assert recorded and recorded[0]["sale_id"] == sale.json()["id"] and recorded[0]["request_id"] == rid
    # The push that carried it: its own request id, which head office's lines carry too.
    pushes = [line for line in at_till if rid in line.get("carried_request_ids", [])]
    assert len(pushes) == 1
    push_id = pushes[0]["request_id"]
    assert push_id != rid and pushes[0]["logger"] == "sync.client"

    at_head_office = grep(ho_log, rid)
    applied = [line for line in at_head_office if rid in line.get("carried_request_ids", [])]
    assert len(applied) == 1
    assert applied[0]["request_id"] == push_id and applied[0]["store"] == "S01"
    assert applied[0]["service"] == "head_office"
    push_requests = [line for line in json_lines(ho_log)
                     if line["request_id"] == push_id and line["logger"] == "comptoir.access"]
    assert len(push_requests) == 1
    assert (push_requests[0]["path"], push_requests[0]["status"]) == ("/sync/v1/push", 200)
