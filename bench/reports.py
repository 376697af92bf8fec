"""Reports benchmark: the 30-day report and the dashboard from the projections, against the
same figures computed straight from the sale lines, over a year of history.

    python bench/reports.py [--days 365] [--sales-per-day 300] [--runs 30] [--keep]

Uses its own database: COMPTOIR_BENCH_DATABASE_URL, else
postgresql://postgres@127.0.0.1:5432/comptoir_bench (created when missing), else an
embedded PostgreSQL (pgserver) in a temporary folder. The history (5 demo stores, about
300 sales a store a day, 1 to 6 lines each, 0.5 % returned the next day) is bulk-loaded
with COPY, then the projections are built with INSERT ... SELECT (the
``rebuild-projections`` code). Both ways must give the same figures: the run checks it.
Prints median and p95 in ms and the ratio. Targets: 30-day report < 50 ms, dashboard < 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from common.clock import business_date, business_day_bounds, utcnow  # noqa: E402
from head_office.db import make_engine, make_session_factory, normalise_url, upgrade  # noqa: E402
from head_office.models import Base, DailyStoreSales, Product, Store  # noqa: E402
from head_office.reports import projections, queries  # noqa: E402
from head_office.reports.dashboard import dashboard, dashboard_of, dashboard_window  # noqa: E402
from head_office.seed import seed_demo  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/comptoir_bench"


def database_url() -> tuple[str, Callable[[], None]]:
    url = os.environ.get("COMPTOIR_BENCH_DATABASE_URL") or DEFAULT_URL
    try:
        server = url.rsplit("/", 1)[0] + "/postgres"
        name = url.rsplit("/", 1)[1].split("?")[0]
        engine = create_engine(normalise_url(server), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return url, lambda: None
    except Exception as exc:  # noqa: BLE001 - fall back on an embedded server
        print(f"No PostgreSQL at {url} ({exc.__class__.__name__}); starting an embedded one (pgserver).")
        import pgserver

        folder = tempfile.mkdtemp(prefix="comptoir-bench-")
        server = pgserver.get_server(folder, cleanup_mode="stop")
        server.psql("CREATE DATABASE comptoir_bench;")
        return server.get_uri("comptoir_bench"), server.cleanup


def gst_qst(taxable: int) -> tuple[int, int]:
    """GST 5 % and QST 9.975 % of a taxable amount in cents, each rounded half up."""
    return (taxable * 5 + 50) // 100, (taxable * 9975 + 50_000) // 100_000


def load_history(session: Session, days: int, per_day: int, today: date) -> dict[str, int]:
    """COPY a year of sales, lines, returns and return lines into the tables."""
    rng = random.Random(2026)
    stores = list(session.scalars(select(Store).order_by(Store.id)))
    catalog = list(session.scalars(select(Product).order_by(Product.sku)))
    weights = [6 if p.category == "Grocery" else 3 if p.category == "Snacks" else 1 for p in catalog]
    raw = session.connection().connection.driver_connection
    assert raw is not None
    counts = {"sales": 0, "lines": 0, "returns": 0}
    first = today - timedelta(days=days - 1)
    returns: list[tuple[Any, ...]] = []
    return_lines: list[tuple[Any, ...]] = []
    with raw.cursor() as cur:
        for store in stores:  # one store at a time: a connection runs one COPY at once
            sale_rows: list[tuple[Any, ...]] = []
            line_rows: list[tuple[Any, ...]] = []
            receipt = 0
            for offset in range(days):
                day = first + timedelta(days=offset)
                start, _end = business_day_bounds(day, store.timezone)
                for n in range(max(1, int(per_day * rng.uniform(0.8, 1.2)))):
                    receipt += 1
                    sale_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                    at = start + timedelta(hours=9, seconds=n * 40000 // per_day)
                    lines = []
                    picked = rng.choices(catalog, weights=weights, k=rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6]))
                    for line_no, product in enumerate(picked, start=1):
                        qty = rng.choice([1, 1, 1, 2, 3])
                        lines.append((line_no, product, qty, qty * product.price_cents))
                    subtotal = sum(line[3] for line in lines)
                    gst, qst = gst_qst(sum(line[3] for line in lines if line[1].tax_class == "standard"))
                    sale_rows.append(
                        (
                            sale_id,
                            store.id,
                            f"{store.code}-{receipt:07d}",
                            "bench",
                            at,
                            day,
                            subtotal,
                            0,
                            gst + qst,
                            json.dumps({"gst": gst, "qst": qst}),
                            subtotal + gst + qst,
                            0,
                            False,
                        )
                    )
                    for line_no, product, qty, net in lines:
                        line_rows.append(
                            (
                                sale_id,
                                line_no,
                                product.id,
                                product.sku,
                                product.name,
                                qty,
                                product.price_cents,
                                0,
                                net,
                                product.tax_class,
                            )
                        )
                    if rng.random() < 0.005 and day < today:
                        line_no, product, qty, net = lines[0]
                        tax = sum(gst_qst(net)) if product.tax_class == "standard" else 0
                        return_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                        returns.append(
                            (
                                return_id,
                                sale_id,
                                store.id,
                                "bench",
                                at + timedelta(days=1),
                                day + timedelta(days=1),
                                net,
                                tax,
                                "{}",
                                net + tax,
                                "[]",
                            )
                        )
                        return_lines.append((return_id, 1, line_no, product.id, product.sku, qty, net, tax))
            with cur.copy(
                "COPY sales (id, store_id, receipt_number, cashier, occurred_at, business_date, subtotal_cents,"
                " discount_cents, tax_cents, taxes, total_cents, change_cents, needs_count) FROM STDIN"
            ) as copy:
                for row in sale_rows:
                    copy.write_row(row)
            with cur.copy(
                "COPY sale_lines (sale_id, line_no, product_id, sku, name, qty, unit_price_cents,"
                " discount_cents, net_cents, tax_class) FROM STDIN"
            ) as copy:
                for row in line_rows:
                    copy.write_row(row)
            counts["sales"] += len(sale_rows)
            counts["lines"] += len(line_rows)
        with cur.copy(
            "COPY returns (id, sale_id, store_id, cashier, occurred_at, business_date, subtotal_cents,"
            " tax_cents, taxes, refund_cents, refunds) FROM STDIN"
        ) as copy:
            for row in returns:
                copy.write_row(row)
        with cur.copy(
            "COPY return_lines (return_id, idx, sale_line_no, product_id, sku, qty, net_cents,"
            " tax_cents) FROM STDIN"
        ) as copy:
            for row in return_lines:
                copy.write_row(row)
    counts["returns"] = len(returns)
    return counts


# The same figures, straight from the sales and returns tables -------------------------------

RAW_TOTALS = text("""
WITH s AS (
    SELECT s.store_id, count(*) AS sales_count, sum(s.subtotal_cents) AS sales_cents,
           sum(s.tax_cents) AS tax_cents
    FROM sales s WHERE s.business_date BETWEEN :a AND :b GROUP BY s.store_id),
