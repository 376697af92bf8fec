"""Drive the seed's load test (bench/load/locustfile.py) against three set-ups in one run.

    python bench/load/drive.py [--users 1000] [--spawn-rate 20] [--duration 180] [--only a,b,c]

(a) `comptoir head-office serve --workers 2`; (b) nginx (packaging/nginx/comptoir.conf) in
front of two `serve --workers 1` instances; (c) the bare Flask + Core baseline (bare.py), one
waitress process. Same database (COMPTOIR_BENCH_DATABASE_URL, default
postgresql://postgres@127.0.0.1:5432/comptoir_load: created, migrated and seeded with the demo
chain when missing), one set-up at a time, Locust headless on the same machine.

Prints for each: requests/s in the steady state (all users spawned) and as a share of the load
offered (users / 3 s, the mean wait), median, p95, p99 (whole run, ms) and failures; then the
ratios to the baseline. Locust's CSV files are kept in --out.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from tests.nginx import Nginx  # noqa: E402
from tests.support import free_port  # noqa: E402

COMPTOIR = [sys.executable, "-m", "common.cli"]
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/comptoir_load"
MEAN_WAIT_S = 3.0  # between(1, 5)


def wait_healthy(url: str, process: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not become healthy")


def prepare(env: dict[str, str]) -> None:
    url = env["COMPTOIR_DATABASE_URL"]
    database = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    exists = subprocess.run(["psql", admin, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{database}'"],
                            capture_output=True, text=True).stdout.strip()
    if not exists:
        subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{database}"'], check=True)
    subprocess.run([*COMPTOIR, "head-office", "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*COMPTOIR, "head-office", "seed", "--demo"], env=env, check=True, capture_output=True)
    # Fresh statistics and visibility maps before measuring: otherwise autovacuum's first pass over
    # the rows the seed just wrote runs during the first set-up and only that one pays for it.
    subprocess.run(["psql", url, "-qc", "VACUUM ANALYZE"], check=True)


class Setup:
    def __init__(self, name: str, env: dict[str, str], out: Path) -> None:
        self.name = name
        self.env = env
        self.out = out
        self.processes: list[subprocess.Popen] = []
        self.nginx: Nginx | None = None

    def spawn(self, args: list[str], log: str) -> subprocess.Popen:
        handle = open(self.out / log, "w")  # noqa: SIM115 - owned by the child
        process = subprocess.Popen(args, env=self.env, stdout=handle, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        handle.close()
        self.processes.append(process)
        return process

    def start(self) -> str:
        if self.name == "a":
            port = free_port()
            process = self.spawn([*COMPTOIR, "head-office", "serve", "--port", str(port), "--workers", "2"],
                                 "a-serve.log")
            wait_healthy(f"http://127.0.0.1:{port}", process)
            return f"http://127.0.0.1:{port}"
        if self.name == "b":
            ports = [free_port(), free_port()]
            for n, port in enumerate(ports):
                process = self.spawn([*COMPTOIR, "head-office", "serve", "--port", str(port), "--workers", "1"],
                                     f"b-serve-{n}.log")
                wait_healthy(f"http://127.0.0.1:{port}", process)
            self.nginx = Nginx(self.out / "nginx", free_port(), ports)
            url = self.nginx.start()
            wait_healthy(url)
            return url
        port = free_port()
        process = self.spawn([sys.executable, str(ROOT / "bench" / "load" / "bare.py"), "--port", str(port),
                              "--database-url", self.env["COMPTOIR_DATABASE_URL"]], "c-bare.log")
        wait_healthy(f"http://127.0.0.1:{port}", process)
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.stop()
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def run_locust(url: str, prefix: Path, users: int, spawn_rate: int, duration: int) -> None:
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "load" / "locustfile.py"), "--host", url,
         "--headless", "--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{duration}s",
         "--csv", str(prefix), "--csv-full-history", "--only-summary", "--stop-timeout", "10",
         "--loglevel", "WARNING"],
        check=False, cwd=ROOT,
    )


def figures(prefix: Path, users: int) -> dict[str, float]:
    with open(f"{prefix}_stats.csv") as handle:
        total = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    with open(f"{prefix}_stats_history.csv") as handle:
        history = [r for r in csv.DictReader(handle) if r["Name"] == "Aggregated"]
    steady = [r for r in history if int(r["User Count"]) >= users]
    if len(steady) >= 2:
        first, last = steady[0], steady[-1]
        seconds = int(last["Timestamp"]) - int(first["Timestamp"])
        rps = (int(last["Total Request Count"]) - int(first["Total Request Count"])) / max(seconds, 1)
    else:
        rps = float(total["Requests/s"])
    return {
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "rps": rps,
        "offered": users / MEAN_WAIT_S,
        "median": float(total["50%"]),
        "p95": float(total["95%"]),
        "p99": float(total["99%"]),
    }


NAMES = {"a": "(a) serve --workers 2", "b": "(b) nginx + 2 instances", "c": "(c) bare Flask + Core"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--spawn-rate", type=int, default=20)
    parser.add_argument("--duration", type=int, default=180, help="seconds per set-up")
    parser.add_argument("--only", default="a,b,c")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    out = args.out or Path(tempfile.mkdtemp(prefix="comptoir-load-"))
    out.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPTOIR_")}
    env.update({
        "COMPTOIR_DATABASE_URL": os.environ.get("COMPTOIR_BENCH_DATABASE_URL", DEFAULT_URL),
        "COMPTOIR_SECRET_KEY": "load-test",
        "PYTHONUNBUFFERED": "1",
    })
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    prepare(env)
    results: dict[str, dict[str, float]] = {}
    for name in args.only.split(","):
        setup = Setup(name, env, out)
        try:
            url = setup.start()
            print(f"== {NAMES[name]} at {url}: {args.users} users, spawn rate {args.spawn_rate}, "
                  f"{args.duration} s", flush=True)
            run_locust(url, out / name, args.users, args.spawn_rate, args.duration)
        finally:
            setup.stop()
        results[name] = figures(out / name, args.users)

    print()
    print(f"{'set-up':<26}{'req/s':>8}{'served':>8}{'median':>8}{'p95':>8}{'p99':>8}{'failures':>16}")
    for name, r in results.items():
        print(f"{NAMES[name]:<26}{r['rps']:>8.1f}{r['rps'] / r['offered']:>8.0%}{r['median']:>6.0f}ms"
              f"{r['p95']:>6.0f}ms{r['p99']:>6.0f}ms{r['failures']:>7} of {r['requests']:<7}")
    if "c" in results:
        base = results["c"]
        for name in [n for n in results if n != "c"]:
            r = results[name]
            print(f"{NAMES[name]} / bare: req/s x{r['rps'] / base['rps']:.2f}, "
                  f"median x{r['median'] / max(base['median'], 1):.2f}, p95 x{r['p95'] / max(base['p95'], 1):.2f}, "
                  f"p99 x{r['p99'] / max(base['p99'], 1):.2f}")
    print(f"(offered load: {args.users} users / {MEAN_WAIT_S:.0f} s mean wait = "
          f"{args.users / MEAN_WAIT_S:.0f} req/s; CSV files in {out})")


if __name__ == "__main__":
    main()
