"""An embedded PostgreSQL (the ``pgserver`` package) for ``comptoir demo``: a real PostgreSQL
in a local data folder, no server to install."""

from __future__ import annotations

import signal
import sys
import threading
import warnings
from pathlib import Path

DATABASE = "comptoir"


def run_embedded(data_dir: Path, announce) -> None:
    """Start (or resume) PostgreSQL in ``data_dir``, announce its URL, serve until SIGTERM/SIGINT."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        data_dir.parent.mkdir(parents=True, exist_ok=True)
        server = pgserver.get_server(data_dir, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE};")
    announce(server.get_uri(DATABASE))
    stop = threading.Event()

    def on_signal(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        while not stop.wait(1):
            pass
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server.cleanup()
        sys.stdout.flush()
