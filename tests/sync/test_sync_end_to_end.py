"""Store <-> head office over real HTTP, through a fault proxy: exactly once, whatever happens."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from head_office.models import Product, Sale, SyncRejection
from sync.client import SyncError


def ho_count(engine, model, **where):
    with Session(engine) as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return session.scalar(query)


def test_a_new_store_is_seeded_by_its_first_pull(make_store, proxy):
    node = make_store(1, proxy.url)
    outcome = node.runner.pull(wait=True)
    assert outcome.snapshot is True
    assert node.scalar("SELECT count(*) FROM products") == 46
    assert node.scalar("SELECT count(*) FROM stock WHERE on_hand > 0") == 46
    assert node.scalar("SELECT count(*) FROM central_stock") == 46
    users = {row[0] for row in node.db.conn.execute("SELECT username FROM users")}
    assert {"cashier1", "storemgr1", "manager"} <= users and "cashier2" not in users
    assert node.data.pull_cursor() and node.data.pull_cursor().isdigit()
    # A second pull changes nothing and takes no snapshot.
    again = node.runner.pull(wait=True)
    assert again.snapshot is False and again.applied == 0


def test_a_sale_reaches_head_office_exactly_once_despite_a_lost_reply(make_store, proxy, chain_db):
    node = make_store(1, proxy.url)
    node.runner.pull(wait=True)
    sale = node.sell([("SNK-001", 2), ("GRO-001", 1)])
    assert node.pending() == 1
    proxy.plan.extend(["cut_reply"])  # head office commits, the reply is lost
    with pytest.raises(SyncError):
        node.runner.push(wait=True)
    assert node.pending() == 1  # not acknowledged: still queued
    assert ho_count(chain_db, Sale) == 1  # but head office has it
    outcome = node.runner.push(wait=True)
    assert outcome.acked_through == 1 and outcome.applied == 0 and outcome.duplicates == 1
    assert node.pending() == 0
    with Session(chain_db) as session:
        stored = session.get(Sale, sale["id"])
        assert stored.receipt_number == sale["receipt_number"]
        assert stored.total_cents == sale["total_cents"]


@pytest.mark.parametrize("fault", ["drop", "503", "cut_request"])
def test_faults_before_head_office_applies_lose_nothing(make_store, proxy, chain_db, fault):
    node = make_store(1, proxy.url)
    node.runner.pull(wait=True)
    for _ in range(3):
        node.sell([("SNK-002", 1)])
    proxy.plan.extend([fault])
    with pytest.raises(SyncError):
        node.runner.push(wait=True)
    assert node.pending() == 3
    status = node.data.status_report()
    assert status["pending_events"] == 3
    assert node.scalar("SELECT online FROM sync_state") == 0
    assert node.scalar("SELECT last_error FROM sync_state")
    node.runner.push(wait=True)
    assert node.pending() == 0
    assert ho_count(chain_db, Sale) == 3


def test_a_cut_halfway_then_a_store_restart_leaves_the_count_right(make_store, proxy, chain_db, tmp_path):
    node = make_store(1, proxy.url)
    node.runner.pull(wait=True)
    node.stock_up()
    for _ in range(40):
        node.sell([("SNK-004", 1)])
    node.runner.client.batch_size = 15
    proxy.plan.extend(["pass", "cut_request"])  # first batch lands, the second is cut halfway
    with pytest.raises(SyncError):
        node.runner.push(wait=True)
    assert node.pending() == 25
    node.close()
    restarted = make_store(1, proxy.url, folder=tmp_path / "store1")  # same data folder
    assert restarted.pending() == 25
    restarted.runner.push(wait=True)
    assert restarted.pending() == 0
    assert ho_count(chain_db, Sale) == 40


def test_ten_lost_replies_give_one_sale_and_one_stock_movement(make_store, proxy, chain_db):
    node = make_store(1, proxy.url)
    node.runner.pull(wait=True)
    sale = node.sell([("PER-001", 1)])
    proxy.plan.extend(["cut_reply"] * 10)
    for _ in range(10):
        with pytest.raises(SyncError):
            node.runner.push(wait=True)
    node.runner.push(wait=True)
    with Session(chain_db) as session:
        assert session.scalar(select(func.count()).select_from(Sale)) == 1
        moves = session.execute(
            text("SELECT count(*) FROM stock_movements WHERE kind = 'sale' AND ref_id = :id"),
            {"id": sale["id"]},
        ).scalar()
        assert moves == 1


def test_two_pushes_of_the_same_batch_at_once_apply_once(make_store, head_office, chain_db):
    node = make_store(1, head_office)
    node.runner.pull(wait=True)
    node.stock_up()
    for _ in range(20):
        node.sell([("SNK-001", 1)])
    events = json.loads(node.data.event_batch(None, 500)[2])
    body = {"protocol": 1, "store_id": 1, "events": events}
    replies = []
    barrier = threading.Barrier(2)

    def push():
        barrier.wait()
        response = node.runner.client.http.post(
            head_office + "/sync/v1/push", json=body, headers=node.runner.client._headers(), timeout=30
        )
        replies.append(response.json())

    threads = [threading.Thread(target=push) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r["acked_through"] for r in replies] == [20, 20]
    assert sorted(r["applied"] for r in replies) == [0, 20]
    assert ho_count(chain_db, Sale) == 20


def test_the_scheduler_and_the_cli_never_overlap(make_store, head_office):
    node = make_store(1, head_office)
    node.runner.lock.acquire()
    try:
        assert node.runner.push(wait=False) is None  # the scheduled run skips its tick
    finally:
        node.runner.lock.release()
    assert node.runner.push(wait=True) is not None


def test_an_unappliable_event_is_parked_and_the_queue_goes_on(make_store, proxy, chain_db):
    from store_node.catalog.queries import upsert_product

    node = make_store(1, proxy.url)
    node.runner.pull(wait=True)
    upsert_product(node.db, {"sku": "LOCAL-1", "name": "Sold here only", "price_cents": 500, "version": 1})
    node.db.conn.execute("UPDATE stock SET on_hand = 5 WHERE sku = 'SNK-001'")
    node.db.conn.execute("INSERT INTO stock (sku, on_hand, updated_at) VALUES ('LOCAL-1', 3, '2026-01-01')")
    node.sell([("SNK-001", 1)])
    node.sell([("LOCAL-1", 1)])
    node.sell([("SNK-001", 1)])
    outcome = node.runner.push(wait=True)
    assert (outcome.applied, outcome.rejected) == (2, 1)
    assert node.pending() == 0
    with Session(chain_db) as session:
        rejection = session.scalars(select(SyncRejection)).one()
        assert rejection.code == "unknown_sku" and "LOCAL-1" in rejection.reason


def test_an_older_pulled_version_never_overwrites_a_newer_local_one(make_store, head_office, chain_db):
    node = make_store(1, head_office)
    node.runner.pull(wait=True)
    node.db.conn.execute("UPDATE products SET price_cents = 1234, version = 9 WHERE sku = 'SNK-001'")
    with Session(chain_db) as session:
        from head_office.changes import log_change

        product = session.scalar(select(Product).where(Product.sku == "SNK-001"))
        log_change(session, "product", "SNK-001", 3, {**product.to_wire(), "price_cents": 999, "version": 3})
        session.commit()
    node.runner.pull(wait=True)
    assert node.scalar("SELECT price_cents FROM products WHERE sku = 'SNK-001'") == 1234


def test_a_price_change_at_head_office_reaches_the_till(make_store, head_office, chain_db):
    node = make_store(1, head_office)
    node.runner.pull(wait=True)
    with Session(chain_db) as session:
        from head_office.changes import log_change

        product = session.scalar(select(Product).where(Product.sku == "SNK-001"))
        product.price_cents = 425
        product.version += 1
        session.flush()
        log_change(session, "product", product.sku, product.version, product.to_wire())
        session.commit()
    node.runner.pull(wait=True)
    sale = node.sell([("SNK-001", 1)])
    assert sale["lines"][0]["unit_price_cents"] == 425


def test_head_office_that_lost_events_gets_them_again(make_store, head_office, chain_db):
    node = make_store(1, head_office)
    node.runner.pull(wait=True)
    for _ in range(3):
        node.sell([("SNK-001", 1)])
    node.data.acknowledge(2)  # e.g. head office restored from a backup taken before these
    node.sell([("SNK-001", 1)])
    outcome = node.runner.push(wait=True)
    assert outcome.acked_through == 4
    assert ho_count(chain_db, Sale) == 4


def test_a_wrong_token_is_refused_and_nothing_is_lost(make_store, head_office, tokens):
    node = make_store(1, head_office, token=tokens[2])
    with pytest.raises(SyncError) as info:
        node.runner.pull(wait=True)
    assert info.value.status == 403
    bad = make_store(3, head_office, token="cpt_not-a-token")
    with pytest.raises(SyncError) as info:
        bad.runner.push(wait=True)
    assert info.value.status == 401


def test_the_store_reports_its_totals_for_reconciliation(make_store, head_office, chain_db):
    node = make_store(1, head_office)
    node.runner.pull(wait=True)
    node.stock_up()
    for _ in range(3):
        node.sell([("SNK-001", 1)])
    node.runner.client.batch_size = 2  # two batches: the last one reports the queue empty
    node.runner.push(wait=True)
    with Session(chain_db) as session:
        row = session.execute(
            text("SELECT reported_totals, pending_events_reported FROM store_sync_state WHERE store_id = 1")
        ).one()
    assert row[1] == 0
    from datetime import timedelta

    from common.clock import business_date, utcnow

    yesterday = business_date(utcnow() - timedelta(days=1), "America/Montreal")
    totals = row[0]
    assert totals["business_date"] == yesterday.isoformat()  # the store's last closed day
    assert (totals["store_id"], totals["sales_count"], totals["revenue_cents"]) == (1, 0, 0)
