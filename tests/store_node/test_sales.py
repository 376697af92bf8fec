"""Recording sales through the JSON API: arithmetic, payments, stock, outbox, refusals."""

from __future__ import annotations

import pytest


def test_sale_records_lines_taxes_payments_stock_and_outbox(cashier, store) -> None:
    store.add_product("T-STD", 2000)
    store.add_product("T-EX", 589, tax_class="exempt")
    store.add_product("T-DISC", 399)
    response = cashier.sell(
        [{"sku": "T-STD", "qty": 1}, {"sku": "T-EX", "qty": 2},
         {"sku": "T-DISC", "qty": 1, "discount_percent": 10}],
        [{"tender": "cash", "amount_cents": 5000}],
    )
    assert response.status_code == 201, response.json
    sale = response.json
    assert sale["receipt_number"] == "S03-000001"
    assert sale["subtotal_cents"] == 3537
    assert sale["discount_cents"] == 40
    assert (sale["gst_cents"], sale["qst_cents"], sale["tax_cents"]) == (118, 235, 353)
    assert sale["total_cents"] == 3890
    assert sale["change_cents"] == 1110
    assert [ln["net_cents"] for ln in sale["lines"]] == [2000, 1178, 359]
    assert store.on_hand("T-STD") == 99 and store.on_hand("T-EX") == 98
    events = store.events("sale")
    assert len(events) == 1
    payload = events[0]["payload"]
    assert payload["receipt_number"] == "S03-000001"
    assert payload["store_id"] == 3 and payload["cashier"] == "cashier3"
    assert payload["taxes"] == {"gst": 118, "qst": 235}
    assert payload["payments"] == [{"tender": "cash", "amount_cents": 5000}]
    assert payload["lines"][2]["discount_cents"] == 40
    moves = store.rows("SELECT sku, kind, delta, balance_after, ref_id FROM stock_movements"
                       " WHERE kind = 'sale' ORDER BY sku")
    assert moves == [("T-DISC", "sale", -1, 99, sale["id"]), ("T-EX", "sale", -2, 98, sale["id"]),
                     ("T-STD", "sale", -1, 99, sale["id"])]


def test_the_sale_keeps_its_price_when_the_catalog_changes(cashier, store) -> None:
    store.add_product("T-P", 1000)
    sale = cashier.sell([{"sku": "T-P", "qty": 1}]).json
    store.add_product("T-P", 1500, version=2, on_hand=0)
    again = cashier.get(f"/sales/{sale['receipt_number']}").json
    assert again["lines"][0]["unit_price_cents"] == 1000
    assert cashier.sell([{"sku": "T-P", "qty": 1}]).json["lines"][0]["unit_price_cents"] == 1500


def test_half_cent_taxes_round_up(cashier, store) -> None:
    store.add_product("T-10", 10)
    store.add_product("T-2000", 2000)
    assert cashier.sell([{"sku": "T-10", "qty": 1}]).json["taxes"] == {"gst": 1, "qst": 1}
    sale = cashier.sell([{"sku": "T-2000", "qty": 1}]).json
    assert (sale["gst_cents"], sale["qst_cents"], sale["total_cents"]) == (100, 200, 2300)


def test_amount_discount_and_split_payment(cashier, store) -> None:
    store.add_product("T-A", 1000)
    response = cashier.sell(
        [{"sku": "T-A", "qty": 3, "discount_cents": 100}],
        [{"tender": "card", "amount_cents": 2000}, {"tender": "cash", "amount_cents": 2000}],
    )
    sale = response.json
    # net 2900: GST 145, QST 289.275 -> 289
    assert (sale["subtotal_cents"], sale["tax_cents"], sale["total_cents"]) == (2900, 434, 3334)
    # 1,334 $ left for cash rounds to 13.35 (Canadian cash rounding): change 6.65, not 6.66
    assert sale["rounding_cents"] == 1 and sale["change_cents"] == 665


@pytest.mark.parametrize(
    "payments, code",
    [
        ([{"tender": "cash", "amount_cents": 100}], "insufficient_payment"),
        ([{"tender": "card", "amount_cents": 99999}], "card_exceeds_total"),
        ([], "insufficient_payment"),
    ],
)
def test_payments_that_do_not_fit_are_refused(cashier, store, payments, code) -> None:
    store.add_product("T-A", 1000)
    before = store.counts()
    response = cashier.sell([{"sku": "T-A", "qty": 1}], payments)
    assert response.status_code == 422
    assert response.json["code"] == code
    assert response.json["message"]
    assert store.counts() == before


def test_selling_more_than_stock_is_refused_with_what_is_left(cashier, store) -> None:
    store.add_product("T-S", 500, on_hand=3, name="Blue mug")
    before, stock = store.counts(), store.stock_snapshot()
    response = cashier.sell([{"sku": "T-S", "qty": 2}, {"sku": "T-S", "qty": 2}])
    assert response.status_code == 409
    assert response.json["code"] == "insufficient_stock"
    assert "Blue mug" in response.json["message"] and "3 left" in response.json["message"]
    assert store.counts() == before and store.stock_snapshot() == stock


