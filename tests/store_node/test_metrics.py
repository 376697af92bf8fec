"""The store node's /metrics: sales and returns counted, the queue, push outcomes, latency per status."""

from __future__ import annotations

import json

import pytest
from werkzeug.wrappers import Response

from store_node import settings
from store_node.db import open_existing
from store_node.sync.runner import build_runner
from sync.client import SyncError
from tests.support import live_server, metric

from .conftest import STORE_ID

STORE = str(STORE_ID)


def scrape(client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def value(text: str, name: str, **labels: str) -> float:
    found = metric(text, name, **labels)
    return 0.0 if found is None else found


def test_a_sale_moves_the_sales_counters_the_queue_and_the_latency_of_its_status(
    client, cashier, store
) -> None:
    store.add_product("M-1", 1000)
    before = scrape(client)
    assert metric(before, "comptoir_sync_pending_events", store_id=STORE) == 0
    assert metric(before, "comptoir_sync_oldest_pending_age_seconds", store_id=STORE) == 0
    response = cashier.sell([{"sku": "M-1", "qty": 3}], [{"tender": "cash", "amount_cents": 5000}])
    assert response.status_code == 201, response.json
    after = scrape(client)
    labels = {"service": "store", "store_id": STORE}
    assert value(after, "comptoir_sales_total", **labels) == value(before, "comptoir_sales_total", **labels) + 1
    assert value(after, "comptoir_sales_net_cents_total", **labels) == (
        value(before, "comptoir_sales_net_cents_total", **labels) + 3000
    )
    assert metric(after, "comptoir_sync_pending_events", store_id=STORE) == 1
    assert metric(after, "comptoir_sync_oldest_pending_age_seconds", store_id=STORE) >= 0
    assert value(after, "comptoir_http_request_duration_seconds_count", service="store",
                 endpoint="/api/v1/sales", status="201") >= 1

    refused = cashier.sell([{"sku": "M-1", "qty": 1000}])
    assert refused.status_code == 409
    final = scrape(client)
    assert value(final, "comptoir_sales_total", **labels) == value(after, "comptoir_sales_total", **labels)
    assert value(final, "comptoir_http_request_duration_seconds_count", service="store",
                 endpoint="/api/v1/sales", status="409") >= 1


def test_a_return_moves_the_returns_counters(client, cashier, store) -> None:
    store.add_product("M-2", 500)
    sale = cashier.sell([{"sku": "M-2", "qty": 2}]).json
    before = scrape(client)
    response = cashier.post("/returns", {"sale_id": sale["id"], "lines": [{"sku": "M-2", "qty": 1}]})
    assert response.status_code == 201, response.json
    after = scrape(client)
    labels = {"service": "store", "store_id": STORE}
    assert value(after, "comptoir_returns_total", **labels) == value(before, "comptoir_returns_total", **labels) + 1
    assert value(after, "comptoir_returns_net_cents_total", **labels) == (
        value(before, "comptoir_returns_net_cents_total", **labels) + 500
    )
    assert metric(after, "comptoir_sync_pending_events", store_id=STORE) == 2


def _push_to(data_dir, url: str) -> None:
    db = open_existing(data_dir)
    try:
        settings.write(db, {"head_office_url": url})
        runner = build_runner(db, data_dir)
        with pytest.raises(SyncError):
            runner.push(wait=True)
    finally:
        db.close()


def test_a_push_to_an_unreachable_head_office_counts_as_unreachable(client, cashier, store, data_dir) -> None:
    store.add_product("M-3", 100)
    cashier.sell([{"sku": "M-3", "qty": 1}])
    before = scrape(client)
    _push_to(data_dir, "http://127.0.0.1:9")
    after = scrape(client)
    unreachable = {"store_id": STORE, "outcome": "unreachable"}
    assert value(after, "comptoir_sync_push_total", **unreachable) == (
        value(before, "comptoir_sync_push_total", **unreachable) + 1
    )
    assert value(after, "comptoir_sync_push_duration_seconds_count", **unreachable) >= 1
    assert metric(after, "comptoir_sync_pending_events", store_id=STORE) == 1  # still queued


def test_a_push_head_office_refuses_counts_as_refused(client, cashier, store, data_dir) -> None:
    def refusing(environ, start_response):
        body = {"code": "invalid_sync_token", "status": 401, "message": "Unknown token.", "errors": {}}
        return Response(json.dumps(body), status=401, content_type="application/json")(environ, start_response)

    store.add_product("M-4", 100)
    cashier.sell([{"sku": "M-4", "qty": 1}])
    before = scrape(client)
    with live_server(refusing) as url:
        _push_to(data_dir, url)
    after = scrape(client)
    refused = {"store_id": STORE, "outcome": "refused"}
    assert value(after, "comptoir_sync_push_total", **refused) == value(before, "comptoir_sync_push_total", **refused) + 1
