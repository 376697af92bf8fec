"""``comptoir demo``: head office, its database and every store node on one machine.

Head office runs on ``COMPTOIR_DATABASE_URL`` when set, else on an embedded
PostgreSQL in the data folder. Migrations and the demo seed run, each store
gets a sync token and a data folder, and is seeded by sync (its first pull),
not by a separate seed. When Debian's ``prometheus`` is installed, a
Prometheus scrapes the chain with the packaged alert rules (its data in the
demo folder). Every part is a child process writing its log lines to
``<data dir>/logs``; SIGINT or SIGTERM stops them all. Run again on the same
data folder, it resumes.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import click

from . import prometheus

COMPTOIR = [sys.executable, "-m", "common.cli"]


class DemoError(click.ClickException):
    pass


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait_healthy(
    url: str, process: subprocess.Popen, name: str, timeout: float = 60, log: Path | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            where = f"see {log}" if log else "see the output above"
            raise DemoError(f"{name} stopped during start-up (exit code {process.returncode}); {where}.")
        try:
            with urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (URLError, OSError):
            pass
        time.sleep(0.3)
    raise DemoError(f"{name} did not answer at {url} within {timeout:.0f} s.")


class Demo:
    def __init__(
        self, stores: int, base_port: int, data_dir: Path, host: str, prometheus_port: int | None = None
    ) -> None:
        self.stores = stores
        self.base_port = base_port
        self.data_dir = data_dir
        self.host = host
        self.prometheus_port = prometheus_port
        self.logs_dir = data_dir / "logs"
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.env = dict(os.environ)
        self.env.setdefault("PYTHONUNBUFFERED", "1")
        self.env.setdefault("COMPTOIR_LANGUAGE", "fr")  # the demo chain's stores are in Quebec
        self.env.setdefault("COMPTOIR_PUBLIC_API_DOCS", "true")  # the demo shows its API to anyone

    # -- helpers -------------------------------------------------------------------------------

    def run(self, *args: str, capture: bool = False) -> str:
        result = subprocess.run(
            [*COMPTOIR, *args], env=self.env, text=True, capture_output=capture, check=False
        )
        if result.returncode != 0:
            detail = (result.stderr or result.stdout or "").strip() if capture else ""
            raise DemoError(f"`comptoir {' '.join(args)}` failed (exit code {result.returncode}). {detail}")
        return result.stdout if capture else ""

    def start(
        self,
        name: str,
        *args: str,
        env: dict[str, str] | None = None,
        stdout: int | None = None,
        log: Path | None = None,
        command: list[str] | None = None,
    ) -> subprocess.Popen:
        """Start a child; with ``log``, its output goes to that file (the demo's terminal stays readable)."""
        handle = None
        if log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
            handle = open(log, "a")  # noqa: SIM115 - the child owns it from here
        try:
            process = subprocess.Popen(
                command or [*COMPTOIR, *args],
                env=env or self.env,
                stdout=handle if handle is not None else stdout,
                stderr=subprocess.STDOUT if handle is not None else None,
                text=True,
                start_new_session=True,
            )
        finally:
            if handle is not None:
                handle.close()
        self.children.append((name, process))
        return process

    def log_of(self, name: str) -> Path:
        return self.logs_dir / f"{name}.log"

    def stop_all(self) -> None:
        for _name, process in reversed(self.children):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _name, process in reversed(self.children):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    # -- steps ---------------------------------------------------------------------------------

    def check_ports(self) -> None:
        ports = list(range(self.base_port, self.base_port + self.stores + 1))
        if self.prometheus_port is not None:
            ports.append(self.prometheus_port)
        busy = [p for p in ports if not _port_free(p)]
        if busy:
            raise DemoError(
                f"port(s) {', '.join(map(str, busy))} already in use: stop what uses them "
                f"or choose another --base-port."
            )

    def database(self) -> None:
        if self.env.get("COMPTOIR_DATABASE_URL"):
            click.echo("Head office database: COMPTOIR_DATABASE_URL")
            return
        click.echo(f"Starting the embedded PostgreSQL in {self.data_dir / 'postgres'} ...")
        process = self.start(
            "embedded PostgreSQL",
            "head-office",
            "embedded-db",
            "--data-dir",
            str(self.data_dir / "postgres"),
            stdout=subprocess.PIPE,
        )
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("DATABASE_URL "):
            raise DemoError("the embedded PostgreSQL did not start; see the output above.")
        self.env["COMPTOIR_DATABASE_URL"] = line.split(" ", 1)[1]

    def secret_key(self) -> None:
        """Head office's own secret key (kept in the data folder). Each store node signs with
        the random key ``store init`` gave it: no two services share a key."""
        path = self.data_dir / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        self.env.setdefault("COMPTOIR_SECRET_KEY", path.read_text().strip())

    def head_office(self, history_days: int) -> str:
        click.echo("Migrating and seeding head office ...")
        self.run("head-office", "db", "upgrade")
        first_run = not (self.data_dir / "store-tokens.json").exists()
        if first_run and history_days:
            # Only before the stores exist: they take head office's stock, history included,
            # with their first snapshot.
            self.run("head-office", "seed", "--demo", "--days", str(history_days))
        else:
            self.run("head-office", "seed", "--demo")
        url = f"http://{self.host}:{self.base_port}"
        # Several worker processes on the one port, as in production (at least 2, at most 4 here).
        workers = str(min(4, max(2, os.cpu_count() or 1)))
        process = self.start(
            "head office", "head-office", "serve", "--host", self.host, "--port", str(self.base_port),
            "--workers", workers, log=self.log_of("head-office"),
        )
        _wait_healthy(url, process, "head office", log=self.log_of("head-office"))
        return url

    def tokens(self) -> dict[str, str]:
        path = self.data_dir / "store-tokens.json"
        tokens: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        for n in range(1, self.stores + 1):
            if str(n) not in tokens:
                out = self.run("head-office", "stores", "token", str(n), capture=True)
                tokens[str(n)] = out.strip().splitlines()[-1]
        path.write_text(json.dumps(tokens))
        path.chmod(0o600)
        return tokens

    def store(self, n: int, head_office_url: str, token: str) -> str:
        folder = self.data_dir / "stores" / f"S{n:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        self.run(
            "store",
            "init",
            "--store-id",
            str(n),
            "--head-office",
            head_office_url,
            "--token",
            token,
            "--data-dir",
            str(folder),
            capture=True,
        )
        url = f"http://{self.host}:{self.base_port + n}"
        env = {**self.env, "COMPTOIR_DATA_DIR": str(folder)}
        env.pop("COMPTOIR_DATABASE_URL", None)
        env.pop("COMPTOIR_SECRET_KEY", None)  # the store's own key, from its settings
        process = self.start(
            f"store {n}",
            "store",
            "serve",
            "--data-dir",
            str(folder),
            "--host",
            self.host,
            "--port",
            str(self.base_port + n),
            env=env,
            log=self.log_of(f"S{n:02d}"),
        )
        _wait_healthy(url, process, f"store {n}", log=self.log_of(f"S{n:02d}"))
        return url

    def prometheus(self) -> str | None:
        """Prometheus over this chain, with the packaged alert rules; None when not installed."""
        binary = prometheus.binary()
        if self.prometheus_port is None or binary is None:
            return None
        folder = self.data_dir / "prometheus"
        config = prometheus.scrape_config(
            [f"{self.host}:{self.base_port}"],
            {f"S{n:02d}": f"{self.host}:{self.base_port + n}" for n in range(1, self.stores + 1)},
            [],
            interval_s=5,
        )
        path = prometheus.write_config(folder, config)
        listen = f"{self.host}:{self.prometheus_port}"
        log = self.log_of("prometheus")
        process = self.start(
            "prometheus", command=prometheus.command(binary, path, folder / "data", listen), log=log
        )
        url = f"http://{listen}"
        try:
            prometheus.wait_ready(url, process)
        except RuntimeError as exc:
            raise DemoError(f"Prometheus did not start ({exc}); see {log}.") from exc
        return url


