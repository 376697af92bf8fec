"""nginx (packaging/nginx/comptoir.conf) in front of two head-office instances: five stores sell
and sync through it while one instance is killed with SIGKILL and started again. Every sale
reaches head office exactly once and no till request is lost."""

from __future__ import annotations

import os
import random
import re
import signal
import threading
import time

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.orm import Session

from store_node.db import open_existing
from store_node.setup import init_store
from tests.nginx import Nginx, nginx_binary
from tests.support import free_port

from .processes import Service, base_env

pytestmark = pytest.mark.slow

STORES = 5
SALES_PER_STORE = 60


@pytest.fixture(scope="module", autouse=True)
def needs_nginx():
    if nginx_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed (.ci/run installs Debian's nginx)")
        pytest.skip("nginx is not installed (apt-get install nginx)")


def store_rows(folder, sql):
    db = open_existing(folder)
    try:
        return db.conn.execute(sql).fetchall()
    finally:
        db.close()


def sync_served(service: Service) -> float:
    """Sync requests (push and pull) one instance answered (its own /metrics, asked directly)."""
    body = requests.get(service.url + "/metrics", timeout=5).text
    return sum(float(v) for v in re.findall(
        r'comptoir_http_requests_total\{endpoint="sync\.[a-z_]+",[^}]*\} ([0-9.e+]+)', body))


class Till:
    """A cashier selling at one store over HTTP. A till talks to its store only: not one of its
    requests may fail, whatever happens to head office."""

    def __init__(self, service: Service, store_id: int, skus: list[str]) -> None:
        self.service = service
        self.store_id = store_id
        self.skus = skus
        self.rng = random.Random(store_id)
        self.http = requests.Session()
        self.sold: list[dict] = []
        self.failures: list[str] = []

    def work(self, count: int) -> None:
        signed = self.http.post(self.service.url + "/api/v1/session", timeout=10,
                                json={"username": f"cashier{self.store_id}", "password": "cashier"})
        headers = {"Authorization": f"Bearer {signed.json()['token']}"}
        for _ in range(count):
            lines = [{"sku": sku, "qty": 1} for sku in self.rng.sample(self.skus, self.rng.randint(1, 3))]
            body = {"lines": lines, "payments": [{"tender": "cash", "amount_cents": 1_000_000}]}
            try:
                reply = self.http.post(self.service.url + "/api/v1/sales", json=body, headers=headers, timeout=10)
            except requests.RequestException as exc:
                self.failures.append(repr(exc))
                continue
            if reply.status_code == 201:
                self.sold.append(reply.json())
            else:
                self.failures.append(f"{reply.status_code} {reply.text[:200]}")
            time.sleep(self.rng.uniform(0.02, 0.1))


def test_five_stores_sync_through_nginx_while_an_instance_is_killed(chain_db, tokens, pg_url, tmp_path):
    env = base_env(COMPTOIR_DATABASE_URL=pg_url, COMPTOIR_SECRET_KEY="nginx")
    serve = ["head-office", "serve", "--workers", "1", "--threads", "4"]
    first = Service(serve, free_port(), env, tmp_path / "ho-a.log").start()
    second = Service(serve, free_port(), env, tmp_path / "ho-b.log").start()
    balancer = Nginx(tmp_path / "nginx", free_port(), [first.port, second.port])
    stores: dict[int, Service] = {}
    try:
        url = balancer.start()

        # What nginx adds: a request id (the caller's, else its own) and the body size limits.
        reply = requests.get(url + "/healthz", timeout=5)
        assert reply.status_code == 200 and reply.json() == {"status": "ok"}
        assert re.fullmatch(r"[0-9a-f]{32}", reply.headers["X-Request-Id"])
        assert requests.get(url + "/healthz", headers={"X-Request-Id": "till-42"},
                            timeout=5).headers["X-Request-Id"] == "till-42"
        three_mb = b"x" * (3 * 1024 * 1024)
        assert requests.post(url + "/api/v1/products", data=three_mb, timeout=10).status_code == 413
        assert requests.post(url + "/sync/v1/push", data=three_mb, timeout=10).status_code != 413

        for n in range(1, STORES + 1):
            folder = tmp_path / f"S{n:02d}"
            init_store(folder, n, url, tokens[n])
            store_env = base_env(COMPTOIR_DATA_DIR=str(folder), COMPTOIR_PUSH_INTERVAL_S="1",
                                 COMPTOIR_PULL_INTERVAL_S="3")
            stores[n] = Service(["store", "serve", "--data-dir", str(folder)], free_port(), store_env,
                                tmp_path / f"S{n:02d}.log").start()
        deadline = time.monotonic() + 60
        while any(store_rows(tmp_path / f"S{n:02d}", "SELECT count(*) FROM stock")[0][0] < 46 for n in stores):
            assert time.monotonic() < deadline, "stores were not seeded by sync through nginx"
            time.sleep(0.5)
        skus = [row[0] for row in store_rows(tmp_path / "S01", "SELECT sku FROM products")]
        for n in stores:
            db = open_existing(tmp_path / f"S{n:02d}")
            db.conn.execute("UPDATE stock SET on_hand = 100000")
            db.close()

        tills = [Till(stores[n], n, skus) for n in stores]
        workers = [threading.Thread(target=t.work, args=(SALES_PER_STORE,)) for t in tills]
        for w in workers:
            w.start()
        time.sleep(2)
        first.kill()  # SIGKILL: no goodbye, connections reset mid-request
        time.sleep(4)
        first.start()
        for w in workers:
            w.join(240)
        assert not any(w.is_alive() for w in workers)

        deadline = time.monotonic() + 120
        while True:
            pending = {n: store_rows(tmp_path / f"S{n:02d}",
                                     "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0] for n in stores}
            if not any(pending.values()):
                break
            assert time.monotonic() < deadline, f"queues did not drain through nginx: {pending}"
            time.sleep(0.5)
        # Both instances served the stores: nginx spreads the load, and the restarted one is back
        # in rotation (its counters started again at zero).
        assert sync_served(second) > 0
        deadline = time.monotonic() + 30
        while sync_served(first) == 0:
            assert time.monotonic() < deadline, "the restarted instance got no sync request"
            time.sleep(0.5)
    finally:
        for service in stores.values():
            service.stop()
        balancer.stop()
        first.stop(signal.SIGTERM)
        second.stop(signal.SIGTERM)

    for till in tills:
        assert till.failures == [], f"store {till.store_id}: till requests failed: {till.failures[:3]}"
        assert len(till.sold) == SALES_PER_STORE
    with Session(chain_db) as session:
        for till in tills:
            n = till.store_id
            local = dict(store_rows(tmp_path / f"S{n:02d}", "SELECT id, total_cents FROM sales"))
            remote = session.execute(text("SELECT id::text, total_cents FROM sales WHERE store_id = :s"),
                                     {"s": n}).all()
            assert len(remote) == len(set(r[0] for r in remote))  # none twice
            assert dict(remote) == local, f"store {n}: sales differ"
            assert {s["id"] for s in till.sold} <= set(local)
            events = store_rows(tmp_path / f"S{n:02d}", "SELECT count(*), max(seq) FROM outbox")[0]
            received = session.execute(
                text("SELECT count(*), max(seq) FROM sync_events WHERE store_id = :s"), {"s": n}).one()
            assert tuple(received) == tuple(events)
        assert session.execute(text("SELECT count(*) FROM sync_rejections")).scalar() == 0
