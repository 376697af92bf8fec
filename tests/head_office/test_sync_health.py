"""The console's sync-health page: each store's last 24 hours from head office's own records."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from head_office.models import StoreSyncMinute
from head_office.stores.operations import issue_token
from head_office.storesync.health import last_24_hours, record_contact
from tests.head_office.console_support import fast_demo_hashes  # noqa: F401

from .sync_events import EventMaker, push_body

pytestmark = pytest.mark.usefixtures("fast_demo_hashes")


@pytest.fixture
def store_token(demo_chain, db_session):
    token = issue_token(db_session, 1)
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


def sign_in(client, username="manager", password="manager"):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def test_pushes_and_pulls_are_recorded_per_minute_with_the_reported_queue(client, store_token, db_session):
    maker = EventMaker(1)
    reply = client.post("/sync/v1/push", headers=store_token,
                        json=push_body(1, [maker.sale([("SNK-001", 1, 399)])],
                                       status={"pending_events": 8, "oldest_pending_age_s": 95}))
    assert reply.status_code == 200, reply.json
    pulled = client.get("/sync/v1/changes", headers=store_token, query_string={"protocol": 1, "store_id": 1})
    assert pulled.status_code == 200
    db_session.expire_all()
    rows = db_session.scalars(select(StoreSyncMinute).where(StoreSyncMinute.store_id == 1)).all()
    # One row, or two when the pull fell in the next minute.
    assert sum(r.pushes for r in rows) == 1 and sum(r.pulls for r in rows) == 1
    pushed = next(r for r in rows if r.pushes)
    assert (pushed.pending_events, pushed.oldest_pending_age_s) == (7, 95)
    assert all(r.minute.second == 0 and r.minute.microsecond == 0 for r in rows)


def test_the_page_shows_contact_queue_and_silent_hours_per_store(client, store_token, db_session):
    now = datetime.now(UTC)
    # Store 1 called every hour but the last three, with a queue two hours before it went quiet.
    for hours_ago in range(3, 24):
        pending = 40 if hours_ago == 5 else 0
        record_contact(db_session, 1, "push", pending, 600 if pending else None, now - timedelta(hours=hours_ago))
        record_contact(db_session, 1, "pull", now=now - timedelta(hours=hours_ago))
    # Older than the 8 days kept: pruned when a new minute is written.
    record_contact(db_session, 2, "pull", now=now - timedelta(days=9))
    record_contact(db_session, 2, "pull", now=now)
    db_session.commit()
    assert db_session.scalar(select(func.count()).where(StoreSyncMinute.store_id == 2)) == 1

    hours, stores = last_24_hours(db_session, now)
    assert len(hours) == 24 and [s.code for s in stores] == ["S01", "S02", "S03", "S04", "S05"]
    first = stores[0]
    assert [cell.state for cell in first.hours[-3:]] == ["silent", "silent", "silent"]
    assert first.hours[-6].state == "queue" and first.hours[-6].max_pending == 40
    assert first.silent_hours == 3 and first.max_pending == 40 and first.minutes_with_contact == 21
    assert stores[2].silent_hours == 24  # store 3 never called

    sign_in(client)
    page = client.get("/sync-health")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'href="/sync-health" aria-current="page"' in text  # in the console's navigation
    row = re.search(r'<tr data-store="1">(.*?)</tr>', text[text.index('id="sync-hours"'):], re.S).group(1)
    assert row.count('data-state="silent"') == 3 and row.count('data-state="queue"') == 1
    assert ">40</td>" in row
    summary = re.search(r'<tr data-store="1">(.*?)</tr>', text, re.S).group(1)
    assert "21 / 1440" in summary


def test_the_page_is_for_managers(client, demo_chain):
    sign_in(client, "cashier1", "cashier")
    assert client.get("/sync-health").status_code == 403
