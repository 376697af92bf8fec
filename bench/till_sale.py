"""Benchmark: a till sale, bare and through the store node's JSON API, in one run.

    python bench/till_sale.py [--sales 1000] [--tills 1,4]

(a)  a bare SQLite transaction of the same shape and durability as a sale
     (stdlib ``sqlite3``, WAL, ``synchronous=FULL``, the same rows in the same
     tables: receipt and outbox counters, the sale, 3 lines, 1 payment, 3
     stock balances, 3 ledger movements, the outbox event);
(a') a minimal Flask route on waitress running that same transaction (no auth,
     no validation, no templates): the "bare" baseline of DESIGN.md;
(b)  sales through ``POST /api/v1/sales`` of a running node (``comptoir store
     serve``), 1 and 4 concurrent tills.

Servers run as child processes on 127.0.0.1; clients are threads of this
process, each with its own keep-alive HTTP session. Prints sales/s, p50 and
p99 latency and the ratio (b)/(a'). Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LINES = [("GRO-001", 2), ("SNK-002", 1), ("HOU-001", 1)]
API_BODY = {
    "lines": [{"sku": sku, "qty": qty} for sku, qty in LINES],
    "payments": [{"tender": "cash", "amount_cents": 10_000}],
}


# --------------------------------------------------------------------------- bare transaction

def bare_connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def bare_sale(conn: sqlite3.Connection) -> str:
    """The rows a sale writes, with nothing else around them."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    sale_id = str(uuid.uuid4())
    conn.execute("BEGIN IMMEDIATE")
    try:
        seq = conn.execute(
            "UPDATE sequences SET value = value + 1 WHERE name = 'receipt' RETURNING value"
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO sales (id, receipt_seq, receipt_number, store_id, cashier, occurred_at,"
            " business_date, needs_count, subtotal_cents, discount_cents, tax_cents, taxes,"
            " total_cents, paid_cents, change_cents) VALUES (?, ?, ?, 3, 'bench', ?, '2026-01-01',"
            " 0, 1926, 0, 112, '{\"gst\": 37, \"qst\": 75}', 2038, 10000, 7962)",
            (sale_id, seq, f"B03-{seq:06d}", now),
        )
        conn.executemany(
            "INSERT INTO sale_lines (sale_id, line_no, sku, name, qty, unit_price_cents,"
            " discount_percent, discount_cents, net_cents, tax_class, tax_cents, taxes)"
            " VALUES (?, ?, ?, 'x', ?, 100, NULL, 0, 100, 'standard', 0, '{}')",
            [(sale_id, n, sku, qty) for n, (sku, qty) in enumerate(LINES, 1)],
        )
        conn.execute(
            "INSERT INTO sale_payments (sale_id, seq, tender, amount_cents) VALUES (?, 1, 'cash', 10000)",
            (sale_id,),
        )
        for sku, qty in LINES:
            balance = conn.execute(
                "UPDATE stock SET on_hand = on_hand - ?, updated_at = ? WHERE sku = ? RETURNING on_hand",
                (qty, now, sku),
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO stock_movements (sku, kind, delta, balance_after, ref_id, by_user,"
                " occurred_at) VALUES (?, 'sale', ?, ?, ?, 'bench', ?)",
                (sku, -qty, balance, sale_id, now),
            )
        out_seq = conn.execute(
            "UPDATE sequences SET value = value + 1 WHERE name = 'outbox' RETURNING value"
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO outbox (seq, event_id, type, payload, created_at) VALUES (?, ?, 'sale', ?, ?)",
            (out_seq, str(uuid.uuid4()), json.dumps({"id": sale_id, "lines": LINES}), now),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return sale_id


def bare_wsgi_app(db_path: Path) -> Any:
    """(a'): a minimal Flask route on waitress doing the bare transaction."""
    from flask import Flask

    app = Flask("bare")
    local = threading.local()

    @app.post("/sale")
    def sale() -> Any:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = bare_connect(db_path)
        return {"id": bare_sale(conn)}, 201

    @app.get("/healthz")
    def health() -> Any:
        return {"status": "ok"}

    return app


# --------------------------------------------------------------------------- measuring

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early ({process.returncode})")
        try:
            requests.get(base + "/healthz", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def summary(latencies: list[float], elapsed: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "n": len(ordered),
        "per_s": len(ordered) / elapsed,
        "mean_ms": statistics.fmean(ordered) * 1000,
        "p50_ms": ordered[len(ordered) // 2] * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    }


def run_clients(url: str, body: Any, headers: dict[str, str], tills: int, total: int,
                warmup: int = 20) -> dict[str, Any]:
    per_till = max(1, total // tills)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(tills + 1)

    def till() -> None:
        with requests.Session() as http:
            for _ in range(warmup // tills + 1):  # connect and warm up, not measured
                http.post(url, json=body, headers=headers, timeout=30)
            barrier.wait()
            mine = []
            for _ in range(per_till):
                started = time.perf_counter()
                response = http.post(url, json=body, headers=headers, timeout=30)
                mine.append(time.perf_counter() - started)
                if response.status_code != 201:
                    with lock:
                        errors.append(response.text[:200])
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=till) for _ in range(tills)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, first: {errors[0]}")
    result = summary(latencies, elapsed)
    result["latencies"] = latencies  # type: ignore[assignment]
    result["elapsed"] = elapsed
    return result


def merge(runs: list[dict[str, Any]]) -> dict[str, float]:
    latencies = [x for run in runs for x in run["latencies"]]
    return summary(latencies, sum(run["elapsed"] for run in runs))


def make_store(folder: Path) -> Path:
    from store_node.db import open_existing
    from store_node.setup import init_store, seed_demo

    init_store(folder, 3, None, None)
    db = open_existing(folder)
    try:
        seed_demo(db)
        db.conn.execute("UPDATE stock SET on_hand = 100000000")
    finally:
        db.close()
    return folder


def row(name: str, s: dict[str, float]) -> str:
    return (f"| {name} | {s['n']} | {s['per_s']:,.0f} | {s['mean_ms']:.2f} | {s['p50_ms']:.2f}"
            f" | {s['p99_ms']:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sales", type=int, default=1000, help="sales per measurement")
    parser.add_argument("--tills", default="1,4", help="concurrent tills, comma separated")
    parser.add_argument("--rounds", type=int, default=5,
                        help="alternating rounds of (a') and (b) per till count")
    parser.add_argument("--serve-bare", nargs=2, metavar=("PORT", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve_bare:
        from waitress import serve

        serve(bare_wsgi_app(Path(args.serve_bare[1])), host="127.0.0.1",
              port=int(args.serve_bare[0]), threads=8, connection_limit=2000,
              asyncore_use_poll=True, _quiet=True)
        return

    tills = [int(t) for t in args.tills.split(",")]
    work = Path(tempfile.mkdtemp(prefix="comptoir-bench-"))
    processes: list[subprocess.Popen] = []
    results: dict[str, dict[str, float]] = {}
    try:
        # (a) bare transaction, in process
        bare_dir = make_store(work / "bare")
        db_file = bare_dir / "store.sqlite3"
        conn = bare_connect(db_file)
        for _ in range(50):
            bare_sale(conn)
        latencies = []
        started = time.perf_counter()
        for _ in range(args.sales):
            t0 = time.perf_counter()
            bare_sale(conn)
            latencies.append(time.perf_counter() - t0)
        results["(a) bare SQLite transaction"] = summary(latencies, time.perf_counter() - started)
        conn.close()

        # (a') the same transaction behind a minimal Flask route on waitress, and (b) the
        # store node, both running while this script measures them in alternating rounds,
        # so that a noisy neighbour on the machine weighs on both alike.
        port = free_port()
        bare_server = subprocess.Popen(
            [sys.executable, __file__, "--serve-bare", str(port), str(db_file)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(bare_server)
        bare_base = f"http://127.0.0.1:{port}"
        wait_up(bare_base, bare_server)

        node_dir = make_store(work / "node")
        port = free_port()
        env = {**os.environ, "COMPTOIR_DATA_DIR": str(node_dir), "COMPTOIR_REQUIRE_SHIFT": "false"}
        node = subprocess.Popen(
            [sys.executable, "-m", "common.cli", "store", "serve", "--port", str(port)],
            env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(node)
        base = f"http://127.0.0.1:{port}"
        wait_up(base, node)
        token = requests.post(base + "/api/v1/session", timeout=10,
                              json={"username": "cashier3", "password": "cashier"}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}

        per_round = max(args.sales // args.rounds, 1)
        for n in tills:
            suffix = f"{n} till{'s' if n > 1 else ''}"
            bare_runs, api_runs = [], []
            for _ in range(args.rounds):
                bare_runs.append(run_clients(bare_base + "/sale", {}, {}, n, per_round))
                api_runs.append(run_clients(base + "/api/v1/sales", API_BODY, headers, n,
                                            per_round))
            results[f"(a') bare Flask+waitress, {suffix}"] = merge(bare_runs)
            results[f"(b) store node POST /api/v1/sales, {suffix}"] = merge(api_runs)
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)

    print(f"\nTill sale benchmark ({os.cpu_count()} CPUs, Python {sys.version.split()[0]},"
          f" SQLite {sqlite3.sqlite_version}, {args.sales} sales per row)\n")
    print("| measurement | sales | sales/s | mean ms | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, stats in results.items():
        print(row(name, stats))
    print()
    for n in tills:
        suffix = f"{n} till{'s' if n > 1 else ''}"
        bare = results[f"(a') bare Flask+waitress, {suffix}"]
        api = results[f"(b) store node POST /api/v1/sales, {suffix}"]
        print(f"ratio (b)/(a') at {suffix}: mean latency x{api['mean_ms'] / bare['mean_ms']:.2f},"
              f" p50 x{api['p50_ms'] / bare['p50_ms']:.2f},"
              f" throughput x{bare['per_s'] / api['per_s']:.2f} (bare/api)")
    one = results.get("(b) store node POST /api/v1/sales, 1 till")
    if one:
        verdict = "meets" if one["p99_ms"] < 50 else "misses"
        print(f"p99 on one till: {one['p99_ms']:.1f} ms ({verdict} the 50 ms target)")


if __name__ == "__main__":
    main()
