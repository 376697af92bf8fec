"""Every head-office test starts from an empty database, even after one that left data behind.

The tests below run in file order, in pairs: the first of each pair commits and does not clean
up, the second finds nothing of it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from head_office.models import Store, User


def counts(session) -> tuple[int, int]:
    return (session.scalar(select(func.count()).select_from(Store)),
            session.scalar(select(func.count()).select_from(User)))


def test_a_test_commits_and_leaves_its_rows(db_session, make_store, make_user, token_for, client):
    make_store("S09", "Left behind")
    make_user("leftover", "leftover-pw", "admin")
    db_session.commit()
    # The app under test sees what the test committed.
    stores = client.get("/api/v1/stores", headers=token_for("leftover", "leftover-pw")).json
    assert [store["code"] for store in stores["items"]] == ["S09"]


def test_the_next_test_finds_none_of_them(db_session, client):
    assert counts(db_session) == (0, 0)
    assert client.post("/api/v1/session",
                       json={"username": "leftover", "password": "leftover-pw"}).status_code == 401


@pytest.mark.commits  # real commits: this pair checks the truncation path as well
def test_a_test_with_real_commits_leaves_its_rows(db_session, make_store):
    make_store("S08", "Committed for real")
    assert counts(db_session) == (1, 0)


def test_a_rolled_back_test_after_it_finds_none_of_them(db_session):
    assert counts(db_session) == (0, 0)
