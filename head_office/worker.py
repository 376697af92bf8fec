"""A head-office serving process: the app built and served by waitress, in the foreground
(``comptoir head-office serve --workers 1``) or as one of the supervised workers sharing a
socket (``python -m head_office.worker --fd N``, started by :mod:`head_office.serving`)."""

from __future__ import annotations

import argparse
import socket
from typing import Any

from waitress import serve
from waitress.server import create_server

from common import logs

from .app import create_app
from .serving import exit_with_parent, stop_on_sigterm, waitress_options
from .shop.runtime import start_recovery


def serve_in_process(app: Any, host: str, port: int, threads: int) -> None:
    """One process: waitress in the foreground; SIGTERM stops it like Ctrl-C."""
    stop_on_sigterm()
    start_background_jobs(app)
    serve(app, host=host, port=port, **waitress_options(threads))


def start_background_jobs(app: Any) -> None:
    """Jobs every serving process runs beside its requests."""
    start_recovery(app)  # interrupted checkout sagas: resumed or compensated, now and every few seconds


def worker_main(argv: list[str] | None = None) -> None:
    """One worker: build the app, serve the inherited socket until SIGTERM."""
    parser = argparse.ArgumentParser(prog="head_office.worker")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--parent", type=int, default=0)
    args = parser.parse_args(argv)

    logs.configure("head_office")
    stop_on_sigterm()
    if args.parent:
        exit_with_parent(args.parent)
    sock = socket.socket(fileno=args.fd)
    app = create_app()
    start_background_jobs(app)
    server = create_server(app, sockets=[sock], **waitress_options(args.threads))
    try:
        server.run()
    finally:
        server.close()
        engine = app.extensions.get("comptoir_engine")
        if engine is not None:
            engine.dispose()


if __name__ == "__main__":
    worker_main()
