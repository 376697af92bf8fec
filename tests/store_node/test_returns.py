"""Returns: limits per line, exact refunds across partial returns, tenders, stock back."""

from __future__ import annotations


def sell_three(cashier, store, payments=None):
    store.add_product("T-A", 333)
    store.add_product("T-E", 589, tax_class="exempt")
    response = cashier.sell([{"sku": "T-A", "qty": 3}, {"sku": "T-E", "qty": 2}], payments)
    assert response.status_code == 201
    return response.json


def test_partial_return_refunds_its_share_and_puts_stock_back(cashier, store) -> None:
    sale = sell_three(cashier, store)
    response = cashier.post("/returns", {"receipt_number": sale["receipt_number"],
                                         "lines": [{"sku": "T-A", "qty": 1}]})
    assert response.status_code == 201, response.json
    ret = response.json
    assert ret["subtotal_cents"] == 333
    # the line's tax share: GST 49.95 -> 50 for 999; QST 99.65 -> 100; one third each
    assert ret["tax_cents"] == 17 + 33
    assert ret["refund_cents"] == ret["subtotal_cents"] + ret["tax_cents"]
    assert store.on_hand("T-A") == 98
    event = store.events("return")[0]["payload"]
    assert event["sale_id"] == sale["id"] and event["receipt_number"] == sale["receipt_number"]
    assert event["lines"] == [{"sale_line_no": 1, "sku": "T-A", "qty": 1, "net_cents": 333,
                               "tax_cents": 50}]
    # 3.83 owed, paid back in cash: rounded to 3.85 as Canadian cash is
    assert ret["refund_cents"] == 383 and ret["rounding_cents"] == 2 and ret["tender"] == "cash"
    assert event["refunds"] == [{"tender": "cash", "amount_cents": 385}]
    assert (event["tender"], event["rounding_cents"]) == ("cash", 2)
    assert store.rows("SELECT kind, delta FROM stock_movements WHERE ref_id = ?", (ret["id"],)) == [
        ("return", 1)]


def test_returning_everything_in_parts_refunds_exactly_what_was_charged(cashier, store) -> None:
    sale = sell_three(cashier, store)
    parts = [
        [{"sku": "T-A", "qty": 1}],
        [{"sku": "T-A", "qty": 1}, {"sku": "T-E", "qty": 1}],
        [{"sku": "T-A", "qty": 1}, {"sku": "T-E", "qty": 1}],
    ]
    refunds = []
    for lines in parts:
        response = cashier.post("/returns", {"sale_id": sale["id"], "lines": lines})
        assert response.status_code == 201, response.json
        refunds.append(response.json)
    assert sum(r["refund_cents"] for r in refunds) == sale["total_cents"]
    assert sum(r["tax_cents"] for r in refunds) == sale["tax_cents"]
    assert sum(r["subtotal_cents"] for r in refunds) == sale["subtotal_cents"]


def test_two_partial_returns_sum_to_the_original(cashier, store) -> None:
    store.add_product("T-B", 1001)
    sale = cashier.sell([{"sku": "T-B", "qty": 3, "discount_percent": 7}]).json
    first = cashier.post("/returns", {"receipt_number": sale["receipt_number"],
                                      "lines": [{"sku": "T-B", "qty": 2}]}).json
    second = cashier.post("/returns", {"receipt_number": sale["receipt_number"],
                                       "lines": [{"sku": "T-B", "qty": 1}]}).json
    assert first["refund_cents"] + second["refund_cents"] == sale["total_cents"]


def test_over_return_is_refused_and_writes_nothing(cashier, store) -> None:
    sale = sell_three(cashier, store)
    assert cashier.post("/returns", {"sale_id": sale["id"],
                                     "lines": [{"sku": "T-A", "qty": 2}]}).status_code == 201
    before, stock = store.counts(), store.stock_snapshot()
    response = cashier.post("/returns", {"sale_id": sale["id"], "lines": [{"sku": "T-A", "qty": 2}]})
    assert response.status_code == 422
    assert response.json["code"] == "over_return"
    assert "Only 1" in response.json["message"] and "2 already returned" in response.json["message"]
    # the same line twice in one request counts together
    response = cashier.post("/returns", {"sale_id": sale["id"], "lines": [
        {"sku": "T-A", "qty": 1}, {"sku": "T-A", "qty": 1}]})
    assert response.status_code == 422
    assert store.counts() == before and store.stock_snapshot() == stock


