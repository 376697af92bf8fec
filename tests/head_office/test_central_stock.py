"""Central stock: readable by everyone signed in, receipts and adjustments by managers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from head_office.models import AuditEntry, CentralStock, ChangeLogEntry, Product, StockMovement, StoreStock
from tests.head_office.console_support import fast_demo_hashes  # noqa: E402,F401

pytestmark = pytest.mark.usefixtures("fast_demo_hashes")


@pytest.fixture
def manager(client, demo_chain, token_for):
    return token_for("manager", "manager")


def row_for(body, sku):
    return next(item for item in body["items"] if item["sku"] == sku)


def test_rows_carry_buckets_each_store_on_hand_and_marks(client, manager, demo_chain):
    milk = demo_chain.scalar(select(Product).where(Product.sku == "GRO-001"))
    demo_chain.get(StoreStock, (3, milk.id)).on_hand = 2  # reorder point is 12
    demo_chain.get(StoreStock, (4, milk.id)).on_hand = 61  # max stock is 60
    stock = demo_chain.get(CentralStock, milk.id)
    stock.on_hand, stock.reserved = 50, 20
    demo_chain.commit()

    body = client.get("/api/v1/central-stock?q=milk", headers=manager).json

    assert [item["sku"] for item in body["items"]] == ["GRO-001"]
    row = body["items"][0]
    assert (row["on_hand"], row["reserved"], row["in_transit"], row["available"]) == (50, 20, 0, 30)
    assert row["name"] == "Whole milk 2 L" and row["category"] == "Grocery"
    by_store = {s["store_id"]: s for s in row["stores"]}
    assert by_store[3]["on_hand"] == 2 and by_store[3]["low"] and not by_store[3]["over"]
    assert by_store[4]["on_hand"] == 61 and by_store[4]["over"]
    assert row["store_on_hand"]["3"] == 2 and len(row["stores"]) == 5
    assert row["low"] is True  # 30 available < 5 stores x 12
    assert [s["code"] for s in body["stores"]] == ["S01", "S02", "S03", "S04", "S05"]


def test_filter_by_category(client, manager):
    body = client.get("/api/v1/central-stock?category=pets", headers=manager).json
    assert [item["sku"] for item in body["items"]] == ["PET-001", "PET-002"]


def test_store_staff_read_central_stock_and_only_their_own_store_stock(client, demo_chain, token_for):
    cashier = token_for("cashier2", "cashier")
    assert client.get("/api/v1/central-stock", headers=cashier).status_code == 200
    own = client.get("/api/v1/stores/2/stock", headers=cashier)
    assert own.status_code == 200 and own.json["store_id"] == 2 and len(own.json["items"]) == 46
    assert {"sku", "name", "on_hand", "reorder_point", "max_stock"} <= set(own.json["items"][0])
    other = client.get("/api/v1/stores/3/stock", headers=cashier)
    assert other.status_code == 403 and "own store" in other.json["message"]
    assert (
        client.post(
            "/api/v1/central-stock/receipts", json={"sku": "GRO-001", "qty": 5}, headers=cashier
        ).status_code
        == 403
    )


def test_manager_reads_any_store_and_unknown_store_is_404(client, manager):
    assert client.get("/api/v1/stores/5/stock", headers=manager).status_code == 200
    missing = client.get("/api/v1/stores/42/stock", headers=manager)
    assert missing.status_code == 404 and missing.json["code"] == "unknown_store"


def test_supplier_receipt_adds_to_on_hand_with_ledger_change_log_and_audit(client, manager, demo_chain):
    before = client.get("/api/v1/central-stock?q=GRO-009", headers=manager).json["items"][0]

    response = client.post(
        "/api/v1/central-stock/receipts", json={"sku": "GRO-009", "qty": 120}, headers=manager
    )

    assert response.status_code == 201
    assert response.json["on_hand"] == before["on_hand"] + 120
    assert response.json["version"] == before["version"] + 1
    move = demo_chain.scalar(select(StockMovement).where(StockMovement.kind == "supplier_receipt"))
    assert move.qty == 120 and move.location == "central" and move.actor == "manager"
    change = demo_chain.scalars(
        select(ChangeLogEntry)
        .where(ChangeLogEntry.entity == "central_stock", ChangeLogEntry.entity_key == "GRO-009")
        .order_by(ChangeLogEntry.id.desc())
    ).first()
    assert change.payload == response.json and change.version == response.json["version"]
    audit = demo_chain.scalar(select(AuditEntry).where(AuditEntry.action == "central_stock.receipt"))
    assert audit.before["on_hand"] == before["on_hand"] and audit.after["on_hand"] == before["on_hand"] + 120


def test_adjustment_never_goes_below_zero_or_below_reserved(client, manager, demo_chain):
    product = demo_chain.scalar(select(Product).where(Product.sku == "HAR-002"))
    stock = demo_chain.get(CentralStock, product.id)
    stock.on_hand, stock.reserved = 10, 7
    demo_chain.commit()

    too_much = client.post(
        "/api/v1/central-stock/adjustments",
        json={"sku": "HAR-002", "delta": -4, "reason": "damaged"},
        headers=manager,
    )
    assert too_much.status_code == 409 and too_much.json["code"] == "insufficient_stock"
    assert "at most 3" in too_much.json["message"]

    ok = client.post(
        "/api/v1/central-stock/adjustments",
        json={"sku": "HAR-002", "delta": -3, "reason": "damaged"},
        headers=manager,
    )
    assert ok.status_code == 201 and ok.json["on_hand"] == 7 and ok.json["available"] == 0
    move = demo_chain.scalar(select(StockMovement).where(StockMovement.kind == "adjustment"))
    assert move.qty == -3 and move.note == "damaged"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("receipts", {"sku": "GRO-001", "qty": 0}),
        ("receipts", {"sku": "GRO-001", "qty": "5"}),
        ("receipts", {"sku": "GRO-001"}),
        ("receipts", {"sku": "GRO-001", "qty": 5, "price": 1}),
        ("adjustments", {"sku": "GRO-001", "delta": 0, "reason": "x"}),
        ("adjustments", {"sku": "GRO-001", "delta": 5}),
        ("adjustments", {"sku": "GRO-001", "delta": 1.5, "reason": "x"}),
    ],
)
def test_bad_stock_input_is_refused_and_changes_nothing(client, manager, demo_chain, path, body):
    before = client.get("/api/v1/central-stock?q=GRO-001", headers=manager).json["items"][0]
    response = client.post(f"/api/v1/central-stock/{path}", json=body, headers=manager)
    assert response.status_code == 422 and response.json["errors"]
    after = client.get("/api/v1/central-stock?q=GRO-001", headers=manager).json["items"][0]
    assert after == before


def test_unknown_sku_is_404(client, manager):
    response = client.post("/api/v1/central-stock/receipts", json={"sku": "NOPE", "qty": 1}, headers=manager)
    assert response.status_code == 404 and response.json["code"] == "unknown_sku"


def _page_sign_in(client, username, password):
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    page = client.get("/stock").get_data(as_text=True)  # signing in starts a new session and token
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_stock_page_forms_need_the_csrf_token_and_refusals_are_readable(client, demo_chain):
    token = _page_sign_in(client, "manager", "manager")
    before = client.get("/stock?q=GRO-009").get_data(as_text=True)
    assert 'id="receipt-form"' in before and "GRO-009" in before

    forged = client.post("/stock/receipts", data={"sku": "GRO-009", "qty": "5"})
    assert forged.status_code == 403 and "expired" in forged.get_data(as_text=True)

    ok = client.post(
        "/stock/receipts",
        data={"sku": "GRO-009", "qty": "5", "csrf_token": token, "back": "https://evil.example/"},
        follow_redirects=True,
    )
    assert "Received 5 of GRO-009" in ok.get_data(as_text=True)
    assert ok.request.path == "/"

    refused = client.post(
        "/stock/adjustments",
        data={"sku": "GRO-009", "delta": "-100000", "reason": "x", "csrf_token": token, "back": "/stock"},
        follow_redirects=True,
    )
    text = refused.get_data(as_text=True)
    assert "Cannot remove 100000 of GRO-009" in text and 'class="flash error"' in text


def test_store_staff_see_central_stock_read_only(client, demo_chain):
    _page_sign_in(client, "cashier1", "cashier")
    page = client.get("/stock").get_data(as_text=True)
    assert "Central stock" in page and 'id="receipt-form"' not in page
    assert client.post("/stock/receipts", data={"sku": "GRO-009", "qty": "5"}).status_code == 403
