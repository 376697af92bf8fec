"""Whatever a store accepts, head office applies: the boundary values of every limited field of a
sale, through a store's till API and a real push to a live head office (common/limits.py)."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from common.limits import (
    LINES_MAX,
    PAYMENT_MAX_CENTS,
    PAYMENT_MIN_CENTS,
    PAYMENTS_MAX,
    QTY_MAX,
    QTY_MIN,
    UNIT_PRICE_MAX_CENTS,
)
from head_office.models import Sale, SyncRejection
from store_node.stock.ledger import move_stock

pytestmark = pytest.mark.slow

PRODUCTS = {
    # sku: (price_cents, tax_class)
    "LIM-ZERO": (0, "standard"),
    "LIM-CENT": (1, "exempt"),
    "LIM-MAX": (UNIT_PRICE_MAX_CENTS, "standard"),
    "LIM-MAXX": (UNIT_PRICE_MAX_CENTS, "exempt"),
}


def manager_headers(url: str) -> dict[str, str]:
    signed = requests.post(url + "/api/v1/session", json={"username": "manager", "password": "manager"}, timeout=10)
    assert signed.status_code in (200, 201), signed.text
    return {"Authorization": f"Bearer {signed.json()['token']}"}


def create_products(url: str, headers: dict[str, str]) -> None:
    for sku, (price, tax_class) in PRODUCTS.items():
        body = {"sku": sku, "name": f"Limit {sku}", "category": "Test", "price_cents": price,
                "tax_class": tax_class}
        created = requests.post(url + "/api/v1/products", json=body, headers=headers, timeout=10)
        assert created.status_code == 201, created.text
    # The catalog's price cap is the till's: one cent more is refused, naming the field.
    over = {"sku": "LIM-OVER", "name": "Over", "category": "Test", "price_cents": UNIT_PRICE_MAX_CENTS + 1}
    refused = requests.post(url + "/api/v1/products", json=over, headers=headers, timeout=10)
    assert refused.status_code == 422 and "price_cents" in refused.json()["errors"], refused.text


def cash(amount: int) -> dict[str, object]:
    return {"tender": "cash", "amount_cents": amount}


def card(amount: int) -> dict[str, object]:
    return {"tender": "card", "amount_cents": amount}


MANAGER = {"username": "storemgr1", "password": "storemgr"}  # approves discounts beyond a cashier's

# Sales at the limits, each accepted by the store. Totals are worked out by the store.
AT_THE_LIMITS = [
    # qty 1 at a unit price of 0: a sale of 0.00 $, no payment needed
    ({"lines": [{"sku": "LIM-ZERO", "qty": QTY_MIN}], "payments": []}, None),
    # qty 10,000 at the highest price, discounted 100 %: the line's discount is 10^11 cents
    ({"lines": [{"sku": "LIM-MAX", "qty": QTY_MAX, "discount_percent": 100}], "payments": [],
      "approver": MANAGER}, None),
    # the same, discounted by the full line amount in cents
    ({"lines": [{"sku": "LIM-MAX", "qty": QTY_MAX, "discount_cents": QTY_MAX * UNIT_PRICE_MAX_CENTS}],
      "payments": [], "approver": MANAGER}, None),
    # 200 lines, discounts of 0 % and 0 cents, paid with the smallest payment and cash for the rest
    # (the cash part, 1.99 $, rounds to 2.00 $)
    ({"lines": [{"sku": "LIM-CENT", "qty": 1, "discount_percent": 0}] * 100
      + [{"sku": "LIM-CENT", "qty": 1, "discount_cents": 0}] * (LINES_MAX - 100),
      "payments": [card(PAYMENT_MIN_CENTS), cash(LINES_MAX)]}, LINES_MAX),
    # one payment at its largest: 10 units at the highest price, tax exempt
    ({"lines": [{"sku": "LIM-MAXX", "qty": 10}], "payments": [cash(PAYMENT_MAX_CENTS)]}, PAYMENT_MAX_CENTS),
    # twenty payments at their largest: 2,000,000,000 cents in one sale
    ({"lines": [{"sku": "LIM-MAXX", "qty": 200}], "payments": [card(PAYMENT_MAX_CENTS)] * PAYMENTS_MAX},
     PAYMENTS_MAX * PAYMENT_MAX_CENTS),
    # and again in cash: the day's sales pass 2^31 cents
    ({"lines": [{"sku": "LIM-MAXX", "qty": 200}], "payments": [cash(PAYMENT_MAX_CENTS)] * PAYMENTS_MAX},
     PAYMENTS_MAX * PAYMENT_MAX_CENTS),
    # a taxable sale at the highest price: GST and QST on 100,000.00 $, cash with change
    ({"lines": [{"sku": "LIM-MAX", "qty": 1}], "payments": [cash(PAYMENT_MAX_CENTS)]}, 11_497_500),
]

# Just past each bound: the store refuses with 422 naming the field.
PAST_THE_LIMITS = [
    ({"lines": [{"sku": "LIM-CENT", "qty": QTY_MAX + 1}], "payments": [cash(PAYMENT_MAX_CENTS)]}, "lines"),
    ({"lines": [{"sku": "LIM-CENT", "qty": QTY_MIN - 1}], "payments": [cash(100)]}, "lines"),
    ({"lines": [{"sku": "LIM-CENT", "qty": 1}] * (LINES_MAX + 1), "payments": [cash(1000)]}, "lines"),
    ({"lines": [{"sku": "LIM-CENT", "qty": 1, "discount_percent": 100.01}], "payments": []}, "lines"),
    ({"lines": [{"sku": "LIM-CENT", "qty": 1, "discount_percent": -0.01}], "payments": [cash(1)]}, "lines"),
    ({"lines": [{"sku": "LIM-CENT", "qty": 1, "discount_cents": -1}], "payments": [cash(1)]}, "lines"),
    ({"lines": [{"sku": "LIM-CENT", "qty": 2, "discount_cents": 3}], "payments": []}, "lines.0"),
    ({"lines": [{"sku": "LIM-CENT", "qty": 1}], "payments": [cash(PAYMENT_MIN_CENTS - 1)]}, "payments"),
    ({"lines": [{"sku": "LIM-MAXX", "qty": 11}], "payments": [cash(PAYMENT_MAX_CENTS + 1)]}, "payments"),
    ({"lines": [{"sku": "LIM-MAXX", "qty": 210}], "payments": [cash(PAYMENT_MAX_CENTS)] * (PAYMENTS_MAX + 1)},
     "payments"),
    ({"lines": [{"sku": "LIM-CENT", "qty": 1}], "payments": [cash(2**31)]}, "payments"),
]


def test_a_sale_at_every_limit_reaches_head_office(make_store, head_office, chain_db):
    create_products(head_office, manager_headers(head_office))
    node = make_store(1, head_office)
    node.runner.pull(wait=True)
    node.db.conn.execute("BEGIN IMMEDIATE")
    for sku in PRODUCTS:
        move_stock(node.db.conn, sku, QTY_MAX * 10, "receipt", None, "test", "2026-01-01T00:00:00.000Z")
    node.db.conn.execute("COMMIT")
    before = node.scalar("SELECT count(*) FROM outbox")

    recorded = []
    for body, total in AT_THE_LIMITS:
        response = node.api("POST", "/sales", body)
        assert response.status_code == 201, (body["lines"][0], response.json)
        if total is not None:
            assert response.json["total_cents"] == total
        recorded.append(response.json)
    for body, field in PAST_THE_LIMITS:
        response = node.api("POST", "/sales", body)
        assert response.status_code == 422, (body["lines"][0], body["payments"][:1], response.json)
        assert field in response.json["errors"], response.json
    assert node.scalar("SELECT count(*) FROM outbox") == before + len(AT_THE_LIMITS)

    node.runner.push(wait=True)
    assert node.pending() == 0
    with Session(chain_db) as session:
        assert session.scalar(select(func.count()).select_from(SyncRejection)) == 0
        for sale in recorded:
            stored = session.get(Sale, sale["id"])
            assert stored is not None, sale["receipt_number"]
            assert (stored.subtotal_cents, stored.tax_cents, stored.total_cents, stored.change_cents) == (
                sale["subtotal_cents"], sale["tax_cents"], sale["total_cents"], sale["change_cents"]
            )
            assert [(ln.qty, ln.unit_price_cents, ln.discount_cents, ln.net_cents) for ln in stored.lines] == [
                (ln["qty"], ln["unit_price_cents"], ln["discount_cents"], ln["net_cents"]) for ln in sale["lines"]
            ]
            assert sum(p.amount_cents for p in stored.payments) == sum(p["amount_cents"] for p in sale["payments"])
        day = recorded[0]["business_date"]
        projected = session.execute(
            text("SELECT sales_count, sales_cents FROM daily_store_sales WHERE store_id = 1 AND business_date = :d"),
            {"d": day},
        ).one()
    assert projected == (len(recorded), sum(s["subtotal_cents"] for s in recorded))
    assert projected[1] > 2**31  # past what a 32-bit column holds

    # Returns at the limits: the 200 units of the largest sale come back in three parts and
    # refund exactly what was paid; one more unit is refused at the store, naming the line.
    big = next(s for s in recorded if s["total_cents"] == PAYMENTS_MAX * PAYMENT_MAX_CENTS)
    refunds = []
    for qty in (1, 99, 100):
        response = node.api("POST", "/returns", {"sale_id": big["id"], "lines": [{"line_no": 1, "qty": qty}]})
        assert response.status_code == 201, response.json
        refunds.append(response.json["refund_cents"])
    assert sum(refunds) == big["total_cents"]
    over = node.api("POST", "/returns", {"sale_id": big["id"], "lines": [{"line_no": 1, "qty": 1}]})
    assert over.status_code == 422 and "lines.0.qty" in over.json["errors"], over.json
    node.runner.push(wait=True)
    assert node.pending() == 0
    with Session(chain_db) as session:
        assert session.scalar(select(func.count()).select_from(SyncRejection)) == 0
        returned = session.execute(
            text("SELECT count(*), sum(refund_cents) FROM returns WHERE sale_id = :s"), {"s": big["id"]}
        ).one()
    assert returned == (3, big["total_cents"])
