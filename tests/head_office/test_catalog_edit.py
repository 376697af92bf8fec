"""Catalog: create and edit products; versions, change log, audit, refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from head_office.models import AuditEntry, CentralStock, ChangeLogEntry, Product
from tests.head_office.console_support import fast_demo_hashes  # noqa: E402,F401

pytestmark = pytest.mark.usefixtures("fast_demo_hashes")


@pytest.fixture
def manager(client, demo_chain, token_for):
    return token_for("manager", "manager")


NEW = {
    "sku": "TEA-001",
    "barcode": "0628000099991",
    "name": "Green tea, 20 bags",
    "category": "Grocery",
    "price_cents": 449,
    "tax_class": "exempt",
    "reorder_point": 4,
    "max_stock": 20,
}


def valid_new(**changes):
    from common.barcodes import make_ean13

    return {**NEW, "barcode": make_ean13("062800009999"), **changes}


def test_create_a_product_with_its_central_stock_row_change_log_and_audit(client, manager, demo_chain):
    response = client.post("/api/v1/products", json=valid_new(), headers=manager)

    assert response.status_code == 201, response.json
    assert (
        response.json["sku"] == "TEA-001"
        and response.json["version"] == 1
        and response.json["active"] is True
    )
    product = demo_chain.scalar(select(Product).where(Product.sku == "TEA-001"))
    stock = demo_chain.get(CentralStock, product.id)
    assert (stock.on_hand, stock.reserved, stock.in_transit) == (0, 0, 0)
    change = demo_chain.scalars(
        select(ChangeLogEntry).where(
            ChangeLogEntry.entity == "product", ChangeLogEntry.entity_key == "TEA-001"
        )
    ).one()
    assert change.payload == product.to_wire() and change.store_id is None
    assert (
        demo_chain.scalar(select(AuditEntry).where(AuditEntry.action == "product.create")).actor == "manager"
    )
    listed = client.get("/api/v1/central-stock?q=TEA-001", headers=manager).json["items"]
    assert listed[0]["on_hand"] == 0


def test_price_change_bumps_version_reaches_stores_and_is_audited(client, manager, demo_chain):
    response = client.patch("/api/v1/products/GRO-006", json={"price_cents": 1349}, headers=manager)

    assert response.status_code == 200
    assert response.json["price_cents"] == 1349 and response.json["version"] == 2
    change = demo_chain.scalars(
        select(ChangeLogEntry)
        .where(ChangeLogEntry.entity == "product", ChangeLogEntry.entity_key == "GRO-006")
        .order_by(ChangeLogEntry.id.desc())
    ).first()
    assert change.version == 2 and change.payload["price_cents"] == 1349
    audit = demo_chain.scalar(select(AuditEntry).where(AuditEntry.action == "product.price"))
    assert audit.before["price_cents"] == 1299 and audit.after["price_cents"] == 1349


def test_edit_several_fields_and_a_no_op_changes_nothing(client, manager, demo_chain):
    response = client.patch(
        "/api/v1/products/HOU-001",
        headers=manager,
        json={
            "name": "Dish soap 1 L",
            "category": "Cleaning",
            "reorder_point": 5,
            "max_stock": 25,
            "active": False,
        },
    )
    assert response.status_code == 200
    assert (response.json["name"], response.json["category"], response.json["active"]) == (
        "Dish soap 1 L",
        "Cleaning",
        False,
    )
    count = demo_chain.scalar(select(func.count()).select_from(ChangeLogEntry))
    again = client.patch("/api/v1/products/HOU-001", json={"name": "Dish soap 1 L"}, headers=manager)
    assert again.json["version"] == response.json["version"] == 2
    assert demo_chain.scalar(select(func.count()).select_from(ChangeLogEntry)) == count


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"price_cents": -1}, 422, "price_cents"),
        ({"price_cents": "4.99"}, 422, "price_cents"),
        ({"price_cents": 4.99}, 422, "price_cents"),
        ({"barcode": "0628000000011"}, 422, "barcode"),  # wrong check digit
        ({"barcode": "12345"}, 422, "barcode"),
        ({"tax_class": "luxury"}, 422, "tax_class"),
        ({"active": "yes"}, 422, "active"),
        ({"name": "   "}, 422, "name"),
        ({"sku": "NEW-SKU"}, 422, "sku"),
        ({"colour": "red"}, 422, "colour"),
        ({"reorder_point": 50, "max_stock": 10}, 422, "max_stock"),
        ({}, 422, None),
    ],
)
def test_bad_edits_get_a_clear_error_and_change_nothing(client, manager, demo_chain, body, status, field):
    before = client.get("/api/v1/products/GRO-001", headers=manager).json
    response = client.patch("/api/v1/products/GRO-001", json=body, headers=manager)
    assert response.status_code == status, response.json
    assert response.json["message"]
    if field:
        assert field in response.json["errors"]
    assert client.get("/api/v1/products/GRO-001", headers=manager).json == before


def test_duplicate_barcode_on_edit_is_409(client, manager):
    other = client.get("/api/v1/products/GRO-002", headers=manager).json["barcode"]
    response = client.patch("/api/v1/products/GRO-001", json={"barcode": other}, headers=manager)
    assert response.status_code == 409 and response.json["code"] == "duplicate_barcode"
    assert "GRO-002" in response.json["message"]


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"sku": "GRO-001"}, 409, "duplicate_sku"),
        ({"barcode": "BARCODE"}, 422, "validation_error"),
        ({"price_cents": -5}, 422, "validation_error"),
        ({"sku": "bad sku!"}, 422, "validation_error"),
        ({"name": None}, 422, "validation_error"),
        ({"unexpected": True}, 422, "validation_error"),
    ],
)
def test_bad_creations_are_refused_and_write_nothing(client, manager, demo_chain, changes, status, code):
    count = demo_chain.scalar(select(func.count()).select_from(Product))
    response = client.post("/api/v1/products", json=valid_new(**changes), headers=manager)
    assert response.status_code == status and response.json["code"] == code
    assert demo_chain.scalar(select(func.count()).select_from(Product)) == count


def test_duplicate_barcode_on_create_is_409(client, manager):
    taken = client.get("/api/v1/products/GRO-001", headers=manager).json["barcode"]
    response = client.post("/api/v1/products", json=valid_new(barcode=taken), headers=manager)
    assert response.status_code == 409 and response.json["code"] == "duplicate_barcode"


def test_store_staff_cannot_edit_the_catalog(client, demo_chain, token_for):
    cashier = token_for("cashier1", "cashier")
    assert (
        client.patch("/api/v1/products/GRO-001", json={"price_cents": 1}, headers=cashier).status_code == 403
    )
    assert client.post("/api/v1/products", json=valid_new(), headers=cashier).status_code == 403


def test_a_sale_keeps_the_price_it_was_sold_at(client, manager, demo_chain):
    from common.clock import utcnow
    from demo.history import Item, apply, sale_payload
    from head_office.models import SaleLine

    syrup = demo_chain.scalar(select(Product).where(Product.sku == "GRO-006"))
    apply(demo_chain, 1, "sale", sale_payload(1, "S01-000001", [Item.of(syrup, 1)], utcnow()))
    demo_chain.commit()
    client.patch("/api/v1/products/GRO-006", json={"price_cents": 1500}, headers=manager)
    demo_chain.expire_all()
    assert demo_chain.scalar(select(SaleLine.unit_price_cents)) == 1299
