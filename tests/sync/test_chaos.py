"""Chaos: five stores selling through their APIs while the network misbehaves, head office restarts
and a store is killed with SIGKILL. At the end nothing is lost, nothing is doubled, stock is conserved."""

from __future__ import annotations

import random
import threading
import time

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.orm import Session

from store_node.db import open_existing
from store_node.setup import init_store
from tests.support import free_port

from .faultproxy import FaultProxy
from .processes import Service, base_env

pytestmark = pytest.mark.slow

STORES = 5
SALES_PER_STORE = 200


class Till:
    """A cashier at one store, over HTTP, who retries when the store is down."""

    def __init__(self, service: Service, store_id: int, rng: random.Random) -> None:
        self.service = service
        self.store_id = store_id
        self.rng = rng
        self.token: str | None = None
        self.http = requests.Session()
        self.sold: list[dict] = []

    def _call(self, method: str, path: str, body=None):
        for _ in range(200):
            try:
                if self.token is None:
                    reply = self.http.post(
                        self.service.url + "/api/v1/session",
                        timeout=10,
                        json={"username": f"cashier{self.store_id}", "password": "cashier"},
                    )
                    reply.raise_for_status()
                    self.token = reply.json()["token"]
                return self.http.request(
                    method,
                    self.service.url + "/api/v1" + path,
                    json=body,
                    timeout=10,
                    headers={"Authorization": f"Bearer {self.token}"},
                )
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)  # the store is restarting
        raise AssertionError(f"store {self.store_id} never came back")

    def work(self, skus: list[str], count: int) -> None:
        for n in range(count):
            lines = [
                {"sku": sku, "qty": self.rng.randint(1, 2)}
                for sku in self.rng.sample(skus, self.rng.randint(1, 3))
            ]
            reply = self._call(
                "POST",
                "/sales",
                {"lines": lines, "payments": [{"tender": "cash", "amount_cents": 1_000_000}]},
            )
            if reply.status_code == 201:
                self.sold.append(reply.json())
            elif reply.status_code != 409:  # out of stock is fine
                raise AssertionError(reply.text)
            if n % 15 == 7 and self.sold:
                sale = self.rng.choice(self.sold)
                line = sale["lines"][0]
                self._call(
                    "POST", "/returns", {"sale_id": sale["id"], "lines": [{"sku": line["sku"], "qty": 1}]}
                )


def store_rows(folder, sql):
    db = open_existing(folder)
    try:
        return db.conn.execute(sql).fetchall()
    finally:
        db.close()


