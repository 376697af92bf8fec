"""Numbers PostgreSQL's jsonb cannot hold as a Python float (1e400 reads as infinity) never give
a 500 on a push: in the envelope the push is refused whole, in an event it is parked."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from head_office.models import ReceivedEvent, Sale, SyncRejection
from head_office.stores.operations import issue_token

from .sync_events import EventMaker


@pytest.fixture
def store_token(demo_chain, db_session):
    token = issue_token(db_session, 1)
    db_session.commit()
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def raw_push(client, headers, events_json: str, status_json: str = "null"):
    body = f'{{"protocol": 1, "store_id": 1, "status": {status_json}, "events": {events_json}}}'
    return client.post("/sync/v1/push", data=body, headers=headers)


def test_a_huge_number_in_the_pushed_status_is_refused_whole(client, store_token, db_session):
    response = raw_push(client, store_token, "[]", '{"pending_events": 1, "totals": {"sales_cents": 1e400}}')
    assert response.status_code in (400, 422), response.json
    assert response.json["code"] in ("malformed_json", "validation_error")


@pytest.mark.parametrize("where", ["extra", "unit_price_cents"])
def test_a_huge_number_in_an_event_parks_it_and_the_next_sale_applies(client, store_token, db_session, where):
    import json

    maker = EventMaker(1)
    odd, fine = maker.sale([("SNK-001", 1, 399)]), maker.sale([("SNK-001", 1, 399)])
    text = json.dumps([odd, fine])
    marker = '"unit_price_cents": 399'
    if where == "extra":
        text = text.replace('"payload": {', '"payload": {"note_number": 1e400, ', 1)
    else:
        text = text.replace(marker, '"unit_price_cents": 1e400', 1)
    response = raw_push(client, store_token, text)
    assert response.status_code == 200, response.json
    assert response.json["acked_through"] == 2
    db_session.expire_all()
    assert db_session.get(Sale, fine["payload"]["id"]) is not None
    if where == "unit_price_cents":
        assert db_session.scalar(select(func.count()).select_from(SyncRejection)) == 1
    assert db_session.scalar(select(func.count()).select_from(ReceivedEvent)) == 2
