"""Benchmark: five stores with a day offline (10,000 queued events each) drain to head office.

Prints events/s and the total drain time over real HTTP to a head office served by waitress
in its own process, and, in the same run, the time PostgreSQL takes to COPY the same rows raw
(the rows ingest writes: received events, sales, sale lines, payments, stock movements, into
tables with head office's columns, constraints and indexes), and the ratio. Targets: drain under 30 s; ingest at least 30 % of raw COPY speed.

    python bench/sync_drain.py [--events 10000] [--stores 5]

Uses COMPTOIR_BENCH_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432 (a database
``comptoir_bench_sync`` is created there), else an embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from common.clock import business_date, isoformat_z, utcnow  # noqa: E402
from common.ids import new_id  # noqa: E402
from common.taxes import compute_taxes  # noqa: E402
from head_office.db import make_engine, upgrade  # noqa: E402
from head_office.seed import seed_demo  # noqa: E402
from head_office.stores.operations import issue_token  # noqa: E402
from store_node.db import immediate, open_existing  # noqa: E402
from store_node.setup import init_store  # noqa: E402
from store_node.sync import outbox  # noqa: E402
from store_node.sync.runner import build_runner  # noqa: E402
from tests.support import free_port  # noqa: E402
from tests.sync.processes import Service, base_env  # noqa: E402


def database_url() -> tuple[str, object | None]:
    url = os.environ.get("COMPTOIR_BENCH_DATABASE_URL")
    if url:
        return url, None
    try:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS comptoir_bench_sync WITH (FORCE)")
            conn.execute("CREATE DATABASE comptoir_bench_sync")
        return "postgresql://postgres@127.0.0.1:5432/comptoir_bench_sync", None
    except psycopg.OperationalError:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver

            server = pgserver.get_server(tempfile.mkdtemp(prefix="comptoir-bench-"), cleanup_mode="delete")
        server.psql("CREATE DATABASE comptoir_bench_sync;")
        return server.get_uri("comptoir_bench_sync"), server


def queue_sales(folder: Path, store_id: int, products: list[tuple], count: int) -> None:
    """Queue ``count`` sale events the way the till writes them (outbox rows), a day's worth."""
    db = open_existing(folder)
    try:
        with immediate(db) as conn:
            for n in range(1, count + 1):
                picks = [products[(n * 7 + k * 13) % len(products)] for k in range(1 + n % 3)]
                lines = []
                for line_no, (sku, name, price, tax_class) in enumerate(picks, start=1):
                    qty = 1 + (n + line_no) % 2
                    lines.append({"line_no": line_no, "sku": sku, "name": name, "qty": qty,
                                  "unit_price_cents": price, "discount_cents": 0, "net_cents": qty * price,
                                  "tax_class": tax_class})
                subtotal = sum(line["net_cents"] for line in lines)
                taxes = compute_taxes([(line["tax_class"], line["net_cents"]) for line in lines]).by_tax
                tax = sum(taxes.values())
                now = utcnow()
                sale = {"id": new_id(), "receipt_number": f"S{store_id:02d}-{n:06d}", "store_id": store_id,
                        "cashier": f"cashier{store_id}", "occurred_at": isoformat_z(now),
                        "business_date": business_date(now).isoformat(), "needs_count": False,
                        "subtotal_cents": subtotal, "discount_cents": 0, "tax_cents": tax, "taxes": taxes,
                        "total_cents": subtotal + tax, "change_cents": 0, "lines": lines,
                        "payments": [{"tender": "card", "amount_cents": subtotal + tax}]}
                outbox.append(conn, "sale", sale, sale["occurred_at"])
    finally:
        db.close()