def test_chaos_nothing_lost_nothing_doubled_stock_conserved(chain_db, tokens, pg_url, tmp_path):
    env = base_env(COMPTOIR_DATABASE_URL=pg_url, COMPTOIR_SECRET_KEY="chaos")
    head_office = Service(["head-office", "serve"], free_port(), env, tmp_path / "head-office.log").start()
    stores: dict[int, Service] = {}
    with FaultProxy(head_office.url) as proxy:
        for n in range(1, STORES + 1):
            folder = tmp_path / f"S{n:02d}"
            init_store(folder, n, proxy.url, tokens[n])
            store_env = base_env(
                COMPTOIR_DATA_DIR=str(folder), COMPTOIR_PUSH_INTERVAL_S="1", COMPTOIR_PULL_INTERVAL_S="4"
            )
            stores[n] = Service(
                ["store", "serve", "--data-dir", str(folder)],
                free_port(),
                store_env,
                tmp_path / f"S{n:02d}.log",
            ).start()
        # Every store seeds itself from head office by sync before the faults start.
        deadline = time.monotonic() + 60
        while any(
            store_rows(tmp_path / f"S{n:02d}", "SELECT count(*) FROM stock")[0][0] < 46 for n in stores
        ):
            assert time.monotonic() < deadline, "stores were not seeded by sync"
            time.sleep(0.5)
        skus = [row[0] for row in store_rows(tmp_path / "S01", "SELECT sku FROM products")]

        proxy.random_faults = 0.2
        tills = [Till(stores[n], n, random.Random(n)) for n in stores]
        workers = [threading.Thread(target=t.work, args=(skus, SALES_PER_STORE)) for t in tills]
        for w in workers:
            w.start()
        time.sleep(4)
        head_office.stop()  # head office restarts while stores sell
        time.sleep(2)
        head_office.start()
        time.sleep(3)
        stores[3].kill()  # SIGKILL a store in the middle of its work
        stores[3].start()
        for w in workers:
            w.join(300)
        assert not any(w.is_alive() for w in workers)

        proxy.random_faults = 0.0
        faults = [action for _method, path, action in proxy.log if path == "/sync/v1/push" and action != "pass"]
        assert len(faults) >= 5, "the proxy injected too few faults for this to mean anything"
        deadline = time.monotonic() + 120
        while True:
            pending = {
                n: store_rows(tmp_path / f"S{n:02d}", "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][
                    0
                ]
                for n in stores
            }
            if not any(pending.values()):
                break
            assert time.monotonic() < deadline, f"queues did not drain: {pending}"
            time.sleep(0.5)
        for service in stores.values():
            service.stop()
        head_office.stop()

    assert sum(len(t.sold) for t in tills) > STORES * SALES_PER_STORE // 2
    with Session(chain_db) as session:
        for n in stores:
            folder = tmp_path / f"S{n:02d}"
            local_sales = dict(store_rows(folder, "SELECT id, total_cents FROM sales"))
            remote_sales = dict(
                session.execute(
                    text("SELECT id::text, total_cents FROM sales WHERE store_id = :s"), {"s": n}
                ).all()
            )
            assert remote_sales == local_sales, f"store {n}: sales differ"
            for sale in tills[n - 1].sold:  # every sale a till confirmed is at head office
                assert sale["id"] in remote_sales
            local_returns = dict(store_rows(folder, "SELECT id, refund_cents FROM returns"))
            remote_returns = dict(
                session.execute(
                    text("SELECT id::text, refund_cents FROM returns WHERE store_id = :s"), {"s": n}
                ).all()
            )
            assert remote_returns == local_returns, f"store {n}: returns differ"
            events = store_rows(folder, "SELECT count(*), max(seq) FROM outbox")[0]
            received = session.execute(
                text("SELECT count(*), max(seq) FROM sync_events WHERE store_id = :s"), {"s": n}
            ).one()
            assert tuple(received) == tuple(events)
            assert session.execute(text("SELECT count(*) FROM sync_rejections")).scalar() == 0
            # Stock conserved: head office's view of each store's shelves equals the store's own.
            local_stock = dict(store_rows(folder, "SELECT sku, on_hand FROM stock"))
            remote_stock = dict(
                session.execute(
                    text(
                        "SELECT p.sku, s.on_hand FROM store_stock s JOIN products p ON p.id = s.product_id "
                        "WHERE s.store_id = :s"
                    ),
                    {"s": n},
                ).all()
            )
            assert remote_stock == local_stock, f"store {n}: stock differs"
        # The ledger replays to the balances: opening + movements = on hand, for every store and product.
        drift = session.execute(
            text(
                "SELECT count(*) FROM store_stock s JOIN (SELECT store_id, product_id, sum(qty) AS total "
                "FROM stock_movements WHERE location = 'store' GROUP BY 1, 2) m "
                "ON m.store_id = s.store_id AND m.product_id = s.product_id WHERE m.total <> s.on_hand"
            )
        ).scalar()
        assert drift == 0
        # Conservation: opening = shelves + sold - returned (no supplier receipts or write-offs here).
        opening, shelves, sold, returned = session.execute(
            text(
                "SELECT (SELECT sum(qty) FROM stock_movements WHERE kind = 'opening' AND location = 'store'),"
                " (SELECT sum(on_hand) FROM store_stock),"
                " (SELECT sum(qty) FROM sale_lines), (SELECT coalesce(sum(qty), 0) FROM return_lines)"
            )
        ).one()
        assert opening == shelves + sold - returned