@pytest.mark.parametrize("app_config", [{"ALLOW_OVERSELL": True}])
def test_oversell_allowed_by_config_flags_the_sale_for_a_count(cashier, store) -> None:
    store.add_product("T-S", 500, on_hand=1)
    response = cashier.sell([{"sku": "T-S", "qty": 3}])
    assert response.status_code == 201
    assert response.json["needs_count"] is True
    assert store.on_hand("T-S") == -2
    assert store.scalar("SELECT needs_count FROM stock WHERE sku = 'T-S'") == 1
    assert store.events("sale")[0]["payload"]["needs_count"] is True


def test_oversell_allowed_by_store_setting(cashier, store) -> None:
    store.add_product("T-S", 500, on_hand=0)
    conn = store.connect()
    with conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('allow_oversell', 'true')"
                     " ON CONFLICT (key) DO UPDATE SET value = 'true'")
    conn.close()
    response = cashier.sell([{"sku": "T-S", "qty": 1}])
    assert response.status_code == 201 and response.json["needs_count"] is True


def test_a_sale_with_one_bad_line_writes_nothing(cashier, store) -> None:
    store.add_product("T-OK", 500)
    before, stock = store.counts(), store.stock_snapshot()
    response = cashier.sell([{"sku": "T-OK", "qty": 2}, {"sku": "NOPE-1", "qty": 1}])
    assert response.status_code == 422
    assert response.json["code"] == "unknown_product"
    assert "NOPE-1" in response.json["message"]
    assert store.counts() == before and store.stock_snapshot() == stock
    # the refused sale used no receipt number
    assert cashier.sell([{"sku": "T-OK", "qty": 1}]).json["receipt_number"] == "S03-000001"


def test_inactive_product_is_refused(cashier, store) -> None:
    store.add_product("T-OLD", 500, active=False)
    response = cashier.sell([{"sku": "T-OLD", "qty": 1}])
    assert response.status_code == 422 and response.json["code"] == "product_inactive"


BAD_BODIES = [
    ({"lines": [{"sku": "T-OK", "qty": 0}]}, "qty"),
    ({"lines": [{"sku": "T-OK", "qty": -1}]}, "qty"),
    ({"lines": [{"sku": "T-OK", "qty": 10_001}]}, "qty"),
    ({"lines": [{"sku": "T-OK", "qty": 1.5}]}, "qty"),
    ({"lines": [{"sku": "T-OK", "qty": "2"}]}, "qty"),
    ({"lines": [{"sku": "T-OK", "qty": 1}], "payments": [{"tender": "cheque", "amount_cents": 9999}]},
     "tender"),
    ({"lines": [{"sku": "T-OK", "qty": 1}], "payments": [{"tender": "cash", "amount_cents": -5}]},
     "amount_cents"),
    ({"lines": [{"sku": "T-OK", "qty": 1, "colour": "red"}]}, "colour"),
    ({"lines": [{"sku": "T-OK", "qty": 1}], "customer": "x"}, "customer"),
    ({"lines": []}, "lines"),
    ({"lines": [{"sku": "T-OK", "qty": 1}] * 201}, "lines"),
    ({"lines": [{"sku": "T-OK", "qty": 1, "discount_percent": 101}]}, "discount_percent"),
    ({"lines": [{"sku": "T-OK", "qty": 1, "discount_percent": 5, "discount_cents": 5}]},
     "discount_cents"),
    ({"payments": []}, "lines"),
]


@pytest.mark.parametrize("body, field", BAD_BODIES)
def test_bad_input_gets_a_clear_422_and_writes_nothing(cashier, store, body, field) -> None:
    store.add_product("T-OK", 500)
    body.setdefault("payments", [{"tender": "cash", "amount_cents": 100_000}])
    before = store.counts()
    response = cashier.post("/sales", body)
    assert response.status_code == 422, response.json
    assert set(response.json) == {"code", "status", "message", "errors"}
    assert response.json["status"] == 422
    assert field in str(response.json["errors"]) and response.json["message"]
    assert store.counts() == before


def test_discount_beyond_the_line_is_refused(cashier, store) -> None:
    store.add_product("T-OK", 500)
    response = cashier.sell([{"sku": "T-OK", "qty": 1, "discount_cents": 501}])
    assert response.status_code == 422 and response.json["code"] == "invalid_discount"


