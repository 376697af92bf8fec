"""Head office killed (SIGKILL) in the middle of a checkout, then started again: the saga ends,
once, with stock and the payment ledger agreeing. Real ``comptoir head-office serve`` processes."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import select

from head_office.models import Order, Saga, SagaStep
from tests.support import free_port
from tests.sync.processes import Service, base_env

from .conftest import card, ledger_rows, levels

pytestmark = pytest.mark.slow


def _serve(pg_url, tmp_path, name, workers=1, **extra):
    env = base_env(
        COMPTOIR_DATABASE_URL=pg_url,
        COMPTOIR_SECRET_KEY="crash-test-key",
        COMPTOIR_SAGA_RECOVERY_INTERVAL_S="0.5",
        **extra,
    )
    args = ["head-office", "serve", "--workers", str(workers)]
    return Service(args, free_port(), env, tmp_path / f"{name}.log").start()


def _wait_for_end(db_session, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db_session.expire_all()
        saga = db_session.scalar(select(Saga))
        if saga is not None and saga.state != "running":
            return saga
        db_session.rollback()
        time.sleep(0.2)
    raise AssertionError("the saga did not end after the restart")


@pytest.mark.parametrize(
    ("point", "captured_before_restart"),
    [("after_reserve", []), ("after_payment", [("capture", 2300)])],
)
def test_head_office_killed_mid_checkout_finishes_the_saga_once_after_restart(
    pg_url, tmp_path, db_session, stocked, point, captured_before_restart
):
    product = stocked(on_hand=5, price_cents=1000)
    crashing = _serve(pg_url, tmp_path, "crashing", COMPTOIR_TEST_CRASH_AT=point)
    try:
        url = crashing.url
        requests.post(
            f"{url}/api/v1/shop/customers",
            json={"email": "crash@example.com", "password": "secret-pw-1", "name": "C"},
            timeout=10,
        ).raise_for_status()
        token = requests.post(
            f"{url}/api/v1/session", json={"username": "crash@example.com", "password": "secret-pw-1"}, timeout=10
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        requests.put(
            f"{url}/api/v1/shop/cart/lines/{product.sku}", json={"qty": 2}, headers=headers, timeout=10
        ).raise_for_status()
        with pytest.raises(requests.ConnectionError):
            requests.post(
                f"{url}/api/v1/shop/checkout",
                json={"card": card()},
                headers={**headers, "Idempotency-Key": "crash-1"},
                timeout=30,
            )
        assert crashing.process.wait(10) == -9  # SIGKILL
    finally:
        crashing.stop()

    saga = db_session.scalar(select(Saga))
    assert saga.state == "running"
    assert levels(db_session, product) == {"on_hand": 5, "reserved": 2}
    assert ledger_rows(db_session) == captured_before_restart

    # Head office comes back as three processes at once (2 workers + 1); all look for interrupted sagas.
    first = _serve(pg_url, tmp_path, "first", workers=2)
    second = _serve(pg_url, tmp_path, "second")
    try:
        saga = _wait_for_end(db_session)
        assert saga.state == "completed"
        order = db_session.scalar(select(Order))
        assert order.status == "confirmed"
        assert levels(db_session, product) == {"on_hand": 5, "reserved": 2}
        assert ledger_rows(db_session) == [("capture", 2300)]
        steps = dict(db_session.execute(select(SagaStep.name, SagaStep.status)).all())
        assert steps == dict.fromkeys(("verify_stock", "reserve_stock", "take_payment", "confirm_order"), "done")
        # The customer retries with the same key: the same order, nothing done twice.
        token = requests.post(
            f"{second.url}/api/v1/session",
            json={"username": "crash@example.com", "password": "secret-pw-1"},
            timeout=10,
        ).json()["token"]
        again = requests.post(
            f"{second.url}/api/v1/shop/checkout",
            json={"card": card()},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "crash-1"},
            timeout=30,
        )
        assert again.status_code == 201
        assert again.json()["order_id"] == order.id
        assert ledger_rows(db_session) == [("capture", 2300)]
    finally:
        first.stop()
        second.stop()
