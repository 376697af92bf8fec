"""Whatever a store accepts, head office applies, for every event the store pushes besides sales
and returns: stock adjustments and counts, restock requests and their receipt, shifts and cash
movements. Each limited field at its bounds goes through the store's API and a real push; just
past each bound the store refuses with 422 naming the field and queues nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from common.limits import PAYMENT_MAX_CENTS, RESTOCK_QTY_MAX, STOCK_LEVEL_MAX, TEXT_MAX
from head_office.models import Replenishment, Shift, SyncRejection
from head_office.replenishment.operations import approve, ship
from head_office.stock.operations import receive_from_supplier
from store_node.shifts.operations import DENOMINATIONS

pytestmark = pytest.mark.slow

LONGEST = ("Réassort é—✓ " * 20)[:TEXT_MAX]  # printable Unicode, accents and symbols, at its length
UNITS_MAX = 100_000  # of each bill or coin in a drawer count


def store_manager(node: Any):
    client = node.app.test_client()
    signed = client.post("/api/v1/session", json={"username": f"storemgr{node.store_id}", "password": "storemgr"})
    assert signed.status_code in (200, 201), signed.json
    headers = {"Authorization": f"Bearer {signed.json['token']}"}

    def call(method: str, path: str, body: Any = None) -> Any:
        return client.open("/api/v1" + path, method=method, json=body, headers=headers)

    return call


def refused(call, path: str, body: dict[str, Any], field: str, node: Any) -> None:
    before = node.scalar("SELECT count(*) FROM outbox")
    response = call("POST", path, body)
    assert response.status_code == 422, (path, body, response.json)
    assert any(key == field or key.startswith(field) for key in response.json["errors"]), response.json
    assert node.scalar("SELECT count(*) FROM outbox") == before


def head_office_on_hand(session: Session, store_id: int, sku: str) -> int:
    return session.execute(
        text("SELECT s.on_hand FROM store_stock s JOIN products p ON p.id = s.product_id"
             " WHERE s.store_id = :s AND p.sku = :k"), {"s": store_id, "k": sku},
    ).scalar_one()


def test_stock_restock_and_shift_events_at_every_limit_reach_head_office(make_store, head_office, chain_db):
    node = make_store(1, head_office)
    node.runner.pull(wait=True)
    call = store_manager(node)

    # Stock: a count at the highest level, adjustments of the largest delta both ways, the longest
    # reason, a count back to zero.
    for body in ({"sku": "SNK-001", "counted": STOCK_LEVEL_MAX},
                 {"sku": "SNK-001", "delta": -STOCK_LEVEL_MAX, "reason": LONGEST},
                 {"sku": "SNK-001", "delta": STOCK_LEVEL_MAX, "reason": "x"},
                 {"sku": "SNK-002", "counted": 0}):
        response = call("POST", "/stock/adjustments", body)
        assert response.status_code == 201, (body, response.json)
    for body, field in (({"sku": "SNK-001", "counted": STOCK_LEVEL_MAX + 1}, "counted"),
                        ({"sku": "SNK-001", "counted": -1}, "counted"),
                        ({"sku": "SNK-001", "delta": STOCK_LEVEL_MAX + 1, "reason": "x"}, "delta"),
                        ({"sku": "SNK-001", "delta": 1, "reason": LONGEST + "x"}, "reason"),
                        # on hand is at the highest level: one more unit would pass it
                        ({"sku": "SNK-001", "delta": 1, "reason": "x"}, "delta")):
        refused(call, "/stock/adjustments", body, field, node)

    # Restock: the smallest and the largest request, the largest received in full.
    small = call("POST", "/restock-requests", {"sku": "HOU-002", "qty": 1})
    large = call("POST", "/restock-requests", {"sku": "HOU-001", "qty": RESTOCK_QTY_MAX})
    assert small.status_code == large.status_code == 201, (small.json, large.json)
    for body in ({"sku": "HOU-001", "qty": 0}, {"sku": "HOU-001", "qty": RESTOCK_QTY_MAX + 1}):
        refused(call, "/restock-requests", body, "qty", node)

    # Shifts: the largest float, cash movements at their bounds adding up past 2^31 cents, the
    # longest reason; drawers counted at the largest amount.
    opened = call("POST", "/shifts", {"register": "1", "opening_float_cents": PAYMENT_MAX_CENTS})
    assert opened.status_code == 201, opened.json
    shift_id = opened.json["id"]
    movements = [{"kind": "in", "amount_cents": PAYMENT_MAX_CENTS, "reason": LONGEST}] * 22
    movements += [{"kind": "out", "amount_cents": 1, "reason": "x"}]
    for body in movements:
        response = call("POST", f"/shifts/{shift_id}/cash-movements", body)
        assert response.status_code == 201, response.json
    for body, field in (({"kind": "in", "amount_cents": 0, "reason": "x"}, "amount_cents"),
                        ({"kind": "in", "amount_cents": PAYMENT_MAX_CENTS + 1, "reason": "x"}, "amount_cents"),
                        ({"kind": "in", "amount_cents": 1, "reason": LONGEST + "x"}, "reason")):
        refused(call, f"/shifts/{shift_id}/cash-movements", body, field, node)
    # A drawer counted at the largest amount: 10,000 bills of 100 $ (1,000,000.00 $).
    full_drawer = {str(max(DENOMINATIONS)): PAYMENT_MAX_CENTS // max(DENOMINATIONS)}
    refused(call, f"/shifts/{shift_id}/close", {"counts": {"5": UNITS_MAX + 1}}, "5", node)
    refused(call, f"/shifts/{shift_id}/close", {"counts": {**full_drawer, "5": 1}}, "counted_cash_cents", node)
    closed = call("POST", f"/shifts/{shift_id}/close", {"counts": full_drawer})
    assert closed.status_code == 200, closed.json
    second = call("POST", "/shifts", {"register": "2", "counts": full_drawer, "opening_float_cents": 0})
    assert second.status_code == 201, second.json
    refused(call, "/shifts", {"register": "1", "opening_float_cents": PAYMENT_MAX_CENTS + 1},
            "opening_float_cents", node)

    node.runner.push(wait=True)
    assert node.pending() == 0
    with Session(chain_db) as session:
        assert [(r.type, r.code, r.reason) for r in session.scalars(select(SyncRejection))] == []
        for sku in ("SNK-001", "SNK-002"):
            assert head_office_on_hand(session, 1, sku) == node.scalar(
                "SELECT on_hand FROM stock WHERE sku = ?", (sku,))
        shift = session.get(Shift, closed.json.get("id") or shift_id)
        assert shift is not None
        assert shift.cash_in_cents == 22 * PAYMENT_MAX_CENTS > 2**31
        assert (shift.cash_expected_cents, shift.cash_counted_cents, shift.over_short_cents) == (
            closed.json["cash_expected_cents"], closed.json["cash_counted_cents"], closed.json["over_short_cents"])
        assert session.scalar(select(func.count()).select_from(Shift)) == 2
        reps = {str(r.request_id): r for r in session.scalars(select(Replenishment))}
        assert reps[small.json["id"]].qty_requested == 1
        assert reps[large.json["id"]].qty_requested == RESTOCK_QTY_MAX
        # Head office approves and ships the largest request in full; the store receives all of it.
        receive_from_supplier(session, "HOU-001", RESTOCK_QTY_MAX, "test")
        rep_id = reps[large.json["id"]].id
        approve(session, rep_id, "manager")
        session.commit()
        ship(session, rep_id, "manager")
        session.commit()
    node.runner.pull(wait=True)
    refused(call, f"/restock-requests/{large.json['id']}/receive", {"qty": RESTOCK_QTY_MAX + 1}, "qty", node)
    received = call("POST", f"/restock-requests/{large.json['id']}/receive", {"qty": RESTOCK_QTY_MAX})
    assert received.status_code in (200, 201), received.json
    node.runner.push(wait=True)
    assert node.pending() == 0
    with Session(chain_db) as session:
        assert session.scalar(select(func.count()).select_from(SyncRejection)) == 0
        rep = session.get(Replenishment, rep_id)
        assert (rep.status, rep.qty_received) == ("received", RESTOCK_QTY_MAX)
        assert head_office_on_hand(session, 1, "HOU-001") == node.scalar(
            "SELECT on_hand FROM stock WHERE sku = 'HOU-001'")
