"""Head office's /metrics: sales applied per store, rejections, each store's last contact,
replenishments per status, the database."""

from __future__ import annotations

import pytest

from head_office.stores.operations import issue_token
from tests.support import metric

from .sync_events import EventMaker, push_body

# Real commits: the metrics collector reads the database on a connection of its own.
pytestmark = pytest.mark.commits


@pytest.fixture
def store_token(demo_chain, db_session):
    token = issue_token(db_session, 1)
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


def scrape(client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def value(text: str, name: str, **labels: str) -> float:
    found = metric(text, name, **labels)
    return 0.0 if found is None else found


def test_a_pushed_sale_is_counted_and_the_store_contact_is_fresh(client, store_token):
    before = scrape(client)
    assert metric(before, "comptoir_database_up") == 1
    assert metric(before, "comptoir_store_info", store_id="1", code="S01") == 1
    maker = EventMaker(1)
    sale = maker.sale([("SNK-001", 2, 399)])
    reply = client.post("/sync/v1/push", json=push_body(1, [sale], status={"pending_events": 4}),
                        headers=store_token)
    assert reply.status_code == 200, reply.json
    after = scrape(client)
    labels = {"service": "head_office", "store_id": "1"}
    assert value(after, "comptoir_sales_total", **labels) == value(before, "comptoir_sales_total", **labels) + 1
    assert value(after, "comptoir_sales_net_cents_total", **labels) == (
        value(before, "comptoir_sales_net_cents_total", **labels) + 798
    )
    assert metric(after, "comptoir_store_last_contact_age_seconds", store_id="1") < 60
    assert metric(after, "comptoir_store_reported_pending_events", store_id="1") == 3
    assert value(after, "comptoir_http_request_duration_seconds_count", service="head_office",
                 endpoint="sync.push_events", status="200") >= 1
    # The same batch again: nothing applied, nothing counted.
    client.post("/sync/v1/push", json=push_body(1, [sale]), headers=store_token)
    again = scrape(client)
    assert value(again, "comptoir_sales_total", **labels) == value(after, "comptoir_sales_total", **labels)


def test_a_parked_event_moves_the_rejection_counter_and_gauge(client, store_token):
    before = scrape(client)
    assert metric(before, "comptoir_sync_rejections_parked", store_id="1") == 0
    maker = EventMaker(1)
    events = [maker.sale([("SNK-001", 1, 399)]), maker.sale([("NO-SUCH-SKU", 1, 100)])]
    reply = client.post("/sync/v1/push", json=push_body(1, events), headers=store_token).json
    assert reply["rejected"] == 1
    after = scrape(client)
    assert value(after, "comptoir_sync_rejections_total", store_id="1") == (
        value(before, "comptoir_sync_rejections_total", store_id="1") + 1
    )
    assert metric(after, "comptoir_sync_rejections_parked", store_id="1") == 1


def test_replenishments_per_status_and_the_database_pool(client, store_token):
    maker = EventMaker(1)
    client.post("/sync/v1/push", json=push_body(1, [maker.restock_request("HOU-001", 12)]), headers=store_token)
    text = scrape(client)
    assert metric(text, "comptoir_replenishments", status="requested") == 1
    assert metric(text, "comptoir_replenishments", status="shipped") == 0
    assert metric(text, "comptoir_db_connections", state="active") >= 1  # the scrape's own query
    assert metric(text, "comptoir_db_pool_in_use") is not None
    assert metric(text, "comptoir_db_pool_waiting") == 0


def test_a_store_that_never_called_is_as_old_as_its_token(client, demo_chain):
    text = scrape(client)
    # Store 2 has no token and never pushed: its age counts from when it was added.
    assert metric(text, "comptoir_store_last_contact_age_seconds", store_id="2") >= 0
