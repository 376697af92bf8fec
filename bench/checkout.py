"""Benchmark: online checkout through the saga, beside a bare single-transaction baseline.

    python bench/checkout.py [--database-url postgresql://...] [--checkouts 300] [--customers 1,16]
                             [--workers 2]

(a)  bare: a minimal Flask route on waitress (its own process, psycopg, no auth, no
     validation, no saga) that runs the same work in ONE transaction: reserve central
     stock with the conditional UPDATE (with its stock ledger row and the change log entry
     stores pull, after the change log's lock), write the order and its line, record a
     capture in the payment ledger, empty the cart line;
(b)  saga: ``POST /api/v1/shop/checkout`` of ``comptoir head-office serve --workers N``
     (customer token, Idempotency-Key, card 4242...): the checkout saga with its
     persisted steps, the advisory lock, the payment provider's own transactions.

Both run against one PostgreSQL database made for the run (dropped at the end unless
``--database-url`` names one), 1 and 16 concurrent customers. Clients are threads of
this process, each a customer with its own keep-alive session; before each checkout
the client puts one line back in its cart with one SQL statement of its own (the same for
both runs). Prints checkouts/s, p50 and
p95 and the ratio saga/bare, and (c) the same customers' ``PUT cart/lines`` through the same
service (one authenticated write: what the web stack costs without the saga). Not a test: it
asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PRODUCTS = 20
CARD = {"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}

BARE_SQL = [
    # reserve (the conditional update: never below what is available)
    """UPDATE central_stock SET reserved = reserved + %(qty)s, version = version + 1, updated_at = now()
       WHERE product_id = %(pid)s AND on_hand - reserved >= %(qty)s RETURNING version""",
    # the reservation's stock ledger row, and the change log stores pull (after its writers' lock)
    """INSERT INTO stock_movements (occurred_at, location, bucket, product_id, kind, qty, ref_type, actor, note)
       VALUES (now(), 'central', 'reserved', %(pid)s, 'allocation', %(qty)s, 'order', 'shop', 'bench')""",
    """INSERT INTO change_log (entity, entity_key, version, payload)
       SELECT 'central_stock', 'SKU', %(version)s, '{}' FROM (SELECT pg_advisory_xact_lock(%(lock)s)) AS l""",
    """INSERT INTO orders (customer_id, idempotency_key, status, subtotal_cents, taxes, tax_cents, total_cents,
         confirmed_at, answer) VALUES (%(cid)s, %(key)s, 'confirmed', 1000, '{"gst": 50, "qst": 100}', 150,
         1150, now(), '{}') RETURNING id""",
    """INSERT INTO order_lines (order_id, line_no, product_id, sku, name, tax_class, qty, unit_price_cents,
         net_cents) VALUES (%(oid)s, 1, %(pid)s, 'SKU', 'name', 'standard', %(qty)s, 1000, 1000)""",
    """INSERT INTO payment_ledger (idempotency_key, kind, outcome, amount_cents, order_id, card_last4)
       VALUES (%(key)s, 'capture', 'succeeded', 1150, %(oid)s, '4242')""",
    "DELETE FROM cart_lines WHERE customer_id = %(cid)s AND product_id = %(pid)s",
]


def bare_app(url: str) -> Any:
    import psycopg
    from flask import Flask, jsonify, request

    from head_office.changes import CHANGE_LOG_LOCK

    local = threading.local()  # one connection per waitress thread

    def connection() -> psycopg.Connection:
        if getattr(local, "conn", None) is None:
            local.conn = psycopg.connect(url)
        return local.conn

    app = Flask("bare")

    @app.post("/checkout")
    def checkout() -> Any:
        body = request.get_json()
        params = {"cid": body["customer_id"], "pid": body["product_id"], "qty": 1, "key": uuid.uuid4().hex,
                  "lock": CHANGE_LOG_LOCK}
        conn = connection()
        with conn.transaction():
            reserved = conn.execute(BARE_SQL[0], params).fetchone()
            if reserved is None:
                return jsonify({"code": "insufficient_stock"}), 409
            params["version"] = reserved[0]
            conn.execute(BARE_SQL[1], params)
            conn.execute(BARE_SQL[2], params)
            params["oid"] = conn.execute(BARE_SQL[3], params).fetchone()[0]
            for sql in BARE_SQL[4:]:
                conn.execute(sql, params)
        return jsonify({"order_id": params["oid"], "status": "confirmed"}), 201

    @app.get("/healthz")
    def health() -> Any:
        return jsonify({"status": "ok"})

    return app


def serve_bare(url: str, port: int) -> None:
    from waitress import serve

    serve(bare_app(url), host="127.0.0.1", port=port, threads=16, connection_limit=2000,
          asyncore_use_poll=True, _quiet=True)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server for {base} exited with {process.returncode}")
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{base} did not start")


def summary(latencies: list[float], elapsed: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "per_s": len(ordered) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(len(ordered) * 0.95) - 1] * 1000,
    }


def run(clients: list[Any], total: int) -> dict[str, float]:
    """Each client does ``prepare()`` (untimed) then ``checkout()`` (timed) until ``total`` are done."""
    latencies: list[float] = []
    lock = threading.Lock()
    remaining = [total]
    errors: list[str] = []

    def work(client: Any) -> None:
        while True:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            client.prepare()
            started = time.perf_counter()
            status = client.checkout()
            took = time.perf_counter() - started
            with lock:
                if status == 201:
                    latencies.append(took)
                else:
                    errors.append(str(status))

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        print(f"    {len(errors)} checkouts failed: {sorted(set(errors))}")
    return summary(latencies, elapsed)


PUT_BACK = """INSERT INTO cart_lines (customer_id, product_id, qty) VALUES (%s, %s, 1)
               ON CONFLICT (customer_id, product_id) DO UPDATE SET qty = 1"""


class CartFiller:
    """Puts the customer's line back in the cart before each checkout, straight in the database
    (one statement, the same for both runs; not timed): the checkout empties it."""

    def __init__(self, url: str, customer_id: int, product_id: int) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        self.params = (customer_id, product_id)

    def prepare(self) -> None:
        self.conn.execute(PUT_BACK, self.params)


class BareClient(CartFiller):
    def __init__(self, url: str, base: str, customer_id: int, product_id: int) -> None:
        super().__init__(url, customer_id, product_id)
        self.base, self.body = base, {"customer_id": customer_id, "product_id": product_id}
        self.http = requests.Session()

    def checkout(self) -> int:
        return self.http.post(self.base + "/checkout", json=self.body, timeout=60).status_code


class SagaClient(CartFiller):
    def __init__(self, url: str, base: str, email: str, product: tuple[int, int, str]) -> None:
        self.base, self.sku = base, product[2]
        self.http = requests.Session()
        customer = self.http.post(base + "/api/v1/shop/customers",
                                  json={"email": email, "password": "bench-password", "name": "Bench"},
                                  timeout=30).json()
        token = self.http.post(base + "/api/v1/session", json={"username": email, "password": "bench-password"},
                               timeout=30).json()["token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        super().__init__(url, customer["id"], product[0])

    def checkout(self) -> int:
        response = self.http.post(self.base + "/api/v1/shop/checkout", json={"card": CARD},
                                  headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=60)
        return response.status_code


class CartClient:
    """The same customer's ``PUT cart/lines/<sku>``: one authenticated write through the same
    service stack (token, schema, session, JSON), to show what the stack alone costs."""

    def __init__(self, saga_client: SagaClient) -> None:
        self.inner = saga_client

    def prepare(self) -> None:
        pass

    def checkout(self) -> int:
        response = self.inner.http.put(f"{self.inner.base}/api/v1/shop/cart/lines/{self.inner.sku}",
                                       json={"qty": 1}, timeout=60)
        return 201 if response.status_code == 200 else response.status_code


def make_database(url: str | None) -> tuple[str, str | None]:
    if url:
        return url, None
    name = f"comptoir_bench_{os.getpid()}"
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    return f"postgresql://postgres@127.0.0.1:5432/{name}", name


def seed(url: str, customers: int) -> tuple[list[tuple[int, int, str]], list[int]]:
    """Products with plenty of stock, and customers for the bare run (rows in users)."""
    from sqlalchemy import select, text

    from common.security import hash_password
    from head_office.db import make_engine, make_session_factory, upgrade
    from head_office.models import CentralStock, Product, User

    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        session.execute(text("TRUNCATE products, users, orders, sagas, payment_ledger, cart_lines, "
                             "central_stock, change_log RESTART IDENTITY CASCADE"))
        products = []
        for n in range(PRODUCTS):
            product = Product(sku=f"BEN-{n:03d}", name=f"Bench {n}", category="Bench", price_cents=1000,
                              tax_class="standard", reorder_point=0, max_stock=0)
            session.add(product)
            session.flush()
            session.add(CentralStock(product_id=product.id, on_hand=10_000_000, reserved=0, in_transit=0))
            products.append((product.id, product.sku))
        hashed = hash_password("x")
        users = [User(username=f"bare{n}@example.com", password_hash=hashed, role="customer") for n in range(customers)]
        session.add_all(users)
        session.commit()
        ids = list(session.scalars(select(User.id).where(User.role == "customer").order_by(User.id)))
    engine.dispose()
    return [(pid, pid, sku) for pid, sku in products], ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--checkouts", type=int, default=300)
    parser.add_argument("--customers", default="1,16")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    levels = [int(x) for x in args.customers.split(",")]
    url, made = make_database(args.database_url)
    # Warnings only in the service's log: the bare baseline writes no access log either.
    env = {**os.environ, "COMPTOIR_DATABASE_URL": url, "COMPTOIR_SECRET_KEY": "bench-secret",
           "COMPTOIR_LOGIN_MAX_FAILURES": "1000000", "COMPTOIR_LOG_LEVEL": "WARNING"}
    bare_port, saga_port = free_port(), free_port()
    servers: list[subprocess.Popen] = []
    try:
        products, bare_customers = seed(url, max(levels))
        servers.append(subprocess.Popen([sys.executable, __file__, "--serve-bare", url, str(bare_port)], env=env))
        servers.append(subprocess.Popen(
            [sys.executable, "-m", "common.cli", "head-office", "serve", "--port", str(saga_port),
             "--workers", str(args.workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        bare, saga = f"http://127.0.0.1:{bare_port}", f"http://127.0.0.1:{saga_port}"
        wait_up(bare, servers[0])
        wait_up(saga, servers[1])
        saga_clients = [SagaClient(url, saga, f"bench{n}@example.com", products[n % PRODUCTS])
                        for n in range(max(levels))]
        bare_clients = [BareClient(url, bare, bare_customers[n], products[n % PRODUCTS][0])
                        for n in range(max(levels))]
        print(f"checkout, {args.checkouts} per run, serve --workers {args.workers}, "
              f"{os.cpu_count()} cores; one line of qty 1 per order")
        print(f"{'customers':>9} {'run':>5} {'checkouts/s':>12} {'p50 ms':>8} {'p95 ms':>8}")
        for count in levels:
            run(bare_clients[:count], min(50, args.checkouts))  # warm-up
            run(saga_clients[:count], min(50, args.checkouts))
            b = run(bare_clients[:count], args.checkouts)
            s = run(saga_clients[:count], args.checkouts)
            a = run([CartClient(c) for c in saga_clients[:count]], args.checkouts)
            for name, r in (("bare", b), ("saga", s), ("cart", a)):
                print(f"{count:>9} {name:>5} {r['per_s']:>12.1f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f}")
            print(f"{count:>9} ratio saga/bare: throughput {b['per_s'] / s['per_s']:.2f}x, "
                  f"p95 {s['p95_ms'] / b['p95_ms']:.2f}x")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
        if made:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c",
                            f"DROP DATABASE IF EXISTS {made} WITH (FORCE)"], check=False)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-bare":
        serve_bare(sys.argv[2], int(sys.argv[3]))
    else:
        main()
