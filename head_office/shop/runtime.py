"""The shop's per-process parts: the payment provider, the saga runner and the recovery job."""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from common.taxes import TaxTable

from ..db import make_engine
from .payments import TestModeProvider
from .saga import SagaRunner, SagaSettings

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    engine = app.extensions["comptoir_engine"]
    # The provider stands for a remote service: its own small pool, so a checkout waiting for
    # it never holds the connection it would need (no pool starvation under load).
    # Its writes commit without waiting for the WAL flush (synchronous_commit=off): each one
    # (a card stored, a capture, a void, a refund) is followed by a saga commit that depends on
    # it, and that commit, synchronous, flushes the WAL up to itself, the provider's write
    # included. A database crash in between loses both or neither: the saga then finds no
    # capture under its key and asks again. Never a capture the saga relied on and lost.
    provider_engine = make_engine(
        app.config["DATABASE_URL"], pool_size=4, max_overflow=16,
        connect_args={"options": "-c synchronous_commit=off"},
    )
    app.extensions["comptoir_payments_engine"] = provider_engine
    provider = TestModeProvider(provider_engine)
    provider.lookups_down = bool(app.config.get("PAYMENTS_TEST_LOOKUPS_DOWN"))
    app.extensions["comptoir_payments"] = provider
    app.extensions["comptoir_sagas"] = SagaRunner(
        engine, app.extensions["comptoir_sessions"], provider, SagaSettings.from_config(app.config)
    )
    app.extensions["comptoir_taxes"] = TaxTable.from_config(app.config.get("TAX_RATES"))


def runner() -> SagaRunner:
    return current_app.extensions["comptoir_sagas"]


def tax_table() -> TaxTable:
    return current_app.extensions["comptoir_taxes"]


def start_recovery(app: Flask, interval_s: float | None = None) -> threading.Thread:
    """Resume or compensate interrupted sagas now, then every ``interval_s`` (serve starts it).

    Several processes may run it at once: a saga's advisory lock lets one of them drive it.
    """
    saga_runner: SagaRunner = app.extensions["comptoir_sagas"]
    interval = float(interval_s if interval_s is not None else app.config.get("SAGA_RECOVERY_INTERVAL_S", 5))
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                for saga_id, state in saga_runner.recover():
                    log.info("saga %s recovered: %s", saga_id, state)
            except Exception:  # noqa: BLE001 - the database may be down: try again next round
                log.warning("saga recovery round failed", exc_info=True)
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="saga-recovery", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread
