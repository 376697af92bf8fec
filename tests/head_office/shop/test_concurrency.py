"""Checkouts racing for the last units, double submits, and two runners recovering one saga."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from head_office.models import Order, Saga, SagaStep
from head_office.shop import orders
from head_office.shop.saga import SagaRunner

from .conftest import card, ledger_rows, levels


def _parallel(count, work):
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        barrier.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_twenty_checkouts_for_the_last_five_units(app, client, db_session, customer, stocked):
    product = stocked(on_hand=5, price_cents=1000)
    customers = [customer() for _ in range(20)]
    for headers in customers:
        client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 1}, headers=headers)

    def buy(index):
        with app.test_client() as own:
            response = own.post(
                "/api/v1/shop/checkout",
                json={"card": card()},
                headers={**customers[index], "Idempotency-Key": f"race-{index}"},
            )
            return response.status_code, response.json

    results = _parallel(20, buy)
    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == 5, results
    assert statuses.count(409) == 15
    assert all(body["code"] == "insufficient_stock" for status, body in results if status == 409)
    confirmed = db_session.scalar(select(func.count()).select_from(Order).where(Order.status == "confirmed"))
    assert confirmed == 5
    assert (
        db_session.scalar(
            select(func.count()).select_from(Order).where(Order.status.not_in(("confirmed", "cancelled")))
        )
        == 0
    )
    assert levels(db_session, product) == {"on_hand": 5, "reserved": 5}
    assert ledger_rows(db_session) == [("capture", 1150)] * 5


def test_a_double_submit_gives_one_order(app, db_session, customer, stocked, client):
    product = stocked(on_hand=5)
    headers = customer()
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 2}, headers=headers)

    def submit(_index):
        with app.test_client() as own:
            response = own.post(
                "/api/v1/shop/checkout",
                json={"card": card()},
                headers={**headers, "Idempotency-Key": "one-click"},
            )
            return response.status_code, response.json

    results = _parallel(2, submit)
    assert [status for status, _ in results] == [201, 201], results
    assert results[0][1] == results[1][1]
    assert db_session.scalar(select(func.count()).select_from(Order)) == 1
    assert len(ledger_rows(db_session)) == 1
    assert levels(db_session, product) == {"on_hand": 5, "reserved": 2}


class Interrupted(BaseException):
    """Stands for the process dying at a step boundary (nothing after it runs)."""


def interrupted_after_reserve(app, client, headers):
    """A checkout whose process dies once its stock is reserved: its saga is left running."""
    runner = app.extensions["comptoir_sagas"]
    runner._crash_point = lambda point: (
        (_ for _ in ()).throw(Interrupted(point)) if point == "after_reserve" else None
    )
    with pytest.raises(Interrupted):
        client.post(
            "/api/v1/shop/checkout", json={"card": card()}, headers={**headers, "Idempotency-Key": "k"}
        )
    return runner


@pytest.mark.parametrize("point", ["after_reserve", "after_payment"])
def test_two_runners_recovering_one_interrupted_saga_give_one_outcome(
    app, client, db_session, customer, stocked, point
):
    product = stocked(on_hand=5, price_cents=1000)
    headers = customer()
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 2}, headers=headers)
    runner = app.extensions["comptoir_sagas"]
    runner.settings.crash_at = point

    def die(_point, _runner=runner):
        if _point == _runner.settings.crash_at:
            raise Interrupted(_point)

    runner._crash_point = die
    with pytest.raises(Interrupted):
        client.post(
            "/api/v1/shop/checkout", json={"card": card()}, headers={**headers, "Idempotency-Key": "k"}
        )
    saga = db_session.scalar(select(Saga))
    assert saga.state == "running"
    engine = app.extensions["comptoir_engine"]
    sessions = app.extensions["comptoir_sessions"]
    provider = app.extensions["comptoir_payments"]
    runners = [SagaRunner(engine, sessions, provider) for _ in range(2)]
    outcomes = _parallel(2, lambda i: runners[i].recover())
    assert sorted(state for found in outcomes for _, state in found) == ["completed"]
    db_session.expire_all()
    order = db_session.scalar(select(Order))
    assert order.status == "confirmed"
    assert levels(db_session, product) == {"on_hand": 5, "reserved": 2}
    assert ledger_rows(db_session) == [("capture", 2300)]
    steps = dict(db_session.execute(select(SagaStep.name, SagaStep.status)).all())
    assert set(steps.values()) == {"done"}
    assert db_session.scalar(select(Saga.runs)) == 2


def test_a_runner_that_lost_its_saga_cannot_apply_a_step(app, client, db_session, customer, stocked):
    product = stocked(on_hand=5)
    headers = customer()
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 1}, headers=headers)
    runner = interrupted_after_reserve(app, client, headers)
    saga_id = db_session.scalar(select(Saga.id))
    engine = app.extensions["comptoir_engine"]
    other = SagaRunner(engine, app.extensions["comptoir_sessions"], app.extensions["comptoir_payments"])
    assert other.drive(saga_id) == "completed"
    # The first runner comes back to life: it is no longer the owner and applies nothing.
    from head_office.shop.saga import LostSaga

    with pytest.raises(LostSaga):
        runner.take_payment(saga_id)
    assert len(ledger_rows(db_session)) == 1


class EndsTheSagaAfterItsFirstRead:
    """A session whose first read is followed, before the next, by another runner ending the
    saga: the interleaving a double submit's second reply can meet."""

    def __init__(self, session, end):
        self._session = session
        self._end = end

    def __getattr__(self, name):
        attribute = getattr(self._session, name)
        if not callable(attribute) or self._end is None:
            return attribute

        def call(*args, **kwargs):
            result = attribute(*args, **kwargs)
            end, self._end = self._end, None
            if end is not None:
                end()
            return result

        return call