def test_returning_what_the_sale_did_not_have_is_refused(cashier, store) -> None:
    sale = sell_three(cashier, store)
    response = cashier.post("/returns", {"sale_id": sale["id"], "lines": [{"sku": "GRO-001", "qty": 1}]})
    assert response.status_code == 422 and response.json["code"] == "not_on_sale"
    missing = cashier.post("/returns", {"receipt_number": "S03-999999",
                                        "lines": [{"sku": "T-A", "qty": 1}]})
    assert missing.status_code == 404 and missing.json["code"] == "sale_not_found"
    nothing = cashier.post("/returns", {"lines": [{"sku": "T-A", "qty": 1}]})
    assert nothing.status_code == 422
    zero = cashier.post("/returns", {"sale_id": sale["id"], "lines": [{"sku": "T-A", "qty": 0}]})
    assert zero.status_code == 422


def test_refund_goes_to_the_card_first_then_cash(cashier, store) -> None:
    store.add_product("T-C", 1000)
    sale = cashier.sell([{"sku": "T-C", "qty": 2}], [
        {"tender": "card", "amount_cents": 1500}, {"tender": "cash", "amount_cents": 1000}]).json
    assert sale["total_cents"] == 2300
    first = cashier.post("/returns", {"sale_id": sale["id"], "lines": [{"sku": "T-C", "qty": 1}]}).json
    assert first["refunds"] == [{"tender": "card", "amount_cents": 1150}]
    second = cashier.post("/returns", {"sale_id": sale["id"], "lines": [{"sku": "T-C", "qty": 1}]}).json
    assert second["refunds"] == [{"tender": "card", "amount_cents": 350},
                                 {"tender": "cash", "amount_cents": 800}]


def test_the_sale_shows_what_was_returned(cashier, store) -> None:
    sale = sell_three(cashier, store)
    cashier.post("/returns", {"sale_id": sale["id"], "lines": [{"sku": "T-E", "qty": 1}]})
    again = cashier.get(f"/sales/{sale['id']}").json
    assert [ln["returned_qty"] for ln in again["lines"]] == [0, 1]
    assert len(again["returns"]) == 1


def test_a_return_names_its_tender_and_only_cash_is_rounded(cashier, store) -> None:
    store.add_product("T-E", 649, tax_class="exempt")
    by_card = cashier.sell([{"sku": "T-E", "qty": 3}], [{"tender": "card", "amount_cents": 1947}]).json
    card = cashier.post("/returns", {"sale_id": by_card["id"], "lines": [{"sku": "T-E", "qty": 1}]}).json
    assert card["refunds"] == [{"tender": "card", "amount_cents": 649}] and card["rounding_cents"] == 0
    cash = cashier.post("/returns", {"sale_id": by_card["id"], "tender": "cash",
                                     "lines": [{"sku": "T-E", "qty": 1}]}).json
    assert cash["refunds"] == [{"tender": "cash", "amount_cents": 650}]
    assert (cash["tender"], cash["rounding_cents"], cash["refund_cents"]) == ("cash", 1, 649)
    assert store.rows("SELECT tender, rounding_cents, refund_cents FROM returns ORDER BY occurred_at") == [
        ("card", 0, 649), ("cash", 1, 649)]

    in_cash = cashier.sell([{"sku": "T-E", "qty": 1}], [{"tender": "cash", "amount_cents": 1000}]).json
    refused = cashier.client.post("/api/v1/returns", json={"sale_id": in_cash["id"], "tender": "card",
                                                           "lines": [{"sku": "T-E", "qty": 1}]},
                                  headers={**cashier.headers, "Accept-Language": "fr"})
    assert refused.status_code == 422 and refused.json["code"] == "card_refund_exceeds_card_paid"
    assert "en argent comptant" in refused.json["message"]
    assert store.scalar("SELECT count(*) FROM returns") == 2  # nothing recorded
    bad = cashier.post("/returns", {"sale_id": in_cash["id"], "tender": "cheque",
                                    "lines": [{"sku": "T-E", "qty": 1}]})
    assert bad.status_code == 422
