"""An id in a query string that names no row is 404 naming the field (DESIGN.md "Limits", error
codes), on the API, the console pages and the CSV downloads alike; nothing is listed instead."""

from __future__ import annotations

import re

import pytest

from tests.head_office.console_support import fast_demo_hashes  # noqa: F401

pytestmark = pytest.mark.usefixtures("fast_demo_hashes")

RANGE = "from=2026-02-01&to=2026-02-02"
# A store id in range but missing, a code that names none, one past an INTEGER column, INT64_MAX.
MISSING_STORES = ["9", "S99", str(2**31), str(2**63 - 1)]

API = [
    f"/api/v1/reports/sales?{RANGE}&store={{}}",
    f"/api/v1/reports/sales.csv?{RANGE}&store={{}}",
    f"/api/v1/reports/sales-by-day.csv?{RANGE}&store={{}}",
    "/api/v1/replenishments?store={}",
    f"/api/v1/shifts?{RANGE}&store={{}}",
]
PAGES = [
    f"/reports?{RANGE}&store={{}}",
    f"/reports/sales.csv?{RANGE}&store={{}}",
    f"/reports/sales.csv?{RANGE}&by=day&store={{}}",
    f"/shifts?{RANGE}&store={{}}",
    "/replenishments?status=all&store={}",
]


@pytest.fixture
def manager(client, demo_chain, token_for):
    return token_for("manager", "manager")


@pytest.mark.parametrize("store", MISSING_STORES)
@pytest.mark.parametrize("path", API)
def test_an_unknown_store_in_an_api_query_is_404(client, manager, path, store):
    if not store.isdigit() and "reports" not in path:
        # These take a store id only: a code there is not a number (422), see below.
        response = client.get(path.format(store), headers=manager)
        assert response.status_code == 422 and "store" in response.json["errors"]
        return
    response = client.get(path.format(store), headers=manager)
    assert response.status_code == 404, response.data
    assert response.json["code"] in ("unknown_store", "not_found")
    assert "store" in response.json["errors"]


@pytest.mark.parametrize("path", API)
def test_a_known_store_in_an_api_query_is_answered(client, manager, path):
    assert client.get(path.format("1"), headers=manager).status_code == 200
    if "reports" in path:
        assert client.get(path.format("S01"), headers=manager).status_code == 200


@pytest.mark.parametrize("order_id", ["999999", str(2**63 - 1)])
def test_an_unknown_order_in_the_payments_query_is_404(client, manager, order_id):
    response = client.get(f"/api/v1/payments?order_id={order_id}", headers=manager)
    assert response.status_code == 404, response.data
    assert "order_id" in response.json["errors"]
    assert client.get(f"/api/v1/payments?order_id={2**63}", headers=manager).status_code in (404, 422)


def test_an_unknown_store_on_a_console_page_is_a_readable_404(client, demo_chain):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "manager", "password": "manager", "csrf_token": token})
    for path in PAGES:
        for store in ("S99", "9", str(2**31)):
            response = client.get(path.format(store), headers={"Accept": "text/html"})
            assert response.status_code == 404, (path, store)
            text = response.get_data(as_text=True)
            assert "text/html" in response.content_type and "Traceback" not in text
            assert store in text or "S99" not in store, (path, text[:300])
        assert client.get(path.format("S01"), headers={"Accept": "text/html"}).status_code == 200, path
