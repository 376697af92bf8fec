"""Contract fixtures: both OpenAPI documents, and live services to run schemathesis against.

Head office runs on the session's real PostgreSQL with the demo chain; store 3 runs on a
real SQLite file seeded with the demo data and a sync token head office issued for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from head_office.app import create_app as create_head_office
from head_office.seed import seed_demo as seed_head_office
from head_office.shop.customers import sign_up
from head_office.stores.operations import issue_token
from store_node.app import close_app
from store_node.app import create_app as create_store
from store_node.db import open_existing
from store_node.setup import init_store
from store_node.setup import seed_demo as seed_store
from tests.head_office.conftest import ho_database, truncate_all  # noqa: F401 - fixtures
from tests.support import live_server

STORE_ID = 3
CUSTOMER = ("contract.customer@example.com", "contract-customer-pw")


@pytest.fixture(scope="module")
def chain(ho_database) -> dict[str, Any]:  # noqa: F811
    """The demo chain at head office, a sync token for store 3 and an online-shop customer."""
    truncate_all(ho_database)
    with Session(ho_database) as session:
        seed_head_office(session)
        token = issue_token(session, STORE_ID)
        sign_up(session, CUSTOMER[0], CUSTOMER[1], "Contract Customer")
        session.commit()
    return {"store_token": token}


@pytest.fixture(scope="module")
def head_office_app(chain, pg_url) -> Iterator[Any]:
    app = create_head_office(
        {"DATABASE_URL": pg_url, "SECRET_KEY": "contract-head-office",
         "PUBLIC_API_DOCS": True}
    )
    yield app
    for extension in app.extensions.values():
        if isinstance(extension, Engine):
            extension.dispose()


@pytest.fixture(scope="module")
def head_office_url(head_office_app) -> Iterator[str]:
    with live_server(head_office_app, threads=4) as url:
        yield url


@pytest.fixture(scope="module")
def store_folder(tmp_path_factory: pytest.TempPathFactory, chain) -> Path:
    folder = tmp_path_factory.mktemp("contract-store")
    init_store(folder, STORE_ID, "http://127.0.0.1:9", chain["store_token"])
    db = open_existing(folder)
    try:
        seed_store(db)
        # Plenty on the shelves, so generated sales of demo products go through.
        db.conn.execute("UPDATE stock SET on_hand = 1000000")
    finally:
        db.close()
    return folder


@pytest.fixture(scope="module")
def store_app(store_folder: Path) -> Iterator[Any]:
    app = create_store({"DATA_DIR": str(store_folder), "SECRET_KEY": "contract-store",
                        "PUBLIC_API_DOCS": True})
    yield app
    close_app(app)


@pytest.fixture(scope="module")
def store_url(store_app) -> Iterator[str]:
    with live_server(store_app, threads=4) as url:
        yield url


def bearer(base_url: str, username: str, password: str) -> dict[str, str]:
    response = requests.post(
        base_url + "/api/v1/session", json={"username": username, "password": password}, timeout=10
    )
    assert response.status_code in (200, 201), response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