def _print_banner(ho_url: str, store_urls: list[str], prometheus_url: str | None, logs_dir: Path) -> None:
    click.echo("")
    click.secho("Comptoir demo is running", bold=True)
    click.echo(f"  Head office console   {ho_url}/        manager / manager   (admin / admin)")
    click.echo(f"  Head office API docs  {ho_url}/api/docs")
    for n, url in enumerate(store_urls, start=1):
        click.echo(
            f"  Store S{n:02d} till        {url}/        cashier{n} / cashier   storemgr{n} / storemgr"
        )
    if prometheus_url:
        click.echo(f"  Prometheus            {prometheus_url}/alerts   (targets: {prometheus_url}/targets)")
    click.echo(
        "  Sync runs in the background (push every 5 s, pull every 30 s); "
        "`comptoir sync now --data-dir <store folder>` forces it."
    )
    click.echo(f"  Logs                  {logs_dir}/   (JSON lines: grep a request id to follow a sale)")
    click.echo("Press Ctrl-C to stop everything.")


@click.command("demo")
@click.option("--stores", default=5, show_default=True, type=click.IntRange(1, 5))
@click.option(
    "--base-port",
    default=8000,
    show_default=True,
    type=click.IntRange(1024, 65000),
    help="Head office on this port, store N on base port + N.",
)
@click.option(
    "--data-dir",
    default="demo-data",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where every part keeps its data.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--history-days", default=30, show_default=True, type=click.IntRange(0, 400),
              help="Days of sales history seeded at head office on the first run (0: none).")
@click.option("--prometheus/--no-prometheus", "with_prometheus", default=True, show_default=True,
              help="Start Prometheus over the chain when Debian's prometheus is installed.")
@click.option("--prometheus-port", default=None, type=click.IntRange(1024, 65535),
              help="Prometheus's port (default: base port + 90).")
def demo(
    stores: int,
    base_port: int,
    data_dir: Path,
    host: str,
    history_days: int,
    with_prometheus: bool,
    prometheus_port: int | None,
) -> None:
    """Run head office and STORES store nodes with sync on this machine (and Prometheus)."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    if with_prometheus and prometheus.binary() is None:
        click.echo("Prometheus is not installed (apt-get install prometheus): the demo runs without it.")
    use_prometheus = with_prometheus and prometheus.binary() is not None
    runner = Demo(
        stores, base_port, data_dir, host,
        prometheus_port=(prometheus_port or base_port + 90) if use_prometheus else None,
    )
    stopping = {"flag": False}

    def on_signal(signum, _frame):
        if not stopping["flag"]:
            stopping["flag"] = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        runner.check_ports()
        runner.secret_key()
        runner.database()
        ho_url = runner.head_office(history_days)
        tokens = runner.tokens()
        store_urls = [runner.store(n, ho_url, tokens[str(n)]) for n in range(1, stores + 1)]
        prometheus_url = runner.prometheus()
        _print_banner(ho_url, store_urls, prometheus_url, runner.logs_dir)
        while True:
            for name, process in runner.children:
                if process.poll() is not None:
                    raise DemoError(f"{name} stopped unexpectedly (exit code {process.returncode}).")
            time.sleep(1)
    except KeyboardInterrupt:
        click.echo("\nStopping ...")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        runner.stop_all()
        click.echo("Stopped.")
