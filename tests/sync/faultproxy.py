"""A fault-injecting HTTP proxy between a store and head office.

Each request takes the next action from ``plan`` (then ``default``):

- ``pass``: forward and relay the reply;
- ``drop``: close the connection without forwarding (head office never saw it);
- ``503``: answer 503 without forwarding;
- ``delay:S``: wait S seconds, then forward;
- ``cut_reply``: forward (head office applies and commits), then close without replying;
- ``cut_request``: send head office only half of the request body, then close (a connection
  cut halfway through a batch), and close the store's connection too.
"""

from __future__ import annotations

import collections
import http.client
import random
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FaultProxyServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence
        return

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _abort(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(self.server.upstream_host, self.server.upstream_port, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            conn.request(self.command, self.path, body=body or None, headers=headers)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    def _cut_request(self, body: bytes) -> None:
        with socket.create_connection(
            (self.server.upstream_host, self.server.upstream_port), timeout=10
        ) as sock:
            head = [f"{self.command} {self.path} HTTP/1.1", f"Host: {self.server.upstream_host}"]
            head += [f"{k}: {v}" for k, v in self.headers.items() if k.lower() not in ("host", "connection")]
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body[: len(body) // 2])
            time.sleep(0.05)

    def _handle(self) -> None:
        body = self._body()
        action = self.server.next_action(self.command, self.path)
        self.server.log.append((self.command, self.path.split("?")[0], action))
        if action == "drop":
            return self._abort()
        if action == "503":
            payload = b'{"code": "unavailable", "status": 503, "message": "proxy says no", "errors": {}}'
            self.send_response(503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return None
        if action.startswith("delay:"):
            time.sleep(float(action.split(":", 1)[1]))
        if action == "cut_request":
            self._cut_request(body)
            return self._abort()
        try:
            status, headers, payload = self._forward(body)
        except OSError:
            return self._abort()
        if action == "cut_reply":
            return self._abort()
        self.send_response(status)
        for key, value in headers:
            if key.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        return None

    do_GET = _handle  # noqa: N815
    do_POST = _handle  # noqa: N815


class FaultProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.plan: collections.deque[str] = collections.deque()
        self.default = "pass"
        self.random_faults: float = 0.0
        self.rng = random.Random(1234)
        self.log: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()

    def set_upstream(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80

    def next_action(self, method: str, path: str) -> str:
        with self._lock:
            if self.plan:
                return self.plan.popleft()
            if self.random_faults and self.rng.random() < self.random_faults:
                return self.rng.choice(["drop", "503", "delay:0.3", "cut_reply", "cut_request"])
            return self.default

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.server = FaultProxyServer(upstream)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxyServer:
        self.thread.start()
        return self.server

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
