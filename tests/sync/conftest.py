"""Sync fixtures: head office served over real HTTP, store nodes on real SQLite files, a fault proxy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from head_office.app import create_app as create_head_office
from head_office.seed import seed_demo
from head_office.stores.operations import issue_token
from store_node.app import close_app
from store_node.app import create_app as create_store_app
from store_node.db import open_existing
from store_node.setup import init_store
from store_node.sync.runner import build_runner
from tests.head_office.conftest import ho_database, truncate_all  # noqa: F401 - fixtures
from tests.support import live_server

from .faultproxy import FaultProxy


@pytest.fixture
def chain_db(ho_database):  # noqa: F811
    """A clean head-office database holding the demo chain."""
    truncate_all(ho_database)
    with Session(ho_database) as session:
        seed_demo(session)
        session.commit()
    return ho_database


@pytest.fixture
def tokens(chain_db) -> dict[int, str]:
    with Session(chain_db) as session:
        issued = {store_id: issue_token(session, store_id) for store_id in range(1, 6)}
        session.commit()
    return issued


@pytest.fixture
def head_office(chain_db, pg_url) -> Iterator[str]:
    app = create_head_office({"DATABASE_URL": pg_url, "SECRET_KEY": "sync-tests"})
    with live_server(app) as url:
        yield url
    app.extensions["comptoir_engine"].dispose()


@pytest.fixture
def proxy(head_office) -> Iterator[Any]:
    with FaultProxy(head_office) as server:
        yield server


class StoreNode:
    """One store's data folder, its sync runner and its till API (in process)."""

    def __init__(self, folder: Path, store_id: int, url: str, token: str) -> None:
        self.folder = folder
        self.store_id = store_id
        init_store(folder, store_id, url, token)
        self.db = open_existing(folder)
        self.runner = build_runner(self.db, folder)
        self.data = self.runner.client.data
        self._app: Any = None
        self._headers: dict[str, str] | None = None

    @property
    def app(self) -> Any:
        if self._app is None:
            self._app = create_store_app(
                {"DATA_DIR": str(self.folder), "TESTING": True,
                 "REQUIRE_SHIFT": False}
            )
        return self._app

    def api(self, method: str, path: str, json: Any = None) -> Any:
        client = self.app.test_client()
        if self._headers is None:
            signed = client.post(
                "/api/v1/session", json={"username": f"cashier{self.store_id}", "password": "cashier"}
            )
            assert signed.status_code in (200, 201), signed.json
            self._headers = {"Authorization": f"Bearer {signed.json['token']}"}
        return client.open("/api/v1" + path, method=method, json=json, headers=self._headers)

    def sell(self, lines: list[tuple[str, int]], tender: str = "cash") -> dict[str, Any]:
        body = {
            "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
            "payments": [{"tender": "cash", "amount_cents": 10_000_000}],
        }
        response = self.api("POST", "/sales", body)
        assert response.status_code == 201, response.json
        return response.json

    def stock_up(self, qty: int = 1000) -> None:
        """Plenty of everything on the shelves (tests that sell a lot)."""
        self.db.conn.execute("UPDATE stock SET on_hand = ?", (qty,))

    def pending(self) -> int:
        return self.data.status_report()["pending_events"]

    def scalar(self, sql: str, params: tuple = ()) -> Any:
        return self.db.conn.execute(sql, params).fetchone()[0]

    def close(self) -> None:
        if self._app is not None:
            close_app(self._app)
        self.runner.client.close()
        self.db.close()


@pytest.fixture
def make_store(tmp_path, tokens) -> Iterator[Any]:
    nodes: list[StoreNode] = []

    def build(store_id: int, url: str, token: str | None = None, folder: Path | None = None) -> StoreNode:
        node = StoreNode(folder or tmp_path / f"store{store_id}", store_id, url, token or tokens[store_id])
        nodes.append(node)
        return node

    yield build
    for node in nodes:
        node.close()
