"""Two head-office processes over one database serve the same store in turn (a load balancer)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from head_office.models import Sale
from sync.client import SyncError
from tests.support import free_port

from .faultproxy import FaultProxy
from .processes import Service, base_env

pytestmark = pytest.mark.slow


@pytest.fixture
def two_head_offices(chain_db, pg_url, tmp_path):
    env = base_env(COMPTOIR_DATABASE_URL=pg_url, COMPTOIR_SECRET_KEY="two")
    first = Service(["head-office", "serve"], free_port(), env, tmp_path / "ho-a.log").start()
    second = Service(["head-office", "serve"], free_port(), env, tmp_path / "ho-b.log").start()
    yield first, second
    first.stop()
    second.stop()


def sales_at_head_office(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Sale))


def test_a_store_served_alternately_by_two_head_offices_syncs_exactly_once(
    two_head_offices, make_store, chain_db
):
    first, second = two_head_offices
    with FaultProxy(first.url) as proxy:
        node = make_store(1, proxy.url)
        node.runner.pull(wait=True)  # snapshot from A
        node.stock_up()
        for _ in range(5):
            node.sell([("SNK-001", 1)])
        proxy.plan.append("cut_reply")  # A applies and commits; its reply is lost
        with pytest.raises(SyncError):
            node.runner.push(wait=True)
        proxy.set_upstream(second.url)  # the balancer now sends the store to B
        outcome = node.runner.push(wait=True)
        assert (outcome.acked_through, outcome.applied, outcome.duplicates) == (5, 0, 5)
        for _ in range(5):
            node.sell([("SNK-002", 1)])
        node.runner.push(wait=True)  # B applies 6..10
        proxy.set_upstream(first.url)
        for _ in range(5):
            node.sell([("SNK-001", 1)])
        assert node.runner.push(wait=True).acked_through == 15  # A continues where B stopped
        pulled = node.runner.pull(wait=True)  # a cursor from A is good at B and back
        assert pulled.snapshot is False
        proxy.set_upstream(second.url)
        assert node.runner.pull(wait=True).snapshot is False
    assert node.pending() == 0
    assert sales_at_head_office(chain_db) == 15


def test_both_head_offices_receiving_the_same_batch_at_once_apply_it_once(
    two_head_offices, make_store, chain_db
):
    import threading

    import requests

    first, second = two_head_offices
    node = make_store(1, first.url)
    node.runner.pull(wait=True)
    node.stock_up()
    for _ in range(30):
        node.sell([("SNK-001", 1)])
    body = {"protocol": 1, "store_id": 1, "events": json.loads(node.data.event_batch(None, 500)[2])}
    headers = node.runner.client._headers()
    replies: list[dict] = []
    barrier = threading.Barrier(2)

    def push(url: str) -> None:
        barrier.wait()
        replies.append(requests.post(url + "/sync/v1/push", json=body, headers=headers, timeout=30).json())

    threads = [threading.Thread(target=push, args=(url,)) for url in (first.url, second.url)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r["acked_through"] for r in replies] == [30, 30]
    assert sorted(r["applied"] for r in replies) == [0, 30]
    assert sales_at_head_office(chain_db) == 30
