"""A store upgraded in place keeps everything it recorded before the upgrade.

The store file below is made by the first release's schema (migration 1 alone), holds what a
store had written by then (a sale, its stock movement, a sent and an unsent outbox event, the
receipt and outbox counters), and is then opened by this version's app, which applies the
later migrations.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import store_node.db
from common.security import hash_password
from store_node.app import close_app, create_app
from store_node.db import connect, db_path, migrate
from store_node.db.migrations import MIGRATIONS
from store_node.setup import init_store
from tests.store_node.conftest import STORE_ID, make_config

SALE_ID = "019300aa-0000-7000-8000-000000000001"
SOLD_AT = "2026-01-15T15:00:00.000Z"


def old_store(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store file at the first release's schema, with a day of trading in it."""
    with monkeypatch.context() as first_release:
        first_release.setattr(store_node.db, "MIGRATIONS", MIGRATIONS[:1])
        init_store(folder, STORE_ID, "http://127.0.0.1:9", "test-token")
    db = connect(db_path(folder))
    conn = db.conn
    try:
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO products (sku, name, price_cents, updated_at) VALUES (?, ?, ?, ?)",
            ("MUG", "Mug", 1000, SOLD_AT),
        )
        conn.execute(
            "INSERT INTO users (username, password_hash, role, store_id, updated_at)"
            " VALUES (?, ?, 'cashier', ?, ?)",
            ("cashier3", hash_password("cashier"), STORE_ID, SOLD_AT),
        )
        conn.execute("INSERT INTO stock (sku, on_hand, updated_at) VALUES ('MUG', 9, ?)", (SOLD_AT,))
        conn.execute(
            "INSERT INTO stock_movements (sku, kind, delta, balance_after, ref_id, by_user, occurred_at)"
            " VALUES ('MUG', 'sale', -1, 9, ?, 'cashier3', ?)",
            (SALE_ID, SOLD_AT),
        )
        conn.execute(
            "INSERT INTO sales (id, receipt_seq, receipt_number, store_id, cashier, occurred_at,"
            " business_date, subtotal_cents, discount_cents, tax_cents, taxes, total_cents,"
            " paid_cents, change_cents) VALUES (?, 7, 'S03-000007', ?, 'cashier3', ?, '2026-01-15',"
            " 1000, 0, 150, ?, 1150, 2000, 850)",
            (SALE_ID, STORE_ID, SOLD_AT, json.dumps({"gst": 50, "qst": 100})),
        )
        conn.execute(
            "INSERT INTO sale_lines (sale_id, line_no, sku, name, qty, unit_price_cents,"
            " discount_cents, net_cents, tax_class, tax_cents, taxes)"
            " VALUES (?, 1, 'MUG', 'Mug', 1, 1000, 0, 1000, 'standard', 150, ?)",
            (SALE_ID, json.dumps({"gst": 50, "qst": 100})),
        )
        conn.execute("INSERT INTO sale_payments VALUES (?, 1, 'cash', 2000)", (SALE_ID,))
        conn.executemany(
            "INSERT INTO outbox (seq, event_id, type, payload, created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (8, "019300aa-0000-7000-8000-000000000008", "stock_count", "{}", SOLD_AT, SOLD_AT),
                (9, "019300aa-0000-7000-8000-000000000009", "sale", json.dumps({"id": SALE_ID}),
                 SOLD_AT, None),
            ],
        )
        conn.execute("UPDATE sequences SET value = 7 WHERE name = 'receipt'")
        conn.execute("UPDATE sequences SET value = 9 WHERE name = 'outbox'")
        conn.execute("COMMIT")
        assert [row["number"] for row in conn.execute("SELECT number FROM migrations")] == [1]
    finally:
        db.close()


def test_an_upgraded_store_keeps_its_sales_outbox_and_numbering(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "store"
    old_store(folder, monkeypatch)

    app = create_app(make_config(folder))  # applies the later migrations
    try:
        client = app.test_client()
        token = client.post("/api/v1/session", json={"username": "cashier3", "password": "cashier"})
        assert token.status_code == 200, token.json
        headers = {"Authorization": f"Bearer {token.json['token']}"}

        old = client.get("/api/v1/sales/S03-000007", headers=headers).json
        assert (old["id"], old["total_cents"], old["change_cents"]) == (SALE_ID, 1150, 850)
        assert (old["taxes"], old["rounding_cents"]) == ({"gst": 50, "qst": 100}, 0)
        assert [(ln["sku"], ln["qty"], ln["net_cents"]) for ln in old["lines"]] == [("MUG", 1, 1000)]
        assert old["payments"] == [{"tender": "cash", "amount_cents": 2000}]
        status = client.get("/api/v1/sync/status", headers=headers).json
        assert status["pending_events"] == 1  # the unsent sale event is still queued

        new = client.post("/api/v1/sales", headers=headers, json={
            "lines": [{"sku": "MUG", "qty": 1}], "payments": [{"tender": "card", "amount_cents": 1150}],
        })
        assert new.status_code == 201, new.json
        assert new.json["receipt_number"] == "S03-000008"  # numbering carries on
    finally:
        close_app(app)

    db = connect(db_path(folder))
    try:
        conn = db.conn
        assert [row["number"] for row in conn.execute("SELECT number FROM migrations ORDER BY number")] == [
            number for number, _, _ in MIGRATIONS
        ]
        assert [(row["seq"], row["sent_at"]) for row in conn.execute("SELECT * FROM outbox ORDER BY seq")] == [
            (8, SOLD_AT), (9, None), (10, None)
        ]
        assert conn.execute("SELECT on_hand FROM stock WHERE sku = 'MUG'").fetchone()["on_hand"] == 8
        assert migrate(db) == []  # nothing left to apply
    finally:
        db.close()
