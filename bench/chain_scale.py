"""How head office grows with the chain: many simulated stores speaking the real sync protocol
through nginx to two head-office instances.

    python bench/chain_scale.py [--sizes 50,100,200,500] [--duration 180] [--short]

Each simulated store has three tills that each make a sale every 20 s on average (Poisson),
queues them like a store's outbox (contiguous sequence numbers, the events a store node
sends), pushes its queue every 5 s (a store's default) with its own store token, and pulls
changes every 30 s (its first pull is the full snapshot). Stores start staggered over one
push interval. The set-up is the production one: `comptoir head-office serve --workers 1` twice
behind nginx (packaging/nginx/comptoir.conf), one PostgreSQL (COMPTOIR_BENCH_DATABASE_URL,
default postgresql://postgres@127.0.0.1:5432/comptoir_chainscale: created, migrated, seeded
with the demo chain and stores up to the largest size).

For each size it reports events/s offered and acknowledged, push median and p95, the age of
the oldest unacknowledged event (worst during the run and at the end), the CPU time per 1,000
events of head office (both instances), of PostgreSQL (the backends of this database) and of
nginx, and of this simulator, and whether the chain kept up: no store's oldest queued event ever
older than two push intervals plus the push p95 (a store that falls behind sees its queue age
grow without bound). --short: 30 s per size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from head_office.db import make_engine, normalise_url, upgrade  # noqa: E402
from head_office.models import Product, Store  # noqa: E402
from head_office.seed import seed_demo  # noqa: E402
from head_office.stores.operations import add_store, issue_token  # noqa: E402
from tests.head_office.sync_events import EventMaker, push_body  # noqa: E402
from tests.nginx import Nginx  # noqa: E402
from tests.support import free_port  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/comptoir_chainscale"
COMPTOIR = [sys.executable, "-m", "common.cli"]
TILLS = 3
SALE_EVERY_S = 20.0  # per till
PUSH_EVERY_S = 5.0
PULL_EVERY_S = 30.0
BATCH = 1000


def prepare(url: str, stores: int) -> tuple[dict[int, str], list[tuple[str, int]]]:
    """The database with `stores` stores, each with a fresh token; the catalog (sku, price)."""
    url = normalise_url(url)
    database = url.rsplit("/", 1)[1]
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}).scalar():
            conn.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))  # a fresh chain each run
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    upgrade(url)
    engine = make_engine(url, pool_size=1)
    tokens: dict[int, str] = {}
    with Session(engine) as session:
        seed_demo(session)
        session.commit()
        have = session.scalar(select(func.max(Store.id))) or 0
        for n in range(have + 1, stores + 1):
            add_store(session, f"S{n:03d}", f"Store {n}", "America/Montreal", store_id=n)
        session.commit()
        for n in range(1, stores + 1):
            tokens[n] = issue_token(session, n)
        session.commit()
        catalog = [(p.sku, p.price_cents) for p in session.scalars(select(Product).where(Product.active.is_(True)))]
    engine.dispose()
    return tokens, catalog


class SimulatedStore:
    def __init__(self, store_id: int, token: str, catalog: list[tuple[str, int]], rng: random.Random) -> None:
        self.id = store_id
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.catalog = catalog
        self.rng = rng
        self.maker = EventMaker(store_id, code=f"S{store_id:03d}" if store_id > 5 else None)
        self.lock = threading.Lock()
        self.outbox: list[tuple[float, dict[str, Any]]] = []  # (made at, event)
        self.cursor: str | None = None
        self.busy = False

    def sell(self, now: float) -> None:
        lines = [(sku, self.rng.randint(1, 3), price) for sku, price in self.rng.sample(self.catalog, self.rng.randint(1, 4))]
        event = self.maker.sale(lines)
        with self.lock:
            self.outbox.append((now, event))

    def oldest_age(self, now: float) -> float:
        with self.lock:
            return now - self.outbox[0][0] if self.outbox else 0.0


class Run:
    def __init__(self, base: str, stores: list[SimulatedStore], duration: float) -> None:
        self.base = base
        self.stores = stores
        self.duration = duration
        self.local = threading.local()
        self.push_ms: list[float] = []
        self.pull_ms: list[float] = []
        self.acked = 0
        self.offered = 0
        self.errors: dict[str, int] = {}
        self.worst_age = 0.0
        self.lock = threading.Lock()

    def http(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1

    def push(self, store: SimulatedStore) -> None:
        try:
            with store.lock:
                batch = [event for _, event in store.outbox[:BATCH]]
            if not batch:
                return
            body = json.dumps(push_body(store.id, batch))
            started = time.perf_counter()
            try:
                reply = self.http().post(self.base + "/sync/v1/push", data=body, headers=store.headers, timeout=60)
            except requests.RequestException as exc:
                self.error(type(exc).__name__)
                return
            elapsed = (time.perf_counter() - started) * 1000
            if reply.status_code != 200:
                self.error(f"push {reply.status_code}")
                return
            acked = reply.json()["acked_through"]
            with store.lock:
                before = len(store.outbox)
                store.outbox = [(t, e) for t, e in store.outbox if e["seq"] > acked]
                done = before - len(store.outbox)
            with self.lock:
                self.push_ms.append(elapsed)
                self.acked += done
        finally:
            store.busy = False

    def pull(self, store: SimulatedStore) -> None:
        started = time.perf_counter()
        try:
            while True:
                params = {"protocol": 1, "store_id": store.id, "limit": 500}
                if store.cursor:
                    params["cursor"] = store.cursor
                reply = self.http().get(self.base + "/sync/v1/changes", params=params, headers=store.headers,
                                        timeout=60)
                if reply.status_code != 200:
                    self.error(f"pull {reply.status_code}")
                    return
                page = reply.json()
                store.cursor = page["cursor"]
                if not page.get("has_more"):
                    break
        except requests.RequestException as exc:
            self.error(type(exc).__name__)
            return
        with self.lock:
            self.pull_ms.append((time.perf_counter() - started) * 1000)

    def go(self) -> None:
        n = len(self.stores)
        rng = random.Random(n)
        started = time.monotonic()
        next_sale = [started + rng.expovariate(TILLS / SALE_EVERY_S) for _ in self.stores]
        next_push = [started + PUSH_EVERY_S * i / n for i in range(n)]
        next_pull = [started + PULL_EVERY_S * i / n for i in range(n)]
        with ThreadPoolExecutor(max_workers=min(64, 8 + n // 4)) as pool:
            last_sample = started
            while True:
                now = time.monotonic()
                if now - started >= self.duration:
                    break
                for i, store in enumerate(self.stores):
                    while next_sale[i] <= now:
                        store.sell(next_sale[i])
                        self.offered += 1
                        next_sale[i] += rng.expovariate(TILLS / SALE_EVERY_S)
                    if next_push[i] <= now:
                        next_push[i] += PUSH_EVERY_S
                        if not store.busy:  # a store sends one push at a time
                            store.busy = True
                            pool.submit(self.push, store)
                    if next_pull[i] <= now:
                        next_pull[i] += PULL_EVERY_S
                        pool.submit(self.pull, store)
                if now - last_sample >= 1.0:
                    last_sample = now
                    self.worst_age = max(self.worst_age, max(s.oldest_age(now) for s in self.stores))
                time.sleep(0.02)
        self.final_age = max(s.oldest_age(time.monotonic()) for s in self.stores)


def cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError):
            pass
    return total


def children(pid: int) -> list[int]:
    found = [pid]
    for child in Path(f"/proc/{pid}/task").glob("*/children"):
        for c in child.read_text().split():
            found.extend(children(int(c)))
    return found


def backend_pids(url: str) -> list[int]:
    engine = create_engine(normalise_url(url), pool_size=1)
    database = url.rsplit("/", 1)[1]
    with engine.connect() as conn:
        pids = [r[0] for r in conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": database})]
    engine.dispose()
    return pids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="50,100,200,500")
    parser.add_argument("--duration", type=float, default=180.0, help="seconds per size")
    parser.add_argument("--short", action="store_true", help="30 s per size")
    args = parser.parse_args()
    duration = 30.0 if args.short else args.duration
    sizes = [int(s) for s in args.sizes.split(",")]
    url = os.environ.get("COMPTOIR_BENCH_DATABASE_URL", DEFAULT_URL)
    print(f"Preparing {max(sizes)} stores ...", flush=True)
    tokens, catalog = prepare(url, max(sizes))

    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPTOIR_")}
    env.update({"COMPTOIR_DATABASE_URL": url, "COMPTOIR_SECRET_KEY": "chain-scale", "PYTHONUNBUFFERED": "1"})
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"comptoir-chain-scale-{os.getpid()}"
    workdir.mkdir(parents=True, exist_ok=True)
    instances, ports = [], [free_port(), free_port()]
    for n, port in enumerate(ports):
        log = open(workdir / f"head-office-{n}.log", "w")  # noqa: SIM115 - owned by the child
        instances.append(subprocess.Popen([*COMPTOIR, "head-office", "serve", "--port", str(port), "--workers", "1"],
                                          env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        log.close()
    for port in ports:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "head office did not start"
            time.sleep(0.3)
    balancer = Nginx(workdir / "nginx", free_port(), ports)
    base = balancer.start()
    results = []
    try:
        for size in sizes:
            rng = random.Random(size)
            stores = [SimulatedStore(n, tokens[n], catalog, random.Random(rng.random())) for n in range(1, size + 1)]
            for store in stores:  # each store takes its snapshot first (not measured)
                store.cursor = None
            run = Run(base, stores, duration)
            for store in stores:
                run.pull(store)
            run.pull_ms.clear()
            ho_pids = [p for i in instances for p in children(i.pid)]
            nginx_pids = children(balancer.process.pid) if balancer.process else []
            pg_pids = backend_pids(url)
            before = (cpu_seconds(ho_pids), cpu_seconds(pg_pids), cpu_seconds(nginx_pids), time.process_time())
            print(f"== {size} stores for {duration:.0f} s", flush=True)
            wall = time.monotonic()
            run.go()
            wall = time.monotonic() - wall
            pg_pids = sorted(set(pg_pids) | set(backend_pids(url)))
            after = (cpu_seconds(ho_pids), cpu_seconds(pg_pids), cpu_seconds(nginx_pids), time.process_time())
            events = max(run.acked, 1)
            push = sorted(run.push_ms) or [0.0]
            row = {
                "stores": size,
                "offered_per_s": run.offered / wall,
                "acked_per_s": run.acked / wall,
                "push_median_ms": statistics.median(push),
                "push_p95_ms": push[int(len(push) * 0.95) - 1] if len(push) > 1 else push[0],
                "pushes": len(run.push_ms),
                "pulls": len(run.pull_ms),
                "worst_age_s": run.worst_age,
                "final_age_s": run.final_age,
                "ho_cpu_per_1000": (after[0] - before[0]) * 1000 / events,
                "pg_cpu_per_1000": (after[1] - before[1]) * 1000 / events,
                "nginx_cpu_per_1000": (after[2] - before[2]) * 1000 / events,
                "sim_cpu_per_1000": (after[3] - before[3]) * 1000 / events,
                "ho_cores": (after[0] - before[0]) / wall,
                "pg_cores": (after[1] - before[1]) / wall,
                "errors": dict(run.errors),
            }
            bound = 2 * PUSH_EVERY_S + row["push_p95_ms"] / 1000
            row["kept_up"] = row["worst_age_s"] <= bound
            results.append(row)
            print(json.dumps(row), flush=True)
            # Let the queues of this size drain before the next.
            time.sleep(2)
    finally:
        balancer.stop()
        for process in instances:
            process.terminate()
        for process in instances:
            process.wait(20)

    print()
    print("stores  events/s offered  acked  push p50  push p95  oldest unacked (worst/end)  "
          "CPU s per 1,000 events: head office / PostgreSQL / nginx / simulator  head office cores  kept up")
    for r in results:
        print(f"{r['stores']:>6}  {r['offered_per_s']:>16.1f}  {r['acked_per_s']:>5.1f}  {r['push_median_ms']:>6.0f}ms"
              f"  {r['push_p95_ms']:>6.0f}ms  {r['worst_age_s']:>12.1f}s / {r['final_age_s']:.1f}s"
              f"  {r['ho_cpu_per_1000']:>12.2f} / {r['pg_cpu_per_1000']:.2f} / {r['nginx_cpu_per_1000']:.2f}"
              f" / {r['sim_cpu_per_1000']:.2f}  {r['ho_cores']:>10.2f}  {'yes' if r['kept_up'] else 'NO'}"
              + (f"  errors {r['errors']}" if r["errors"] else ""))


if __name__ == "__main__":
    main()
