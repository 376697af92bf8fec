"""Registers and shifts: a counted float, sales in the shift, cash in and out, X and Z reports."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.parametrize("app_config", [{"REQUIRE_SHIFT": True}])


@pytest.fixture
def priced(store):
    store.add_product("T-2168", 2168, "exempt")  # a total of 21.68 $: 21.70 $ in cash
    store.add_product("T-1000", 1000, "exempt")
    return store


def open_shift(api, register="1", float_cents=20000):
    response = api.post("/shifts", {"register": register, "opening_float_cents": float_cents})
    assert response.status_code == 201, response.json
    return response.json


def test_a_register_with_no_open_shift_does_not_sell(cashier, priced) -> None:
    before = priced.counts()
    response = cashier.sell([{"sku": "T-1000", "qty": 1}])
    assert response.status_code == 409 and response.json["code"] == "no_open_shift"
    assert priced.counts() == before
    open_shift(cashier, "2")
    refused = cashier.sell([{"sku": "T-1000", "qty": 1}], register="1")
    assert refused.status_code == 409  # register 2's shift does not open register 1
    sold = cashier.sell([{"sku": "T-1000", "qty": 1}], register="2")
    assert sold.status_code == 201 and sold.json["register"] == "2"


def test_one_open_shift_per_register(cashier, store_manager) -> None:
    first = open_shift(cashier, "1", 15000)
    assert first["status"] == "open" and first["cashier"] == "cashier3" and first["opening_float_cents"] == 15000
    again = store_manager.post("/shifts", {"register": "1", "opening_float_cents": 100})
    assert again.status_code == 409 and again.json["code"] == "shift_already_open"
    unknown = cashier.post("/shifts", {"register": "9", "opening_float_cents": 100})
    assert unknown.status_code == 422 and unknown.json["code"] == "unknown_register"
    listed = cashier.get("/shifts?status=open").json["items"]
    assert [s["id"] for s in listed] == [first["id"]]


def test_cash_is_rounded_to_five_cents_card_is_not(cashier, priced) -> None:
    shift = open_shift(cashier)
    cash = cashier.sell([{"sku": "T-2168", "qty": 1}], [{"tender": "cash", "amount_cents": 2200}]).json
    assert (cash["total_cents"], cash["rounding_cents"], cash["change_cents"]) == (2168, 2, 30)
    assert cash["shift_id"] == shift["id"] and cash["register"] == "1"
    card = cashier.sell([{"sku": "T-2168", "qty": 1}], [{"tender": "card", "amount_cents": 2168}]).json
    assert (card["rounding_cents"], card["change_cents"]) == (0, 0)
    event = priced.events("sale")[0]["payload"]
    assert (event["rounding_cents"], event["shift_id"], event["register"]) == (2, shift["id"], "1")


def test_the_z_report_gives_expected_counted_and_over_or_short(cashier, priced) -> None:
    shift = open_shift(cashier, float_cents=20000)
    cashier.sell([{"sku": "T-2168", "qty": 1}], [{"tender": "cash", "amount_cents": 5000}])  # cash 21.70
    sold = cashier.sell([{"sku": "T-1000", "qty": 2}], [{"tender": "card", "amount_cents": 2000}]).json
    returned = cashier.post("/returns", {"sale_id": sold["id"], "lines": [{"sku": "T-1000", "qty": 1}],
                                         "reason": "wrong size"})
    assert returned.status_code == 201 and returned.json["shift_id"] == shift["id"]
    out = cashier.post(f"/shifts/{shift['id']}/cash-movements",
                       {"kind": "out", "amount_cents": 1500, "reason": "window cleaner paid"})
    assert out.status_code == 201
    x = cashier.get(f"/shifts/{shift['id']}/report").json
    assert x["kind"] == "X" and x["cash_expected_cents"] == 20000 + 2170 - 1500
    assert "cash_counted_cents" not in x or x["cash_counted_cents"] is None

    closed = cashier.post(f"/shifts/{shift['id']}/close", {"counted_cash_cents": 20600})
    assert closed.status_code == 200, closed.json
    z = closed.json
    assert z["kind"] == "Z" and z["status"] == "closed"
    assert (z["sales_count"], z["returns_count"]) == (2, 1)
    assert z["gross_cents"] == 2168 + 2000 and z["returns_cents"] == 1000
    assert z["by_tender"] == {"cash": 2170, "card": 1000}
    assert (z["gst_cents"], z["qst_cents"]) == (0, 0)
    assert z["cash_expected_cents"] == 20670 and z["cash_counted_cents"] == 20600
    assert z["over_short_cents"] == -70
    assert [e["type"] for e in priced.events() if e["type"].startswith(("shift", "cash"))] == [
        "shift_opened", "cash_movement", "shift_closed"]
    closed_event = priced.events("shift_closed")[0]["payload"]
    assert closed_event["over_short_cents"] == -70 and closed_event["report"]["by_tender"]["cash"] == 2170
    after = cashier.sell([{"sku": "T-1000", "qty": 1}])
    assert after.status_code == 409 and after.json["code"] == "no_open_shift"
    twice = cashier.post(f"/shifts/{shift['id']}/close", {"counted_cash_cents": 1})
    assert twice.status_code == 409 and twice.json["code"] == "shift_closed"


def test_expected_cash_counts_the_cash_refunded_rounded_to_five_cents(cashier, priced) -> None:
    shift = open_shift(cashier, float_cents=20000)
    by_card = cashier.sell([{"sku": "T-2168", "qty": 2}], [{"tender": "card", "amount_cents": 4336}]).json
    # the customer takes 21.68 $ back in cash: 21.70 $ leaves the drawer; a card refund stays exact
    cash = cashier.post("/returns", {"sale_id": by_card["id"], "tender": "cash",
                                     "lines": [{"sku": "T-2168", "qty": 1}], "reason": "gift"}).json
    assert cash["refunds"] == [{"tender": "cash", "amount_cents": 2170}] and cash["rounding_cents"] == 2
    card = cashier.post("/returns", {"sale_id": by_card["id"], "lines": [{"sku": "T-2168", "qty": 1}],
                                     "reason": "gift"}).json
    assert card["refunds"] == [{"tender": "card", "amount_cents": 2168}] and card["rounding_cents"] == 0
    x = cashier.get(f"/shifts/{shift['id']}/report").json
    assert x["cash_expected_cents"] == 20000 - 2170
    assert x["by_tender"] == {"cash": -2170, "card": 4336 - 2168}
    assert x["rounding_cents"] == -2  # the drawer gave 2 cents more than was owed
    z = cashier.post(f"/shifts/{shift['id']}/close", {"counted_cash_cents": 17830}).json
    assert (z["cash_expected_cents"], z["over_short_cents"]) == (17830, 0)


def test_close_by_denomination_counts_the_drawer(cashier) -> None:
    shift = open_shift(cashier, float_cents=0)
    counts = {"2000": 2, "500": 1, "25": 4, "5": 1}  # two 20s, a 5, four quarters, a nickel
    z = cashier.post(f"/shifts/{shift['id']}/close", {"counts": counts}).json
    assert z["cash_counted_cents"] == 4000 + 500 + 100 + 5 and z["over_short_cents"] == 4605
    penny = open_shift(cashier, float_cents=0)
    refused = cashier.post(f"/shifts/{penny['id']}/close", {"counts": {"1": 3}})
    assert refused.status_code == 422  # no pennies in Canada since 2013


def test_bad_cash_movements_change_nothing(cashier, priced) -> None:
    shift = open_shift(cashier, float_cents=1000)
    for body in ({"kind": "out", "amount_cents": 5000, "reason": "more than the drawer"},
                 {"kind": "sideways", "amount_cents": 100, "reason": "x"},
                 {"kind": "in", "amount_cents": 0, "reason": "zero"},
                 {"kind": "in", "amount_cents": 100, "reason": ""}):
        response = cashier.post(f"/shifts/{shift['id']}/cash-movements", body)
        assert response.status_code in (409, 422), (body, response.json)
    assert priced.events("cash_movement") == []
    missing = cashier.post("/shifts/nope/cash-movements", {"kind": "in", "amount_cents": 1, "reason": "x"})
    assert missing.status_code == 404


def test_the_till_asks_for_a_shift_then_prints_the_z_report_in_french(client, priced) -> None:
    from .test_till_pages import csrf, login

    login(client)
    fr = {"Accept-Language": "fr-CA"}
    asked = client.get("/sell", headers=fr)
    assert asked.status_code == 302 and "/shift" in asked.headers["Location"]
    page = client.get(asked.headers["Location"], headers=fr).get_data(as_text=True)
    assert "Ouvrez un quart sur cette caisse pour vendre." in page and "Fond de caisse" not in page
    assert "Comptez le fond de caisse" in page
    token = csrf(client, "/shift")
    opened = client.post("/shift/open", data={"csrf_token": token, "register": "1", "open_2000": "5",
                                              "open_500": "2", "open_25": "40"}, headers=fr)
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/sell")
    shift = priced.rows("SELECT id, opening_float_cents FROM shifts WHERE status = 'open'")
    assert shift[0][1] == 10000 + 1000 + 1000
    moved = client.post("/shift/cash", data={"csrf_token": token, "kind": "out", "amount": "15,00",
                                             "reason": "fleuriste payé"}, headers=fr)
    assert "Mouvement de fonds enregistré." in moved.get_data(as_text=True)
    closed = client.post("/shift/close", data={"csrf_token": token, "close_2000": "5", "close_100": "5",
                                              "close_5": "1"},
                         headers=fr)
    assert closed.status_code == 302
    z = client.get(closed.headers["Location"], headers=fr).get_data(as_text=True)
    assert "RAPPORT Z" in z and "Fond de caisse" in z and "120,00\xa0$" in z
    assert "Argent attendu" in z and "105,00\xa0$" in z and "Surplus" in z and "Argent compté" in z
    assert "0,05 $" in z.split('id="z-over-short"')[1][:40]
    assert priced.scalar("SELECT over_short_cents FROM shifts") == 10505 - (12000 - 1500)
