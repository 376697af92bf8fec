"""``comptoir head-office serve``: one waitress process, or N of them on one port.

With ``--workers N`` (N > 1) the parent binds the listening socket once and
starts N worker processes (``python -m head_office.worker``), each handed the
socket's file descriptor and serving it with its own threaded waitress server:
the kernel spreads connections over them. The parent only supervises:

- it gives the workers a fresh ``PROMETHEUS_MULTIPROC_DIR``, so that each
  worker's ``/metrics`` sums every worker's counters (prometheus-client's
  multiprocess mode), and removes the folder at the end;
- a worker that dies is marked dead for the metrics and started again;
- SIGTERM or SIGINT is passed on to every worker, which finishes and exits;
  the parent waits for them (a worker that hangs is killed after a grace time);
- a worker whose parent disappears (SIGKILL) stops on its own within a second.

Workers are separate interpreters started afresh (not forked): each opens its
own database pool, and nothing is shared but the socket and the metrics folder.
The parent never builds the app (its metrics would be written before their folder
exists): what serves requests is in :mod:`head_office.worker`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from prometheus_client import multiprocess

from common import config as config_module

# waitress: connections well above the number of clients, poll() instead of select() (DESIGN
# "Processes": the default limit of 100 stalls every client beyond it).
CONNECTION_LIMIT = 4000
BACKLOG = 2048
STOP_GRACE_S = 15.0


def waitress_options(threads: int) -> dict[str, Any]:
    return {
        "threads": threads,
        "connection_limit": CONNECTION_LIMIT,
        "backlog": BACKLOG,
        "asyncore_use_poll": True,
        "channel_timeout": 120,
        "ident": "comptoir",
    }


def bind(host: str, port: int) -> socket.socket:
    """The listening socket every worker shares."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    return sock


def stop_on_sigterm() -> None:
    def stop(_signum: int, _frame: Any) -> None:
        raise SystemExit(0)  # waitress closes its server on SystemExit and returns

    signal.signal(signal.SIGTERM, stop)


class Supervisor:
    """The parent of N workers sharing one listening socket."""

    def __init__(self, host: str, port: int, workers: int, threads: int,
                 env: dict[str, str] | None = None) -> None:
        self.host = host
        self.port = port
        self.workers = workers
        self.threads = threads
        self.env = dict(os.environ if env is None else env)
        self.sock: socket.socket | None = None
        self.metrics_dir = ""
        self.children: dict[int, subprocess.Popen] = {}
        self.stopping = threading.Event()
        self._previous: dict[int, Any] = {}

    def start(self) -> None:
        # From now on SIGTERM or SIGINT means "stop the workers", even while they start.
        def on_signal(_signum: int, _frame: Any) -> None:
            self.stopping.set()

        self._previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        self.sock = bind(self.host, self.port)
        base = self.env.get("PROMETHEUS_MULTIPROC_DIR") or None
        if base:
            os.makedirs(base, exist_ok=True)
        # A fresh folder per serve: stale files of an earlier run would be counted again.
        self.metrics_dir = tempfile.mkdtemp(prefix="comptoir-metrics-", dir=base)
        self.env["PROMETHEUS_MULTIPROC_DIR"] = self.metrics_dir
        if not _configured_secret(self.env):
            # Every worker must sign and check tokens and cookies with the same key.
            print("COMPTOIR_SECRET_KEY is not set: using a random key for this run "
                  "(sessions and tokens end at restart)", file=sys.stderr, flush=True)
            self.env["COMPTOIR_SECRET_KEY"] = secrets.token_urlsafe(32)
        for slot in range(self.workers):
            self._spawn(slot)

    def _spawn(self, slot: int) -> None:
        assert self.sock is not None
        fd = self.sock.fileno()
        process = subprocess.Popen(
            [sys.executable, "-m", "head_office.worker", "--fd", str(fd),
             "--threads", str(self.threads), "--parent", str(os.getpid())],
            env=self.env,
            pass_fds=(fd,),
        )
        self.children[slot] = process

    def watch(self) -> None:
        """Until asked to stop: restart any worker that died."""
        while not self.stopping.wait(0.5):
            for slot, process in list(self.children.items()):
                if process.poll() is not None and not self.stopping.is_set():
                    _mark_dead(process.pid)
                    print(f"worker {process.pid} exited with {process.returncode}; starting another",
                          file=sys.stderr, flush=True)
                    self._spawn(slot)

    def stop(self) -> None:
        self.stopping.set()
        for process in self.children.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for process in self.children.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            _mark_dead(process.pid)
        if self.sock is not None:
            self.sock.close()
        if self.metrics_dir:
            shutil.rmtree(self.metrics_dir, ignore_errors=True)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}

    def supervise(self) -> None:
        """After ``start()``: watch the workers until SIGTERM or SIGINT, then stop them all."""
        try:
            self.watch()
        finally:
            self.stop()


def _configured_secret(env: dict[str, str]) -> bool:
    return bool(config_module.load(environ=env).get("SECRET_KEY"))


def _mark_dead(pid: int) -> None:
    try:
        multiprocess.mark_process_dead(pid)
    except Exception:  # noqa: BLE001 - metrics never stop a shutdown
        pass


def exit_with_parent(parent: int) -> None:
    """A worker whose supervisor is gone (killed) stops rather than serve unsupervised."""

    def check() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=check, name="parent-watch", daemon=True).start()
