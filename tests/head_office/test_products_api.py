import pytest


@pytest.fixture
def manager(client, demo_chain, token_for):
    return token_for("manager", "manager")


def test_search_by_name_sku_or_barcode(client, manager):
    by_name = client.get("/api/v1/products?q=maple", headers=manager).json
    assert [p["sku"] for p in by_name["items"]] == ["GRO-006"]
    barcode = by_name["items"][0]["barcode"]
    by_barcode = client.get(f"/api/v1/products?q={barcode}", headers=manager).json
    assert [p["name"] for p in by_barcode["items"]] == ["Maple syrup 540 mL"]
    by_sku = client.get("/api/v1/products?q=hou-00", headers=manager).json
    assert by_sku["total"] == 8


def test_filter_by_category_and_paginate(client, manager):
    first = client.get("/api/v1/products?category=grocery&page_size=5", headers=manager).json
    assert first["total"] == 12 and len(first["items"]) == 5 and first["page"] == 1
    third = client.get("/api/v1/products?category=Grocery&page_size=5&page=3", headers=manager).json
    assert [p["sku"] for p in third["items"]] == ["GRO-011", "GRO-012"]


def test_search_treats_wildcards_literally(client, manager):
    assert client.get("/api/v1/products?q=%25", headers=manager).json["total"] == 0


def test_one_product_by_sku_and_unknown_sku(client, manager):
    product = client.get("/api/v1/products/GRO-001", headers=manager).json
    assert product["price_cents"] == 589 and product["tax_class"] == "exempt"
    missing = client.get("/api/v1/products/NOPE", headers=manager)
    assert missing.status_code == 404
    assert missing.json["code"] == "unknown_sku"


@pytest.mark.parametrize(
    "query",
    ["page=0", "page_size=100000", "page=abc", "page=99999999999999999999"],
)
def test_bad_query_arguments_get_a_clear_422(client, manager, query):
    response = client.get(f"/api/v1/products?{query}", headers=manager)
    assert response.status_code == 422
    body = response.json
    assert body["code"] == "validation_error"
    assert body["message"].startswith("Invalid input: page")  # names the field at fault
    assert body["errors"]