u AS (
    SELECT s.store_id, sum(l.qty) AS units FROM sales s JOIN sale_lines l ON l.sale_id = s.id
    WHERE s.business_date BETWEEN :a AND :b GROUP BY s.store_id),
r AS (
    SELECT r.store_id, sum(r.subtotal_cents) AS returns_cents, sum(r.tax_cents) AS returns_tax,
           sum((SELECT sum(qty) FROM return_lines rl WHERE rl.return_id = r.id)) AS units_returned
    FROM returns r WHERE r.business_date BETWEEN :a AND :b GROUP BY r.store_id)
SELECT st.id AS store_id, coalesce(s.sales_count, 0) AS sales_count, coalesce(s.sales_cents, 0) AS sales_cents,
       coalesce(s.tax_cents, 0) AS tax_cents, coalesce(u.units, 0) AS units,
       coalesce(r.returns_cents, 0) AS returns_cents, coalesce(r.returns_tax, 0) AS returns_tax,
       coalesce(r.units_returned, 0) AS units_returned
FROM stores st LEFT JOIN s ON s.store_id = st.id LEFT JOIN u ON u.store_id = st.id
LEFT JOIN r ON r.store_id = st.id ORDER BY st.id
""")

RAW_PRODUCTS = text("""
SELECT store_id, sku, sum(qty) AS qty, sum(cents) AS cents FROM (
    SELECT s.store_id, l.sku, l.qty, l.net_cents AS cents FROM sales s JOIN sale_lines l ON l.sale_id = s.id
    WHERE s.business_date BETWEEN :a AND :b
    UNION ALL
    SELECT r.store_id, rl.sku, -rl.qty, -rl.net_cents FROM returns r JOIN return_lines rl ON rl.return_id = r.id
    WHERE r.business_date BETWEEN :a AND :b) x
