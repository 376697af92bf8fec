"""The store's daily totals, sync status, and what a crash inside a request shows."""

from __future__ import annotations


def test_daily_report_is_net_of_tax_and_returns(cashier, store_manager, store) -> None:
    store.add_product("T-A", 1000)
    store.add_product("T-E", 500, tax_class="exempt")
    first = cashier.sell([{"sku": "T-A", "qty": 2}, {"sku": "T-E", "qty": 1}]).json
    second = cashier.sell([{"sku": "T-A", "qty": 1, "discount_cents": 100}]).json
    ret = cashier.post("/returns", {"sale_id": first["id"], "lines": [{"sku": "T-A", "qty": 1}]}).json
    report = store_manager.get(f"/reports/daily?date={first['business_date']}").json
    assert report["store_id"] == 3 and report["business_date"] == first["business_date"]
    assert report["sales_count"] == 2
    assert report["returns_cents"] == ret["subtotal_cents"] == 1000
    assert report["revenue_cents"] == 2500 + 900 - 1000
    assert report["tax_cents"] == first["tax_cents"] + second["tax_cents"] - ret["tax_cents"]
    assert report["units"] == 4 - 1
    assert report["avg_basket_cents"] == (2500 + 900) // 2
    empty = store_manager.get("/reports/daily?date=2001-01-01").json
    assert empty["revenue_cents"] == 0 and empty["avg_basket_cents"] == 0


def test_sync_status_counts_unsent_events(cashier, store) -> None:
    status = cashier.get("/sync/status").json
    assert status["online"] is False and status["pending_events"] == 0
    assert status["oldest_pending_age_s"] is None
    cashier.post("/restock-requests", {"sku": "GRO-001", "qty": 3})
    cashier.sell([{"sku": "GRO-001", "qty": 1}])
    status = cashier.get("/sync/status").json
    assert status["pending_events"] == 2 and status["oldest_pending_age_s"] >= 0
    assert [e["seq"] for e in store.events()] == [1, 2]


def test_an_unexpected_error_sends_no_exception_text(cashier, store, monkeypatch) -> None:
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("store_node.sales.api.record_sale", explode)
    response = cashier.sell([{"sku": "GRO-001", "qty": 1}])
    assert response.status_code == 500
    assert response.json["code"] == "internal_error"
    assert "secret" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_late_evening_sale_counts_on_the_store_business_date(cashier, store_manager, store,
                                                               monkeypatch) -> None:
    from datetime import UTC, datetime

    store.add_product("T-A", 1000)
    late = datetime(2026, 1, 2, 4, 30, tzinfo=UTC)  # 23:30 on 1 January in Montreal
    monkeypatch.setattr("store_node.sales.operations.utcnow", lambda: late)
    sale = cashier.sell([{"sku": "T-A", "qty": 1}]).json
    assert sale["business_date"] == "2026-01-01"
    assert sale["occurred_at"] == "2026-01-02T04:30:00.000Z"
    assert store_manager.get("/reports/daily?date=2026-01-01").json["sales_count"] == 1
    assert store_manager.get("/reports/daily?date=2026-01-02").json["sales_count"] == 0


def test_cashier_cannot_read_daily_report(cashier, store_manager, client) -> None:
    refused = cashier.get("/reports/daily")
    assert refused.status_code == 403 and refused.json["code"] == "forbidden"
    assert "revenue_cents" not in refused.json
    assert store_manager.get("/reports/daily").status_code == 200
    from tests.store_node.conftest import Api

    assert Api(client, "manager", "manager").get("/reports/daily").status_code == 200