def copy_baseline(url: str, folders: list[Path]) -> tuple[float, int]:
    """COPY the rows ingest writes for the same events, raw, into tables shaped like head office's
    (same columns, constraints and indexes; logged, committed): seconds, events."""
    events = []
    for n, folder in enumerate(folders, start=1):
        db = open_existing(folder)
        events += [(n, e) for e in outbox.events(db, 0, 10**9)]
        db.close()
    tables = ("sync_events", "sales", "sale_lines", "sale_payments", "stock_movements")
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        for table in tables:
            conn.execute(f"DROP TABLE IF EXISTS raw_{table}")
            conn.execute(f"CREATE TABLE raw_{table} (LIKE {table} INCLUDING ALL)")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cur:
            with cur.copy("COPY raw_sync_events (event_id, store_id, seq, type, occurred_at, payload)"
                          " FROM STDIN") as copy:
                for store_id, e in events:
                    copy.write_row((e["event_id"], store_id, e["seq"], e["type"], e["occurred_at"],
                                    json.dumps(e["payload"])))
            with cur.copy("COPY raw_sales (id, store_id, receipt_number, cashier, occurred_at, business_date,"
                          " subtotal_cents, discount_cents, tax_cents, taxes, total_cents, change_cents,"
                          " needs_count, event_id) FROM STDIN") as copy:
                for store_id, e in events:
                    p = e["payload"]
                    copy.write_row((p["id"], store_id, p["receipt_number"], p["cashier"], p["occurred_at"],
                                    p["business_date"], p["subtotal_cents"], 0, p["tax_cents"],
                                    json.dumps(p["taxes"]), p["total_cents"], 0, False, e["event_id"]))
            with cur.copy("COPY raw_sale_lines (sale_id, line_no, sku, name, qty, unit_price_cents,"
                          " discount_cents, net_cents, tax_class) FROM STDIN") as copy:
                for _, e in events:
                    p = e["payload"]
                    for line in p["lines"]:
                        copy.write_row((p["id"], line["line_no"], line["sku"], line["name"], line["qty"],
                                        line["unit_price_cents"], line["discount_cents"], line["net_cents"],
                                        line["tax_class"]))
            with cur.copy("COPY raw_sale_payments (sale_id, idx, tender, amount_cents) FROM STDIN") as copy:
                for _, e in events:
                    p = e["payload"]
                    for i, pay in enumerate(p["payments"], start=1):
                        copy.write_row((p["id"], i, pay["tender"], pay["amount_cents"]))
            with cur.copy("COPY raw_stock_movements (occurred_at, location, store_id, product_id, kind, qty,"
                          " ref_type, ref_id) FROM STDIN") as copy:
                for store_id, e in events:
                    p = e["payload"]
                    for line in p["lines"]:
                        copy.write_row((p["occurred_at"], "store", store_id, 1, "sale", -line["qty"], "sale",
                                        p["id"]))
        conn.commit()
        elapsed = time.perf_counter() - started
        for table in tables:
            conn.execute(f"DROP TABLE raw_{table}")
        conn.commit()
        return elapsed, len(events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000, help="queued events per store")
    parser.add_argument("--stores", type=int, default=5)
    args = parser.parse_args()

    url, embedded = database_url()
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_demo(session, store_count=args.stores)
        tokens = {n: issue_token(session, n) for n in range(1, args.stores + 1)}
        session.commit()
    workdir = Path(tempfile.mkdtemp(prefix="comptoir-drain-"))
    head_office = Service(["head-office", "serve"], free_port(),
                          base_env(COMPTOIR_DATABASE_URL=url, COMPTOIR_SECRET_KEY="bench"),
                          workdir / "head-office.log").start()
    try:
        folders, runners = [], []
        for n in range(1, args.stores + 1):
            folder = workdir / f"S{n:02d}"
            init_store(folder, n, head_office.url, tokens[n])
            db = open_existing(folder)
            runner = build_runner(db, folder)
            runner.pull(wait=True)  # the catalog, by sync
            products = db.conn.execute("SELECT sku, name, price_cents, tax_class FROM products").fetchall()
            folders.append(folder)
            runners.append((db, runner, products))
        started = time.perf_counter()
        for n, (folder, (_db, _runner, products)) in enumerate(zip(folders, runners, strict=True), start=1):
            queue_sales(folder, n, products, args.events)
        print(f"queued {args.events:,} sale events in each of {args.stores} stores "
              f"in {time.perf_counter() - started:.1f} s")

        durations: dict[int, float] = {}

        def drain(n: int, runner) -> None:
            t0 = time.perf_counter()
            outcome = runner.push(wait=True)
            durations[n] = time.perf_counter() - t0
            assert outcome.applied == args.events, outcome

        threads = [threading.Thread(target=drain, args=(n, r)) for n, (_d, r, _p) in enumerate(runners, start=1)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        total = time.perf_counter() - t0
        events = args.events * args.stores
        rate = events / total
        copy_s, copied = copy_baseline(url, folders)
        copy_rate = copied / copy_s
        print(f"drain: {events:,} events from {args.stores} stores in {total:.1f} s = {rate:,.0f} events/s "
              f"(slowest store {max(durations.values()):.1f} s)")
        print(f"raw COPY of the same rows: {copied:,} events in {copy_s:.2f} s = {copy_rate:,.0f} events/s")
        print(f"ingest / raw COPY = {rate / copy_rate:.0%}   (targets: drain < 30 s, ratio >= 30 %)")
        for db, runner, _ in runners:
            runner.client.close()
            db.close()
    finally:
        head_office.stop()
        engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
        if embedded is not None:
            embedded.cleanup()


if __name__ == "__main__":
    main()
