"""Local stock, counts and adjustments, the central snapshot, restock requests."""

from __future__ import annotations

import sqlite3

import pytest

from store_node.db import open_existing
from store_node.restock.operations import apply_decision
from store_node.stock.operations import apply_central_stock


def test_stock_rows_carry_reorder_warnings(cashier, store) -> None:
    store.add_product("T-LOW", 100, on_hand=2, reorder_point=5, max_stock=20)
    rows = {r["sku"]: r for r in cashier.get("/stock").json["items"]}
    assert rows["T-LOW"]["low"] is True and rows["T-LOW"]["suggested_qty"] == 18
    assert {"sku", "name", "on_hand", "reorder_point", "max_stock"} <= set(rows["T-LOW"])
    low = cashier.get("/stock?low=true").json["items"]
    assert all(r["low"] for r in low) and "T-LOW" in [r["sku"] for r in low]


def test_count_sets_the_balance_and_is_an_event(store_manager, store) -> None:
    store.add_product("T-C", 100, on_hand=10)
    response = store_manager.post("/stock/adjustments", {"sku": "T-C", "counted": 7})
    assert response.status_code == 201, response.json
    assert response.json["previous"] == 10 and response.json["delta"] == -3
    assert store.on_hand("T-C") == 7
    event = store.events("stock_count")[0]["payload"]
    assert {k: event[k] for k in ("sku", "counted", "previous", "delta", "by")} == {
        "sku": "T-C", "counted": 7, "previous": 10, "delta": -3, "by": "storemgr3"}


def test_adjustment_needs_a_reason_and_cannot_go_negative(store_manager, store) -> None:
    store.add_product("T-C", 100, on_hand=2)
    no_reason = store_manager.post("/stock/adjustments", {"sku": "T-C", "delta": -1})
    assert no_reason.status_code == 422
    negative = store_manager.post("/stock/adjustments",
                                  {"sku": "T-C", "delta": -3, "reason": "broken"})
    assert negative.status_code == 422 and negative.json["code"] == "negative_stock"
    both = store_manager.post("/stock/adjustments", {"sku": "T-C", "delta": -1, "counted": 1})
    assert both.status_code == 422
    ok = store_manager.post("/stock/adjustments", {"sku": "T-C", "delta": -2, "reason": "broken"})
    assert ok.status_code == 201 and ok.json["on_hand"] == 0
    assert store.events("stock_adjustment")[0]["payload"]["reason"] == "broken"
    unknown = store_manager.post("/stock/adjustments", {"sku": "NOPE", "counted": 1})
    assert unknown.status_code == 404


def test_cashier_may_not_adjust_stock(cashier, store) -> None:
    store.add_product("T-C", 100, on_hand=2)
    response = cashier.post("/stock/adjustments", {"sku": "T-C", "counted": 9})
    assert response.status_code == 403
    assert store.on_hand("T-C") == 2 and store.events() == []


def test_central_stock_snapshot_with_its_age(cashier, data_dir) -> None:
    empty = cashier.get("/central-stock").json
    assert empty == {"as_of": None, "age_s": None, "items": []}
    db = open_existing(data_dir)
    try:
        apply_central_stock(db, [{"sku": "GRO-001", "on_hand": 600, "reserved": 20,
                                  "in_transit": 12, "available": 580, "version": 4}],
                            "2026-01-01T10:00:00.000Z")
    finally:
        db.close()
    snap = cashier.get("/central-stock").json
    assert snap["as_of"] == "2026-01-01T10:00:00.000Z" and snap["age_s"] > 0
    assert snap["items"][0] == {"sku": "GRO-001", "name": "Whole milk 2 L", "on_hand": 600,
                                "reserved": 20, "in_transit": 12, "available": 580,
                                "as_of": "2026-01-01T10:00:00.000Z"}


def test_restock_request_is_an_event_and_listed_with_its_status(cashier, store) -> None:
    response = cashier.post("/restock-requests", {"sku": "GRO-001", "qty": 24})
    assert response.status_code == 201, response.json
    request = response.json
    assert request["status"] == "requested" and request["qty"] == 24
    event = store.events("restock_request")[0]["payload"]
    assert event == {"id": request["id"], "store_id": 3, "sku": "GRO-001", "qty": 24,
                     "requested_by": "cashier3", "occurred_at": event["occurred_at"],
                     "request_id": response.headers["X-Request-Id"]}
    listed = cashier.get("/restock-requests").json["items"]
    assert [(r["id"], r["status"]) for r in listed] == [(request["id"], "requested")]


def test_restock_request_quantity_bounds(cashier, store) -> None:
    for qty in (0, -1, 100_001, "5"):
        assert cashier.post("/restock-requests", {"sku": "GRO-001", "qty": qty}).status_code == 422
    assert cashier.post("/restock-requests", {"sku": "NOPE", "qty": 1}).status_code == 404
    assert cashier.post("/restock-requests", {"sku": "GRO-001", "qty": 100_000}).status_code == 201
    assert len(store.events("restock_request")) == 1


def test_receive_only_once_shipped_and_stock_goes_up(cashier, store, data_dir) -> None:
    before = store.on_hand("GRO-002")
    request = cashier.post("/restock-requests", {"sku": "GRO-002", "qty": 30}).json
    early = cashier.post(f"/restock-requests/{request['id']}/receive", {"qty": 30})
    assert early.status_code == 409 and early.json["code"] == "not_shipped"
    assert "requested" in early.json["message"]
    db = open_existing(data_dir)
    try:
        assert apply_decision(db, {"request_id": request["id"], "status": "approved",
                                   "qty_approved": 25, "version": 1})
        assert apply_decision(db, {"request_id": request["id"], "status": "shipped",
                                   "qty_shipped": 25, "version": 2})
        assert not apply_decision(db, {"request_id": request["id"], "status": "approved",
                                       "version": 1})  # a replay is a no-op
    finally:
        db.close()
    received = cashier.post(f"/restock-requests/{request['id']}/receive", {"qty": 24})
    assert received.status_code == 200, received.json
    assert received.json["status"] == "received" and received.json["qty_received"] == 24
    assert store.on_hand("GRO-002") == before + 24
    confirmation = store.events("receipt_confirmation")[0]["payload"]
    assert confirmation["request_id"] == request["id"] and confirmation["qty_received"] == 24
    again = cashier.post(f"/restock-requests/{request['id']}/receive", {"qty": 24})
    assert again.status_code == 409
    assert store.on_hand("GRO-002") == before + 24
    assert cashier.post("/restock-requests/nope/receive", {"qty": 1}).status_code == 404


def test_the_ledger_replays_to_the_balances(cashier, store_manager, store, data_dir) -> None:
    sale = cashier.sell([{"sku": "GRO-003", "qty": 2}, {"sku": "SNK-004", "qty": 1}]).json
    cashier.post("/returns", {"sale_id": sale["id"], "lines": [{"sku": "GRO-003", "qty": 1}]})
    store_manager.post("/stock/adjustments", {"sku": "SNK-004", "delta": -1, "reason": "broken"})
    store_manager.post("/stock/adjustments", {"sku": "GRO-003", "counted": 11})
    sums = dict(store.rows("SELECT sku, sum(delta) FROM stock_movements GROUP BY sku"))
    assert sums == store.stock_snapshot()
    for sku in ("GRO-003", "SNK-004"):
        rows = store.rows("SELECT delta, balance_after FROM stock_movements WHERE sku = ?"
                          " ORDER BY id", (sku,))
        running = 0
        for delta, balance in rows:
            running += delta
            assert running == balance
    conn = store.connect()
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM stock_movements")
    finally:
        conn.close()
