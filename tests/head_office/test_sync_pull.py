"""Head office's side of pull: snapshot, cursor, per-store changes, late commits never skipped."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy.orm import Session

from head_office.changes import log_change
from head_office.stores.operations import issue_token

# Real commits: a pull reads its snapshot on a REPEATABLE READ connection of its own.
pytestmark = pytest.mark.commits


@pytest.fixture
def store_token(demo_chain, db_session):
    token = issue_token(db_session, 1)
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


def pull(client, headers, cursor=None, limit=500):
    query = {"protocol": 1, "limit": limit}
    if cursor is not None:
        query["cursor"] = cursor
    response = client.get("/sync/v1/changes", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def full_snapshot(client, headers, limit=500):
    changes, cursor, pages = [], None, 0
    while True:
        page = pull(client, headers, cursor, limit)
        assert page["snapshot"] is True
        changes += page["changes"]
        cursor = page["cursor"]
        pages += 1
        if not page["has_more"]:
            return changes, cursor, pages


def test_a_store_without_cursor_gets_a_full_snapshot_in_pages(client, store_token):
    changes, cursor, pages = full_snapshot(client, store_token, limit=40)
    assert pages > 1
    entities = {c["entity"] for c in changes}
    assert {"product", "user", "central_stock", "opening_stock"} <= entities
    users = {c["key"] for c in changes if c["entity"] == "user"}
    assert {"manager", "cashier1", "storemgr1"} <= users
    assert "cashier2" not in users  # other stores' staff stay at their own store
    assert all("password_hash" in c["payload"] for c in changes if c["entity"] == "user")
    assert len([c for c in changes if c["entity"] == "product"]) == 46
    assert cursor.isdigit()
    # Nothing happened since: the next pull is empty and keeps the cursor.
    assert pull(client, store_token, cursor) == {
        "changes": [],
        "cursor": cursor,
        "has_more": False,
        "snapshot": False,
    }


def test_changes_after_the_cursor_only_for_this_store(client, store_token, db_session):
    _, cursor, _ = full_snapshot(client, store_token)
    log_change(db_session, "product", "SNK-001", 2, {"sku": "SNK-001", "price_cents": 449, "version": 2})
    log_change(db_session, "replenishment", "r2", 2, {"id": 9, "status": "approved"}, store_id=2)
    log_change(db_session, "replenishment", "r1", 2, {"id": 8, "status": "approved"}, store_id=1)
    db_session.commit()
    page = pull(client, store_token, cursor)
    assert [(c["entity"], c["key"]) for c in page["changes"]] == [
        ("product", "SNK-001"),
        ("replenishment", "r1"),
    ]
    assert int(page["cursor"]) > int(cursor)
    assert pull(client, store_token, page["cursor"])["changes"] == []


def test_an_unknown_cursor_gets_409(client, store_token):
    for cursor in ("999999999", "garbage", "-5", "１２", "²", " 1", str(2**63), "snap:1:-1", "snap:1",
                   "snap:１:0", "9" * 99):
        response = client.get(
            "/sync/v1/changes", query_string={"protocol": 1, "cursor": cursor}, headers=store_token
        )
        assert response.status_code == 409, cursor
        assert response.json["code"] == "unknown_cursor"


def test_pull_checks_protocol_and_store(client, store_token):
    wrong_protocol = client.get("/sync/v1/changes", query_string={"protocol": 7}, headers=store_token)
    assert wrong_protocol.status_code == 400 and wrong_protocol.json["code"] == "protocol_mismatch"
    other_store = client.get(
        "/sync/v1/changes", query_string={"protocol": 1, "store_id": 2}, headers=store_token
    )
    assert other_store.status_code == 403
    assert client.get("/sync/v1/changes", query_string={"protocol": 1}).status_code == 401


def test_a_change_that_commits_late_is_never_skipped(client, store_token, ho_engine):
    """The earlier writer commits last: a reader must not move its cursor past it."""
    _, cursor, _ = full_snapshot(client, store_token)
    first_in = threading.Event()
    release = threading.Event()

    def slow_writer():
        with Session(ho_engine) as session:
            log_change(session, "product", "SLOW", 2, {"sku": "SLOW"})
            session.flush()  # the row has its id now, not yet committed
            first_in.set()
            release.wait(10)
            session.commit()

    def quick_writer():
        with Session(ho_engine) as session:
            log_change(session, "product", "QUICK", 2, {"sku": "QUICK"})
            session.commit()

    slow = threading.Thread(target=slow_writer)
    slow.start()
    assert first_in.wait(10)
    quick = threading.Thread(target=quick_writer)
    quick.start()
    time.sleep(0.3)  # the quick writer is now waiting behind the slow one
    seen = pull(client, store_token, cursor)
    assert seen["changes"] == []
    assert seen["cursor"] == cursor  # nothing committed yet: the cursor does not move
    release.set()
    slow.join(10)
    quick.join(10)
    keys = [c["key"] for c in pull(client, store_token, seen["cursor"])["changes"]]
    assert keys == ["SLOW", "QUICK"]
