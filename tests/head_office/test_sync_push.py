"""Head office's side of push: exactly once, gaps refused, rejections parked, tokens checked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from head_office.models import (
    ReceivedEvent,
    Replenishment,
    Return,
    Sale,
    StoreStock,
    StoreSyncState,
    SyncRejection,
)
from head_office.stores.operations import issue_token

from .sync_events import EventMaker, push_body


@pytest.fixture
def store_token(demo_chain, db_session):
    token = issue_token(db_session, 1)
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


def count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def on_hand(session, store_id, sku):
    session.expire_all()
    from head_office.models import Product

    return session.scalar(
        select(StoreStock.on_hand)
        .join(Product, Product.id == StoreStock.product_id)
        .where(StoreStock.store_id == store_id, Product.sku == sku)
    )


def test_a_pushed_sale_becomes_a_head_office_sale_once(client, store_token, db_session):
    maker = EventMaker(1)
    before = on_hand(db_session, 1, "SNK-001")
    sale = maker.sale([("SNK-001", 2, 399), ("SNK-002", 1, 349)])
    body = push_body(1, [sale])
    first = client.post("/sync/v1/push", json=body, headers=store_token)
    assert first.status_code == 200, first.json
    assert first.json == {"acked_through": 1, "applied": 1, "rejected": 0, "duplicates": 0}
    for _ in range(10):  # ten retries of the same event: one sale, one stock movement
        again = client.post("/sync/v1/push", json=body, headers=store_token)
        assert again.json["acked_through"] == 1 and again.json["applied"] == 0
    assert count(db_session, Sale) == 1
    stored = db_session.get(Sale, sale["payload"]["id"])
    assert stored.receipt_number == "S01-000001"
    assert stored.total_cents == sale["payload"]["total_cents"]
    assert [line.unit_price_cents for line in stored.lines] == [399, 349]
    assert on_hand(db_session, 1, "SNK-001") == before - 2


def test_a_gap_is_refused_with_the_expected_seq_and_nothing_applied(client, store_token, db_session):
    maker = EventMaker(1)
    events = [maker.sale([("SNK-001", 1, 399)]) for _ in range(3)]
    response = client.post("/sync/v1/push", json=push_body(1, events[1:]), headers=store_token)
    assert response.status_code == 409
    assert response.json["code"] == "seq_gap"
    assert response.json["errors"]["expected_seq"] == 1
    assert count(db_session, Sale) == 0
    ok = client.post("/sync/v1/push", json=push_body(1, events), headers=store_token)
    assert ok.json["acked_through"] == 3 and count(db_session, Sale) == 3


def test_a_batch_overlapping_what_was_applied_applies_only_the_new_part(client, store_token, db_session):
    maker = EventMaker(1)
    events = [maker.sale([("SNK-001", 1, 399)]) for _ in range(5)]
    client.post("/sync/v1/push", json=push_body(1, events[:3]), headers=store_token)
    reply = client.post("/sync/v1/push", json=push_body(1, events), headers=store_token).json
    assert reply == {"acked_through": 5, "applied": 2, "rejected": 0, "duplicates": 3}
    assert count(db_session, Sale) == 5


def test_one_unappliable_event_among_fifty_is_parked_and_does_not_block(client, store_token, db_session):
    maker = EventMaker(1)
    events = [maker.sale([("SNK-001", 1, 399)]) for _ in range(24)]
    events.append(maker.sale([("NO-SUCH-SKU", 1, 100)]))
    events += [maker.sale([("SNK-002", 1, 349)]) for _ in range(25)]
    reply = client.post("/sync/v1/push", json=push_body(1, events), headers=store_token).json
    assert reply == {"acked_through": 50, "applied": 49, "rejected": 1, "duplicates": 0}
    assert count(db_session, Sale) == 49
    rejection = db_session.scalars(select(SyncRejection)).one()
    assert rejection.seq == 25 and rejection.code == "unknown_sku"
    assert "NO-SUCH-SKU" in rejection.reason
    assert db_session.get(ReceivedEvent, rejection.event_id).status == "rejected"


def test_returns_restock_requests_counts_and_adjustments_are_applied(client, store_token, db_session):
    maker = EventMaker(1)
    start = on_hand(db_session, 1, "HOU-001")
    sale = maker.sale([("HOU-001", 3, 399)])
    events = [
        sale,
        maker.return_of(sale, 1, 1),
        maker.restock_request("HOU-001", 12),
        maker.stock_adjustment("HOU-001", -1, "broken"),
        maker.stock_count("PER-001", 7),
    ]
    reply = client.post("/sync/v1/push", json=push_body(1, events), headers=store_token).json
    assert reply["applied"] == 5, reply
    assert on_hand(db_session, 1, "HOU-001") == start - 3 + 1 - 1
    assert on_hand(db_session, 1, "PER-001") == 7
    ret = db_session.scalars(select(Return)).one()
    assert ret.subtotal_cents == 399 and ret.sale_id is not None
    rep = db_session.scalars(select(Replenishment)).one()
    assert (rep.status, rep.qty_requested, str(rep.request_id)) == (
        "requested",
        12,
        events[2]["payload"]["id"],
    )


def test_over_return_and_return_of_unknown_sale_are_parked(client, store_token, db_session):
    maker = EventMaker(1)
    sale = maker.sale([("HOU-001", 1, 399)])
    ghost = EventMaker(1).sale([("HOU-001", 1, 399)])
    events = [sale, maker.return_of(sale, 1, 1), maker.return_of(sale, 1, 1), maker.return_of(ghost, 1, 1)]
    reply = client.post("/sync/v1/push", json=push_body(1, events), headers=store_token).json
    assert reply == {"acked_through": 4, "applied": 2, "rejected": 2, "duplicates": 0}
    codes = sorted(db_session.scalars(select(SyncRejection.code)))
    assert codes == ["over_return", "unknown_sale"]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda body: body.update(protocol=2),
        lambda body: body["events"][0].update(seq="one"),
        lambda body: body["events"][0].update(type="gift"),
        lambda body: body["events"][0].update(extra="field"),
        lambda body: body["events"][0].update(payload=[]),
        lambda body: body["events"][0].update(occurred_at="2026-02-30T10:00:00Z"),
        lambda body: body["events"].append(dict(body["events"][0], seq=3)),
    ],
)
def test_a_malformed_push_is_refused_whole(client, store_token, db_session, mutate):
    maker = EventMaker(1)
    body = push_body(1, [maker.sale([("SNK-001", 1, 399)]), maker.sale([("SNK-002", 1, 349)])])
    mutate(body)
    response = client.post("/sync/v1/push", json=body, headers=store_token)
    assert response.status_code in (400, 422), response.json
    assert response.json["message"]
    assert count(db_session, Sale) == 0
    assert count(db_session, ReceivedEvent) == 0


def test_tokens_a_store_pushes_only_as_itself(client, store_token, db_session):
    maker = EventMaker(2)
    body = push_body(2, [maker.sale([("SNK-001", 1, 399)])])
    wrong = client.post("/sync/v1/push", json=body, headers=store_token)
    assert wrong.status_code == 403 and wrong.json["code"] == "wrong_store"
    none = client.post("/sync/v1/push", json=body)
    assert none.status_code == 401
    bad = client.post("/sync/v1/push", json=body, headers={"Authorization": "Bearer cpt_forged"})
    assert bad.status_code == 401 and bad.json["code"] == "invalid_sync_token"
    # A staff token is not a store token
    staff = client.post("/api/v1/session", json={"username": "manager", "password": "manager"}).json["token"]
    assert (
        client.post("/sync/v1/push", json=body, headers={"Authorization": f"Bearer {staff}"}).status_code
        == 401
    )
    assert count(db_session, Sale) == 0


def test_a_replaced_token_stops_working(client, store_token, db_session):
    issue_token(db_session, 1)
    db_session.commit()
    response = client.post("/sync/v1/push", json=push_body(1, []), headers=store_token)
    assert response.status_code == 401


def test_push_records_what_the_store_reports_of_itself(client, store_token, db_session):
    status = {
        "pending_events": 12,
        "oldest_pending_age_s": 30,
        "totals": {"business_date": "2026-11-23", "revenue_cents": 100},
    }
    client.post("/sync/v1/push", json=push_body(1, [], status=status), headers=store_token)
    db_session.expire_all()
    state = db_session.get(StoreSyncState, 1)
    assert state.pending_events_reported == 12 and state.reported_totals["revenue_cents"] == 100
    assert state.last_contact_at is not None


def test_business_date_is_kept_as_the_store_recorded_it(client, store_token, db_session):
    maker = EventMaker(1)
    late = datetime(2026, 1, 16, 4, 30, tzinfo=UTC)  # 23:30 in Montreal on the 15th
    event = maker.sale([("SNK-001", 1, 399)], at=late)
    client.post("/sync/v1/push", json=push_body(1, [event]), headers=store_token)
    assert db_session.get(Sale, event["payload"]["id"]).business_date.isoformat() == "2026-01-15"