def test_malformed_json_is_a_400_with_the_error_format(cashier, store) -> None:
    before = store.counts()
    response = cashier.client.post("/api/v1/sales", data="{not json", headers={
        **cashier.headers, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["code"] == "malformed_json"
    assert "JSON" in response.json["message"]
    assert store.counts() == before


def test_cashier_discount_beyond_the_limit_needs_a_store_manager(cashier, store) -> None:
    store.add_product("T-D", 1000)
    refused = cashier.sell([{"sku": "T-D", "qty": 1, "discount_percent": 25}])
    assert refused.status_code == 403 and refused.json["code"] == "approval_required"
    wrong = cashier.sell([{"sku": "T-D", "qty": 1, "discount_percent": 25}],
                         approver={"username": "storemgr3", "password": "nope"})
    assert wrong.status_code == 401
    not_a_manager = cashier.sell([{"sku": "T-D", "qty": 1, "discount_percent": 25}],
                                 approver={"username": "cashier3", "password": "cashier"})
    assert not_a_manager.status_code == 403
    assert store.counts()["sales"] == 0
    approved = cashier.sell([{"sku": "T-D", "qty": 1, "discount_percent": 25}],
                            approver={"username": "storemgr3", "password": "storemgr"})
    assert approved.status_code == 201 and approved.json["subtotal_cents"] == 750
    # within the limit no approval is needed; an amount counts as its share of the line
    assert cashier.sell([{"sku": "T-D", "qty": 1, "discount_percent": 10}]).status_code == 201
    assert cashier.sell([{"sku": "T-D", "qty": 1, "discount_cents": 101}]).status_code == 403


def test_store_manager_gives_any_discount(store_manager, store) -> None:
    store.add_product("T-D", 1000)
    response = store_manager.sell([{"sku": "T-D", "qty": 1, "discount_percent": 100}], [])
    assert response.status_code == 201 and response.json["total_cents"] == 0


def test_sales_of_a_day_and_lookup_by_receipt_number(cashier, store) -> None:
    store.add_product("T-A", 100)
    ids = [cashier.sell([{"sku": "T-A", "qty": 1}]).json["id"] for _ in range(3)]
    listing = cashier.get("/sales").json
    assert [s["id"] for s in listing["items"]] == ids
    day = listing["business_date"]
    assert [s["receipt_number"] for s in cashier.get(f"/sales?date={day}").json["items"]] == [
        "S03-000001", "S03-000002", "S03-000003"]
    assert cashier.get("/sales?date=2001-01-01").json["items"] == []
    assert cashier.get("/sales/s03-000002").json["id"] == ids[1]
    missing = cashier.get("/sales/S03-999999")
    assert missing.status_code == 404 and missing.json["code"] == "sale_not_found"
    assert cashier.get("/sales?date=yesterday").status_code == 422


def test_products_search_by_name_sku_and_barcode(cashier) -> None:
    by_name = cashier.get("/products?q=milk").json
    assert by_name["items"][0]["sku"] == "GRO-001"
    barcode = by_name["items"][0]["barcode"]
    assert cashier.get(f"/products?q={barcode}").json["items"][0]["sku"] == "GRO-001"
    assert cashier.get("/products?q=snk-00").json["total"] == 6
    page = cashier.get("/products?page=2&page_size=10").json
    assert len(page["items"]) == 10 and page["total"] == 46
    assert cashier.get("/products?category=Pets").json["total"] == 2


def test_a_failure_after_the_rows_were_written_rolls_everything_back(cashier, store,
                                                                      monkeypatch) -> None:
    store.add_product("T-OK", 500)
    before, stock = store.counts(), store.stock_snapshot()

    def broken_append(*args, **kwargs):
        raise RuntimeError("disk said no")

    monkeypatch.setattr("store_node.sync.outbox.append", broken_append)
    response = cashier.sell([{"sku": "T-OK", "qty": 2}])
    assert response.status_code == 500 and "disk" not in response.get_data(as_text=True)
    assert store.counts() == before and store.stock_snapshot() == stock
    assert store.scalar("SELECT value FROM sequences WHERE name = 'receipt'") == 0
    monkeypatch.undo()
    assert cashier.sell([{"sku": "T-OK", "qty": 1}]).json["receipt_number"] == "S03-000001"


def test_outbox_envelopes_and_acknowledgement(cashier, store, data_dir) -> None:
    from store_node.db import open_existing
    from store_node.sync import outbox

    store.add_product("T-OK", 500)
    sale = cashier.sell([{"sku": "T-OK", "qty": 1}]).json
    cashier.post("/restock-requests", {"sku": "T-OK", "qty": 5})
    db = open_existing(data_dir)
    try:
        events = outbox.unsent(db)
        assert [(e["seq"], e["type"]) for e in events] == [(1, "sale"), (2, "restock_request")]
        assert set(events[0]) == {"event_id", "seq", "type", "occurred_at", "payload"}
        assert events[0]["occurred_at"].endswith("Z")
        assert events[0]["payload"]["id"] == sale["id"]
        assert outbox.mark_sent(db, 1) == 1
        assert [e["seq"] for e in outbox.unsent(db)] == [2]
        assert outbox.status(db)["pending_events"] == 1
    finally:
        db.close()
