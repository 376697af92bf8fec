"""Helpers shared by the test packages: free ports, live WSGI servers, database URLs."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from waitress.server import create_server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(wsgi_app, port: int | None = None, threads: int = 8) -> Iterator[str]:
    """Serve a WSGI app with waitress on 127.0.0.1 in a thread; yields its base URL.

    Closing a waitress server from another thread while its loop polls can raise in the
    server thread (a closed descriptor); here the loop notices a stop flag and closes
    everything from its own thread.
    """
    port = port or free_port()
    server = create_server(wsgi_app, host="127.0.0.1", port=port, threads=threads,
                           connection_limit=2000, asyncore_use_poll=True)
    stop = threading.Event()

    def loop() -> None:
        try:
            while not stop.is_set():
                server.asyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)
        finally:
            server.task_dispatcher.shutdown()
            for channel in list(server._map.values()):
                channel.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/healthz", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.05)
    try:
        yield base
    finally:
        stop.set()
        thread.join(timeout=10)


def metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in a Prometheus text page (None when the series is absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return None


def metric_names(text: str) -> set[str]:
    """Every sample name on a Prometheus text page."""
    from prometheus_client.parser import text_string_to_metric_families

    return {sample.name for family in text_string_to_metric_families(text) for sample in family.samples}


def artifacts() -> Path:
    """Where tests keep screenshots a person may look at: ``COMPTOIR_TEST_ARTIFACTS``, else a
    ``comptoir-test-artifacts`` folder in the system's temporary folder."""
    folder = Path(os.environ.get("COMPTOIR_TEST_ARTIFACTS")
                  or Path(tempfile.gettempdir()) / "comptoir-test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
