"""Store-node fixtures: a real SQLite file per test, the app, clients and data builders.

Seeding hashes a dozen passwords with scrypt, so the seeded database is made
once per session and copied for each test.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from store_node.app import close_app, create_app
from store_node.catalog.queries import upsert_product
from store_node.db import DB_FILENAME, open_existing
from store_node.setup import init_store, seed_demo
from store_node.stock.ledger import move_stock

STORE_ID = 3


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    init_store(folder, STORE_ID, "http://127.0.0.1:9", "test-token")
    db = open_existing(folder)
    try:
        seed_demo(db)
    finally:
        db.close()
    return folder


@pytest.fixture
def data_dir(seeded_template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "store"
    folder.mkdir()
    shutil.copy(seeded_template / DB_FILENAME, folder / DB_FILENAME)
    return folder


def make_config(data_dir: Path, **extra: Any) -> dict[str, Any]:
    # Sales and returns outside a shift: the shift tests turn REQUIRE_SHIFT back on.
    return {"DATA_DIR": str(data_dir), "TESTING": True,
            "REQUIRE_SHIFT": False, **extra}


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Extra configuration for the ``app`` fixture (override in a test module)."""
    return {}


@pytest.fixture
def app(data_dir: Path, app_config: dict[str, Any]) -> Iterator[Any]:
    app = create_app(make_config(data_dir, **app_config))
    try:
        yield app
    finally:
        close_app(app)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


class Api:
    """A test client signed in as one user, speaking JSON."""

    def __init__(self, client: Any, username: str, password: str) -> None:
        self.client = client
        response = client.post("/api/v1/session", json={"username": username, "password": password})
        assert response.status_code == 200, response.json
        self.token = response.json["token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get("/api/v1" + path, headers=self.headers, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.post("/api/v1" + path, json=json, headers=self.headers, **kwargs)

    def sell(self, lines: list[dict[str, Any]], payments: list[dict[str, Any]] | None = None,
             **extra: Any) -> Any:
        if payments is None:
            payments = [{"tender": "cash", "amount_cents": 10_000_000}]
        return self.post("/sales", {"lines": lines, "payments": payments, **extra})


@pytest.fixture
def cashier(client: Any) -> Api:
    return Api(client, "cashier3", "cashier")


@pytest.fixture
def store_manager(client: Any) -> Api:
    return Api(client, "storemgr3", "storemgr")


class Store:
    """Direct access to the test store's SQLite file: build data, read what was written."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.data_dir / DB_FILENAME)

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        conn = self.connect()
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def scalar(self, sql: str, params: tuple = ()) -> Any:
        return self.rows(sql, params)[0][0]

    def on_hand(self, sku: str) -> int:
        return int(self.scalar("SELECT on_hand FROM stock WHERE sku = ?", (sku,)))

    def counts(self) -> dict[str, int]:
        tables = ("sales", "sale_lines", "sale_payments", "returns", "return_lines",
                  "stock_movements", "outbox", "restock_requests")
        return {t: int(self.scalar(f"SELECT count(*) FROM {t}")) for t in tables}

    def stock_snapshot(self) -> dict[str, int]:
        return dict(self.rows("SELECT sku, on_hand FROM stock"))

    def add_product(self, sku: str, price_cents: int, tax_class: str = "standard",
                    on_hand: int = 100, active: bool = True, **extra: Any) -> None:
        db = open_existing(self.data_dir)
        try:
            upsert_product(db, {"sku": sku, "name": extra.pop("name", f"Test {sku}"),
                                "price_cents": price_cents, "tax_class": tax_class,
                                "active": active, "category": "Test",
                                "reorder_point": extra.pop("reorder_point", 5),
                                "max_stock": extra.pop("max_stock", 50), **extra})
            if on_hand:
                db.conn.execute("BEGIN IMMEDIATE")
                move_stock(db.conn, sku, on_hand, "receipt", None, "test", "2026-01-01T00:00:00.000Z")
                db.conn.execute("COMMIT")
        finally:
            db.close()

    def set_on_hand(self, sku: str, qty: int) -> None:
        conn = self.connect()
        try:
            with conn:
                conn.execute("UPDATE stock SET on_hand = ? WHERE sku = ?", (qty, sku))
        finally:
            conn.close()

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        import json

        sql = "SELECT seq, event_id, type, payload, sent_at FROM outbox"
        params: tuple = ()
        if event_type:
            sql += " WHERE type = ?"
            params = (event_type,)
        return [
            {"seq": r[0], "event_id": r[1], "type": r[2], "payload": json.loads(r[3]), "sent_at": r[4]}
            for r in self.rows(sql + " ORDER BY seq", params)
        ]


@pytest.fixture
def store(data_dir: Path) -> Store:
    return Store(data_dir)