GROUP BY store_id, sku
""")

RAW_DAYS = text("""
SELECT d, sum(c) FROM (
    SELECT business_date AS d, subtotal_cents AS c FROM sales WHERE business_date BETWEEN :a AND :b
    UNION ALL
    SELECT business_date, -subtotal_cents FROM returns WHERE business_date BETWEEN :a AND :b) x
GROUP BY d ORDER BY d
""")


def raw_report(session: Session, start: date, end: date) -> dict[str, Any]:
    args = {"a": start, "b": end}
    stores = []
    products: dict[int, list[tuple[str, int, int]]] = {}
    for store_id, sku, qty, cents in session.execute(RAW_PRODUCTS, args):
        products.setdefault(store_id, []).append((sku, int(qty), int(cents)))
    for row in session.execute(RAW_TOTALS, args):
        top = sorted(products.get(row.store_id, []), key=lambda p: (-p[1], -p[2], p[0]))[:10]
        stores.append(
            {
                "store_id": row.store_id,
                "revenue_cents": int(row.sales_cents - row.returns_cents),
                "tax_cents": int(row.tax_cents - row.returns_tax),
                "sales_count": int(row.sales_count),
                "units": int(row.units - row.units_returned),
                "returns_cents": int(row.returns_cents),
                "top": [(sku, qty) for sku, qty, _ in top],
            }
        )
    days = {d.isoformat(): int(c) for d, c in session.execute(RAW_DAYS, args)}
    return {"stores": stores, "days": days}


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    keys = ("store_id", "revenue_cents", "tax_cents", "sales_count", "units", "returns_cents")
    return {
        "stores": [
            {**{k: s[k] for k in keys}, "top": [(p["sku"], p["qty"]) for p in s["top_products"]]}
            for s in report["stores"]
        ],
        "days": {d["date"]: d["revenue_cents"] for d in report["days"] if d["revenue_cents"]},
    }


RAW_DAILY = text("""
SELECT store_id, business_date, sum(n) AS sales_count, sum(sc) AS sales_cents, sum(st) AS sales_tax_cents,
       sum(rc) AS returns_cents, sum(rt) AS returns_tax_cents FROM (
    SELECT store_id, business_date, 1 AS n, subtotal_cents AS sc, tax_cents AS st, 0 AS rc, 0 AS rt
    FROM sales WHERE business_date BETWEEN :a AND :b
    UNION ALL
    SELECT store_id, business_date, 0, 0, 0, subtotal_cents, tax_cents
    FROM returns WHERE business_date BETWEEN :a AND :b) x
