"""Text head office cannot take (NUL, control characters, lone surrogates) never stops a store's
queue: at the store it never enters the outbox; an event that carries it anyway (an older store
version wrote it) is parked at head office and the events after it apply."""

from __future__ import annotations

import json

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from head_office.models import Sale, SyncRejection
from store_node.sync import outbox

UNPRINTABLE = ["cash\x00ier", "bell\x07", "half \ud800 pair"]


def test_an_event_with_unprintable_text_queued_at_a_store_is_parked_and_the_following_sales_apply(
    make_store, head_office, chain_db
):
    node = make_store(1, head_office)
    node.runner.pull(wait=True)
    node.stock_up()
    sales = [node.sell([("SNK-001", 1)]) for _ in range(5)]
    rows = node.db.conn.execute("SELECT seq, payload FROM outbox WHERE type = 'sale' ORDER BY seq").fetchall()
    # Sales 2 to 4 carry text the till refuses today, written straight into the queue.
    tampered = {}
    for (seq, payload), text in zip(rows[1:4], UNPRINTABLE, strict=True):
        event = json.loads(payload)
        event["cashier"] = text
        node.db.conn.execute("UPDATE outbox SET payload = ? WHERE seq = ?", (json.dumps(event), seq))
        tampered[seq] = event["id"]

    outcome = node.runner.push(wait=True)
    assert (outcome.applied, outcome.rejected) == (2, 3)
    assert node.pending() == 0
    after = node.sell([("SNK-001", 1)])
    assert node.runner.push(wait=True).applied == 1
    with Session(chain_db) as session:
        parked = {r.seq: r for r in session.scalars(select(SyncRejection))}
        assert set(parked) == set(tampered)
        for rejection in parked.values():
            assert rejection.code == "invalid_text" and "payload.cashier" in rejection.reason
            assert "\x00" not in rejection.payload["cashier"]
        assert parked[min(tampered)].payload["cashier"] == "cash\ufffdier"
        applied = {str(s.id) for s in session.scalars(select(Sale))}
    assert applied == {sales[0]["id"], sales[4]["id"], after["id"]}


@pytest.mark.parametrize("text", UNPRINTABLE)
def test_a_push_whose_envelope_carries_unprintable_text_is_refused_whole(make_store, head_office, tokens,
                                                                        chain_db, text):
    node = make_store(1, head_office)
    node.runner.pull(wait=True)
    node.stock_up()
    node.sell([("SNK-001", 1)])
    body = {"protocol": 1, "store_id": 1, "events": outbox.unsent(node.db),
            "status": {"pending_events": 1, "totals": {"note": text}}}
    response = requests.post(head_office + "/sync/v1/push", data=json.dumps(body),
                             headers={"Authorization": f"Bearer {tokens[1]}",
                                      "Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 422, response.text
    assert response.json()["errors"]
    with Session(chain_db) as session:
        assert session.scalars(select(Sale)).first() is None
    assert node.pending() == 1


@pytest.mark.parametrize("text", UNPRINTABLE)
def test_the_outbox_refuses_an_event_with_unprintable_text(make_store, head_office, text):
    from common.errors import ValidationFailed

    node = make_store(1, head_office)
    before = node.scalar("SELECT count(*) FROM outbox")
    node.db.conn.execute("BEGIN IMMEDIATE")
    with pytest.raises(ValidationFailed) as refused:
        outbox.append(node.db.conn, "stock_adjustment", {"sku": "SNK-001", "delta": -1, "reason": text},
                      "2026-03-03T12:00:00.000Z")
    node.db.conn.execute("ROLLBACK")
    assert "reason" in refused.value.errors
    assert node.scalar("SELECT count(*) FROM outbox") == before