def test_a_saga_ending_while_its_answer_is_read_answers_its_outcome(app, client, db_session, customer, stocked):
    """The answer reads the saga, then the order: read the other way round, a saga ending in
    between looked ended while its order still looked pending (a 202 for a confirmed order)."""
    product = stocked(on_hand=5, price_cents=1000)
    headers = customer()
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 2}, headers=headers)
    runner = interrupted_after_reserve(app, client, headers)
    runner._crash_point = lambda point: None
    saga_id = db_session.scalar(select(Saga.id))
    order = db_session.scalar(select(Order))
    assert order.status == "pending"
    other = SagaRunner(app.extensions["comptoir_engine"], app.extensions["comptoir_sessions"],
                       app.extensions["comptoir_payments"])

    status, body = orders.answer(EndsTheSagaAfterItsFirstRead(db_session, lambda: other.drive(saga_id)),
                                 runner, order)

    assert (status, body["status"]) == (201, "confirmed")
    assert ledger_rows(db_session) == [("capture", 2300)]


@pytest.mark.parametrize("shape", ["emptied", "short"])
def test_the_second_half_of_a_double_submit_answers_with_the_order_the_first_placed(
    app, client, db_session, customer, stocked, monkeypatch, shape
):
    """The second submit reads that no order has its key yet, then the cart after the first
    confirmed: the cart looks empty (the first emptied it) or short (by the first's own
    reservation). It answers with the first's order, not a refusal."""
    product = stocked(on_hand=2 if shape == "short" else 5, price_cents=1000)
    headers = customer()
    client.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 2}, headers=headers)
    real_cart = orders.cart
    first = []

    def cart_read_after_the_first_half(reader, customer_id, table):
        monkeypatch.setattr(orders, "cart", real_cart)
        thread = threading.Thread(target=lambda: first.append(submit()))
        thread.start()
        thread.join(60)
        if shape == "short":  # the cart filled again meanwhile (another tab): now short
            with app.test_client() as own:
                own.put(f"/api/v1/shop/cart/lines/{product.sku}", json={"qty": 2}, headers=headers)
        return real_cart(reader, customer_id, table)

    def submit():
        with app.test_client() as own:
            response = own.post("/api/v1/shop/checkout", json={"card": card()},
                                headers={**headers, "Idempotency-Key": "one-click"})
            return response.status_code, response.json

    monkeypatch.setattr(orders, "cart", cart_read_after_the_first_half)
    second = submit()

    assert first[0][0] == 201, first
    assert second == first[0]
    assert db_session.scalar(select(func.count()).select_from(Order)) == 1
    assert ledger_rows(db_session) == [("capture", 2300)]
