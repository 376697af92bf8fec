"""A store's shift reaches head office by the outbox: managers see its counted drawer and difference."""

from __future__ import annotations

import requests


def manager_headers(head_office: str) -> dict[str, str]:
    reply = requests.post(head_office + "/api/v1/session",
                          json={"username": "manager", "password": "manager"}, timeout=10)
    assert reply.status_code in (200, 201), reply.text
    return {"Authorization": f"Bearer {reply.json()['token']}"}


def test_a_closed_shift_and_its_difference_reach_head_office(make_store, head_office, chain_db):
    node = make_store(2, head_office)
    node.runner.pull(wait=True)
    opened = node.api("POST", "/shifts", {"register": "2", "opening_float_cents": 20000})
    assert opened.status_code == 201, opened.json
    shift_id = opened.json["id"]
    sale = node.api("POST", "/sales", {"register": "2", "lines": [{"sku": "GRO-006", "qty": 1}],
                                       "payments": [{"tender": "cash", "amount_cents": 2000}]})
    assert sale.status_code == 201 and sale.json["shift_id"] == shift_id
    node.api("POST", f"/shifts/{shift_id}/cash-movements",
             {"kind": "out", "amount_cents": 500, "reason": "courier paid"})
    z = node.api("POST", f"/shifts/{shift_id}/close", {"counted_cash_cents": 20000}).json
    node.runner.push(wait=True)
    assert node.pending() == 0

    listed = requests.get(head_office + "/api/v1/shifts?store=2", headers=manager_headers(head_office),
                          timeout=10).json()["items"]
    assert [s["id"] for s in listed] == [shift_id]
    shift = listed[0]
    assert (shift["register"], shift["cashier"], shift["opening_float_cents"]) == ("2", "cashier2", 20000)
    assert shift["cash_expected_cents"] == z["cash_expected_cents"]
    assert shift["cash_counted_cents"] == 20000
    assert shift["over_short_cents"] == z["over_short_cents"] == 20000 - z["cash_expected_cents"]
    assert shift["closed_at"] is not None
    other = requests.get(head_office + "/api/v1/shifts?store=3", headers=manager_headers(head_office),
                         timeout=10).json()["items"]
    assert other == []
