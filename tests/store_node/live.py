"""A waitress server in a thread that stops cleanly (its loop closes itself).

Closing a waitress server from another thread while its loop is polling can
raise in the server thread (a closed descriptor); here the loop notices a
stop flag and closes from its own thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from waitress.server import create_server

from tests.support import free_port


@contextmanager
def serve(wsgi_app: Any, threads: int = 8) -> Iterator[str]:
    port = free_port()
    server: Any = create_server(wsgi_app, host="127.0.0.1", port=port, threads=threads,
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
