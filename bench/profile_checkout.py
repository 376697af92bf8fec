"""Profile one customer's checkouts in process: where a checkout's time goes.

    python bench/profile_checkout.py [--database-url postgresql://...] [--checkouts 200] [--top 40]

Builds the head-office app in this process (no HTTP server: the Flask test client), seeds the
same products as ``bench/checkout.py``, signs a customer up, then runs ``--checkouts``
checkouts of one line (each after putting the line back in the cart, not counted) under
cProfile. Prints the wall time per checkout, the SQL statements and commits per checkout on
the service's own pool and on the payment provider's, and the functions that take the time.
Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.checkout import CARD, make_database, seed  # noqa: E402


def count_statements(engine, counts: Counter, prefix: str) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(_conn, _cursor, statement, *_args) -> None:
        counts[f"{prefix} statements"] += 1
        counts[f"{prefix} {statement.split(None, 1)[0].upper()}"] += 1

    @event.listens_for(engine, "commit")
    def _commit(_conn) -> None:
        counts[f"{prefix} commits"] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--checkouts", type=int, default=200)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    url, made = make_database(args.database_url)
    try:
        products, _ = seed(url, 1)
        from head_office.app import create_app

        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "profile", "LOGIN_MAX_FAILURES": 1000000})
        client = app.test_client()
        email = "profile@example.com"
        client.post("/api/v1/shop/customers", json={"email": email, "password": "profile-pw", "name": "P"})
        token = client.post("/api/v1/session", json={"username": email, "password": "profile-pw"}).json["token"]
        headers = {"Authorization": f"Bearer {token}"}
        sku = products[0][2]

        def one() -> float:
            client.put(f"/api/v1/shop/cart/lines/{sku}", json={"qty": 1}, headers=headers)
            started = time.perf_counter()
            response = client.post("/api/v1/shop/checkout", json={"card": CARD},
                                   headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
            took = time.perf_counter() - started
            assert response.status_code == 201, response.json
            return took

        for _ in range(30):
            one()
        counts: Counter = Counter()
        count_statements(app.extensions["comptoir_engine"], counts, "service")
        count_statements(app.extensions["comptoir_payments_engine"], counts, "provider")
        times = []
        profile = cProfile.Profile()
        for _ in range(args.checkouts):
            profile.enable()
            times.append(one())
            profile.disable()
        times.sort()
        n = args.checkouts
        # The cart PUT before each checkout runs on the service's pool too: count it apart.
        cart_counts: Counter = Counter()
        count_statements(app.extensions["comptoir_engine"], cart_counts, "service")
        client.put(f"/api/v1/shop/cart/lines/{sku}", json={"qty": 1}, headers=headers)
        print(f"{n} checkouts in process: p50 {times[n // 2] * 1000:.2f} ms, "
              f"p95 {times[int(n * 0.95) - 1] * 1000:.2f} ms, mean {sum(times) / n * 1000:.2f} ms")
        print("per checkout (the cart PUT before it taken out):")
        for key in sorted(counts):
            per = counts[key] / n - cart_counts.get(key, 0)
            if per:
                print(f"  {key:<28} {per:6.2f}")
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())
        for key in ("comptoir_engine", "comptoir_payments_engine"):
            app.extensions[key].dispose()
    finally:
        if made:
            import subprocess

            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c",
                            f"DROP DATABASE IF EXISTS {made} WITH (FORCE)"], check=False)


if __name__ == "__main__":
    main()