GROUP BY store_id, business_date
""")


def raw_dashboard(session: Session, now: datetime) -> dict:
    """The dashboard over days computed from the sale and return lines, not the projection."""
    stores, first, last = dashboard_window(session, now)
    return dashboard_of(session, now, stores, first, last, raw_days(session, first, last))


def raw_days(session: Session, first: date, last: date) -> list[DailyStoreSales]:
    return [
        DailyStoreSales(
            store_id=r.store_id,
            business_date=r.business_date,
            sales_count=int(r.sales_count),
            sales_cents=int(r.sales_cents),
            sales_tax_cents=int(r.sales_tax_cents),
            returns_cents=int(r.returns_cents),
            returns_tax_cents=int(r.returns_tax_cents),
            units_sold=0,
            units_returned=0,
            returns_count=0,
        )
        for r in session.execute(RAW_DAILY, {"a": first, "b": last})
    ]


def timed(
    factory: Callable[[], Session], work: Callable[[Session], Any], runs: int
) -> tuple[list[float], Any]:
    result = None
    samples = []
    with factory() as session:
        for i in range(runs + 3):
            session.rollback()
            t0 = time.perf_counter()
            result = work(session)
            elapsed = (time.perf_counter() - t0) * 1000
            if i >= 3:  # warm-up runs not counted
                samples.append(elapsed)
    return samples, result


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--sales-per-day", type=int, default=300)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--keep", action="store_true", help="Reuse the loaded history if the database has it."
    )
    args = parser.parse_args()

    url, cleanup = database_url()
    try:
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        now = utcnow()
        today = business_date(now)
        with factory() as session:
            loaded = session.scalar(text("SELECT count(*) FROM sales"))
            if not (args.keep and loaded):
                tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
                session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                seed_demo(session)
                session.commit()
                t0 = time.perf_counter()
                counts = load_history(session, args.days, args.sales_per_day, today)
                session.commit()
                load_s = time.perf_counter() - t0
                print(
                    f"Loaded {counts['sales']:,} sales, {counts['lines']:,} lines, {counts['returns']:,} returns "
                    f"by COPY in {load_s:.1f} s ({counts['sales'] / load_s:,.0f} sales/s)"
                )
                t0 = time.perf_counter()
                built = projections.rebuild(session)
                session.commit()
                print(
                    f"Built projections ({built['store_days']:,} store-days, {built['product_days']:,} "
                    f"product-days) with INSERT ... SELECT in {time.perf_counter() - t0:.1f} s"
                )
                session.execute(text("ANALYZE"))
                session.commit()
            lines = session.scalar(text("SELECT count(*) FROM sale_lines"))
        start, end = today - timedelta(days=29), today

        report_proj, report = timed(factory, lambda s: queries.sales_report(s, start, end), args.runs)
        report_raw, raw = timed(factory, lambda s: raw_report(s, start, end), args.runs)
        assert comparable(report) == raw, "the projections and the sale lines disagree on the 30-day report"
        dash_proj, dash = timed(factory, lambda s: dashboard(s, now=now), args.runs)
        dash_raw, dash_lines = timed(
            factory, lambda s: raw_dashboard(s, now), args.runs
        )
        strip = [
            {k: v for k, v in row.items() if k.startswith("revenue") or k.startswith("sales_count")}
            for row in dash["stores"]
        ]
        assert strip == [
            {k: v for k, v in row.items() if k.startswith("revenue") or k.startswith("sales_count")}
            for row in dash_lines["stores"]
        ], "the dashboards disagree"

        print(
            f"\n{lines:,} sale lines; 30-day report {start}..{end}; {args.runs} timed runs each (after 3 warm-up)"
        )
        print(f"{'':34}{'median ms':>10}{'p95 ms':>10}{'target':>10}")
        rows = [
            ("30-day report, projections", report_proj, "< 50"),
            ("30-day report, sale lines", report_raw, ""),
            ("dashboard, projections", dash_proj, "< 100"),
            ("dashboard, sale lines", dash_raw, ""),
        ]
        for name, samples, target in rows:
            print(f"{name:34}{statistics.median(samples):10.1f}{p95(samples):10.1f}{target:>10}")
        print(
            f"\nratio (sale lines / projections, medians): report x{statistics.median(report_raw) / statistics.median(report_proj):.0f}, "
            f"dashboard x{statistics.median(dash_raw) / statistics.median(dash_proj):.1f}"
        )
        print("Both ways give the same figures (checked).")
        engine.dispose()
    finally:
        cleanup()


if __name__ == "__main__":
    main()
