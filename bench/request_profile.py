"""Where the time of one head-office request goes: the hot reads of the load test, in process.

    python bench/request_profile.py [--runs 300] [--profile products.list] [--top 25]

Runs head office's WSGI app in this process (Flask's test client: no network, no waitress)
against COMPTOIR_BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/comptoir_bench,
created, migrated and seeded with the demo chain when missing). For each endpoint of the load
test, and /healthz, prints the median and p95 of one request in ms; with --profile NAME, runs
that endpoint under cProfile and prints the functions where the time goes (cumulative).
Also prints the CPU time of one request (this process: Flask, SQLAlchemy, psycopg, JSON; not
PostgreSQL's) and its round trips to PostgreSQL (statements, the pool's pings, BEGIN, ROLLBACK):
a busy machine moves the milliseconds, not those counts.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from head_office.app import create_app  # noqa: E402
from head_office.db import make_engine, normalise_url, upgrade  # noqa: E402
from head_office.seed import seed_demo  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/comptoir_bench"

ENDPOINTS = {
    "healthz": "/healthz",
    "products.list": "/api/v1/products",
    "products.get": "/api/v1/products/SNK-001",
    "stores.stock": "/api/v1/stores/1/stock",
    "users.list": "/api/v1/users",
    "central_stock": "/api/v1/central-stock",
}


def prepare(url: str) -> str:
    url = normalise_url(url)
    database = url.rsplit("/", 1)[1]
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}).scalar():
            conn.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    upgrade(url)
    engine = make_engine(url, pool_size=1)
    with Session(engine) as session:
        seed_demo(session)
        session.commit()
    engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--profile", choices=sorted(ENDPOINTS), default=None)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    url = prepare(os.environ.get("COMPTOIR_BENCH_DATABASE_URL", DEFAULT_URL))
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    client = app.test_client()
    token = client.post("/api/v1/session", json={"username": "manager", "password": "manager"}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}

    import psycopg

    counts = {"round_trips": 0}

    def counting(method):
        def wrapper(*args, **kwargs):
            counts["round_trips"] += 1
            return method(*args, **kwargs)

        return wrapper

    # Every statement (the pool's pings included) and every BEGIN, COMMIT and ROLLBACK.
    psycopg.Cursor.execute = counting(psycopg.Cursor.execute)
    psycopg.Connection._exec_command = counting(psycopg.Connection._exec_command)

    def call(path: str) -> None:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.status_code, response.data[:200])

    names = [args.profile] if args.profile else list(ENDPOINTS)
    print(f"{'endpoint':<16}{'median ms':>11}{'p95 ms':>9}{'CPU ms':>9}{'round trips':>13}")
    for name in names:
        path = ENDPOINTS[name]
        for _ in range(20):
            call(path)
        times = []
        counts.update(round_trips=0)
        cpu_started = time.process_time()
        for _ in range(args.runs):
            started = time.perf_counter()
            call(path)
            times.append((time.perf_counter() - started) * 1000)
        cpu_ms = (time.process_time() - cpu_started) * 1000 / args.runs
        times.sort()
        print(f"{name:<16}{statistics.median(times):>11.2f}{times[int(len(times) * 0.95) - 1]:>9.2f}"
              f"{cpu_ms:>9.2f}{counts['round_trips'] / args.runs:>13.1f}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.runs):
            call(ENDPOINTS[args.profile])
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.top)
    app.extensions["comptoir_engine"].dispose()


if __name__ == "__main__":
    main()
