"""The checkout saga: verify stock, reserve it, take payment, confirm; or undo in reverse.

State lives in PostgreSQL (``sagas``, ``saga_steps``). One runner at a time
drives a saga: it holds a session-level advisory lock on it (PostgreSQL drops
the lock the moment the runner's process dies, so whichever process looks next
can take over at once) and writes its ``owner`` token on the saga row. Every
step runs in a transaction that locks the saga row and checks that token: a
runner that lost the saga can never apply a step.

Steps inside the database (verify, reserve, confirm, release, cancel) commit
their effect and their ``done`` status together, so each happens exactly once.
The payment is outside: it is sent under an idempotency key made of the saga
id (``saga-<id>-capture``); when its answer is lost (a timeout, a crash), the
saga asks the provider what happened under that key before doing anything
else. A compensation first *voids* the key (a late capture with it is then
refused) and refunds only a capture that really happened, under its own key
(``saga-<id>-refund``): never twice, never a capture left on a cancelled order.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import Connection, Engine, delete, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from common.clock import utcnow
from common.i18n import _

from ..changes import CHANGE_LOG_LOCK
from ..models import CartLine, CentralStock, Order, OrderLine, Product, Saga, SagaStep
from ..stock.operations import change_central, ledger
from . import payments
from .metrics import CHECKOUTS, STEP_DURATION

log = logging.getLogger(__name__)

FORWARD = ("verify_stock", "reserve_stock", "take_payment", "confirm_order")
COMPENSATION = ("refund_payment", "release_stock", "cancel_order")
# Advisory lock keys of sagas: this base plus the saga id (far from every other lock key).
LOCK_BASE = 0x53414741 << 24  # "SAGA"


class LostSaga(Exception):
    """Another runner owns this saga now (or it has ended): stop driving it."""


class Parked(Exception):
    """The step cannot finish now (no answer from the provider): try again later."""


@dataclass
class SagaSettings:
    retry_s: float = 5.0
    max_attempts: int = 20
    crash_at: str | None = None  # test hook: SIGKILL this process at that point

    @classmethod
    def from_config(cls, config: Any) -> SagaSettings:
        return cls(
            retry_s=float(config.get("SAGA_RETRY_S", 5.0)),
            max_attempts=int(config.get("SAGA_MAX_ATTEMPTS", 20)),
            crash_at=config.get("TEST_CRASH_AT") or None,
        )


def capture_key(saga_id: int) -> str:
    return f"saga-{saga_id}-capture"


def refund_key(saga_id: int) -> str:
    return f"saga-{saga_id}-refund"


class SagaRunner:
    def __init__(
        self,
        engine: Engine,
        sessions: sessionmaker[Session],
        provider: payments.PaymentProvider,
        settings: SagaSettings | None = None,
    ) -> None:
        self.engine = engine
        self.sessions = sessions
        self.provider = provider
        self.settings = settings or SagaSettings()
        self.owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._local = threading.local()
        # Each step's name (as the saga's rows record it) and the method that runs it.
        self.steps: dict[str, Callable[[int], None]] = {
            "verify_stock": self.verify_stock,
            "reserve_stock": self.reserve_stock,
            "take_payment": self.take_payment,
            "confirm_order": self.confirm_order,
            "refund_payment": self.refund_payment,
            "release_stock": self.release_stock,
            "cancel_order": self.cancel_order,
        }

    def _session(self) -> Session:
        """A session on the connection that holds the saga's lock (one connection per run)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            return self.sessions()
        return Session(bind=conn, expire_on_commit=False)

    # Locking ----------------------------------------------------------------------------------

    def try_lock(self, saga_id: int) -> Connection | None:
        """The saga's advisory lock on a connection of its own, or None when someone holds it."""
        conn = self.engine.connect()
        try:
            with autocommit(conn) as raw:
                row = raw.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_BASE + saga_id,)).fetchone()
        except BaseException:
            conn.close()
            raise
        if not row or not row[0]:
            conn.close()
            return None
        return conn

    def unlock(self, conn: Connection, saga_id: int) -> None:
        try:
            if conn.in_transaction():
                conn.rollback()
            with autocommit(conn) as raw:
                raw.execute("SELECT pg_advisory_unlock(%s)", (LOCK_BASE + saga_id,))
        except Exception:  # noqa: BLE001 - a broken connection: PostgreSQL already dropped the lock
            log.warning("saga %s: could not release its lock cleanly", saga_id, exc_info=True)
            conn.invalidate()
        finally:
            conn.close()

    # Driving ----------------------------------------------------------------------------------

    def start(self, build: Any) -> int:
        """Create a saga with ``build(session, saga_id, owner)`` (which returns it, flushed) under
        its lock, and drive it.

        The saga's id comes from its sequence and its lock is taken in the same
        transaction that creates it: no recovery job can pick it up before its first step.
        """
        conn = self.engine.connect()
        saga_id = 0
        try:
            with Session(bind=conn, expire_on_commit=False) as session:
                saga_id = int(
                    session.execute(
                        text(
                            "SELECT s.id, pg_advisory_lock(:base + s.id) "
                            "FROM (SELECT nextval(pg_get_serial_sequence('sagas', 'id')) AS id) AS s"
                        ),
                        {"base": LOCK_BASE},
                    ).scalar_one()
                )
                saga = build(session, saga_id, self.owner)
                started = time.perf_counter()
                charge = self._first_stock(session, saga)
                STEP_DURATION.labels("reserve_stock").observe(time.perf_counter() - started)
                session.commit()
        except BaseException:
            if saga_id:
                self.unlock(conn, saga_id)
            else:
                conn.close()
            raise
        try:
            self._crash_point("after_reserve")
        except BaseException:
            self.unlock(conn, saga_id)
            raise
        self.drive(saga_id, held=conn, created=True, charge=charge)
        return saga_id

    def start_new(self, new: NewCheckout) -> tuple[int, int, str | None] | None:
        """The short road of a new checkout: ``(saga id, order id, state)`` once driven, or None
        when it cannot be taken (stock short, or an order of this customer and key, or a
        checkout of theirs still pending): the caller then takes ``start``, which records why.

        One transaction (plain statements, no ORM) creates the order, its lines, the saga (under
        its lock, taken before) and its steps, reserves each line with the conditional update
        (with its stock ledger row and the change log stores pull) and marks the payment as
        sent; then the provider is called, and one statement records the capture, confirms the
        order, empties those cart lines and ends the saga, if this runner still owns it.
        """
        conn = self.engine.connect()
        saga_id = 0
        handed = False
        try:
            started = time.perf_counter()
            with autocommit(conn) as raw:
                try:
                    saga_id, order_id = self._create(raw, new)
                except _Short as short:
                    saga_id = short.saga_id
                    return None
                except psycopg.errors.UniqueViolation:
                    return None
            STEP_DURATION.labels("reserve_stock").observe(time.perf_counter() - started)
            self._crash_point("after_reserve")
            handed = True
            state = self.drive(
                saga_id, held=conn, created=True, charge=(new.total_cents, order_id, new.token)
            )
            return saga_id, order_id, state
        finally:
            if not handed:
                if saga_id:
                    self.unlock(conn, saga_id)
                else:
                    # The saga's lock may have been taken before the failure: the connection goes.
                    conn.invalidate()
                    conn.close()

    def _create(self, raw: psycopg.Connection, new: NewCheckout) -> tuple[int, int]:
        """The short road's transaction in two round trips (psycopg's pipeline): BEGIN, the
        saga's id and lock, the order with its lines and steps, each line's reservation and the
        change log go together; COMMIT goes once every line is known to be reserved."""
        lines = [
            {**{k: line[k] for k in LINE_FIELDS}, "line_no": number}
            for number, line in enumerate(new.lines, start=1)
        ]
        ordered = sorted(lines, key=lambda item: item["product_id"])  # one lock order for everyone
        with raw.pipeline() as pipeline, raw.transaction():
            created = raw.execute(
                CREATE,
                {
                    "base": LOCK_BASE,
                    "customer_id": new.customer_id,
                    "key": new.key,
                    "subtotal": new.subtotal_cents,
                    "taxes": Jsonb(new.taxes),
                    "tax": new.tax_cents,
                    "total": new.total_cents,
                    "last4": new.card_last4,
                    "lines": Jsonb(lines),
                    "token": new.token,
                    "owner": self.owner,
                },
            )
            reserved = [
                raw.execute(RESERVE, {"pid": line["product_id"], "qty": line["qty"]}) for line in ordered
            ]
            # Last, so the change log's lock is held for as short a time as possible.
            raw.execute(CHANGES, {"lock": CHANGE_LOG_LOCK, "pids": [line["product_id"] for line in ordered]})
            pipeline.sync()
            row = created.fetchone()
            assert row is not None
            saga_id, order_id = int(row[0]), int(row[1])
            if any(cursor.fetchone() is None for cursor in reserved):
                raise _Short(saga_id)
        return saga_id, order_id

    def drive(
        self,
        saga_id: int,
        held: Connection | None = None,
        created: bool = False,
        charge: tuple[int, int, str] | None = None,
        recovering: bool = False,
    ) -> str | None:
        """Run the saga until it ends or must wait; its state then, None if another runner has it.

        ``created``: this runner just made the saga (it owns it already); ``charge``: its stock is
        reserved, so pay ``(amount, order id, card token)`` and confirm straight away;
        ``recovering``: a saga another runner ended between the listing and the lock is theirs
        (None), not an outcome of this recovery.
        """
        conn = held or self.try_lock(saga_id)
        if conn is None:
            return None
        self._local.conn = conn
        self._local.unlocked = False
        try:
            self._local.ended = None
            if created:
                if charge is not None:
                    ended = self._run_step(
                        saga_id, "take_payment", lambda sid: self._pay(sid, *charge, unknown=False)
                    )
                    if ended != "":
                        return ended
                    if self._local.ended is not None:
                        return self._local.ended
            else:
                with self._session() as session:
                    claimed = session.execute(
                        update(Saga)
                        .where(Saga.id == saga_id, Saga.state == "running")
                        .values(owner=self.owner, runs=Saga.runs + 1, updated_at=utcnow())
                        .returning(Saga.id)
                    ).first()
                    session.commit()
                    if claimed is None:
                        if recovering:
                            return None
                        return session.scalar(select(Saga.state).where(Saga.id == saga_id))
            while True:
                try:
                    name = self._next_step(saga_id)
                except LostSaga:
                    return None
                if name is None:
                    break
                ended = self._run_step(saga_id, name, self.steps[name])
                if ended != "":
                    return ended
            with self._session() as session:
                return session.scalar(select(Saga.state).where(Saga.id == saga_id))
        finally:
            self._local.conn = None
            if self._local.unlocked:
                conn.close()
            else:
                self.unlock(conn, saga_id)

    def _run_step(self, saga_id: int, name: str, step: Any) -> str | None:
        """Run one step; "" to go on, else what ``drive`` answers ("running" to wait, None if lost)."""
        started = time.perf_counter()
        try:
            step(saga_id)
        except Parked:
            return "running"
        except LostSaga:
            return None
        except Exception as exc:  # noqa: BLE001 - a step's bug or a lost database: retry later
            log.exception("saga %s: step %s failed unexpectedly", saga_id, name)
            self._park(saga_id, name, f"{exc.__class__.__name__}: retrying later")
            return "running"
        finally:
            STEP_DURATION.labels(name).observe(time.perf_counter() - started)
        return ""

    def recover(self, limit: int = 50) -> list[tuple[int, str]]:
        """Drive every running saga that is due and that no live runner holds."""
        with self.sessions() as session:
            ids = list(
                session.scalars(
                    select(Saga.id)
                    .where(Saga.state == "running", Saga.next_attempt_at <= utcnow())
                    .order_by(Saga.next_attempt_at, Saga.id)
                    .limit(limit)
                )
            )
        done = []
        for saga_id in ids:
            state = self.drive(saga_id, recovering=True)
            if state is not None:
                done.append((saga_id, state))
        return done

    def _next_step(self, saga_id: int) -> str | None:
        with self._session() as session:
            saga = session.execute(select(Saga).where(Saga.id == saga_id).with_for_update()).scalar_one()
            if saga.state != "running":
                return None
            if saga.owner != self.owner:
                raise LostSaga(saga_id)
            steps = {s.name: s for s in session.scalars(select(SagaStep).where(SagaStep.saga_id == saga_id))}
            if not saga.compensating:
                for name in FORWARD:
                    if steps[name].status != "done":
                        return name
                return None
            wanted = ["cancel_order"]
            if steps["reserve_stock"].status == "done":
                wanted.insert(0, "release_stock")
            if steps["take_payment"].status in ("running", "done"):
                wanted.insert(0, "refund_payment")
            for name in wanted:
                if name not in steps:
                    position = len(FORWARD) + 1 + COMPENSATION.index(name)
                    session.add(SagaStep(saga_id=saga_id, name=name, position=position))
                    session.flush()
                    steps[name] = session.get(SagaStep, (saga_id, name))  # type: ignore[assignment]
            session.commit()
            for name in wanted:
                if steps[name].status not in ("done", "skipped"):
                    return name
            return None

    # Helpers ------------------------------------------------------------------------------------

    def _fenced(self, session: Session, saga_id: int) -> Saga:
        saga = session.execute(select(Saga).where(Saga.id == saga_id).with_for_update()).scalar_one()
        if saga.owner != self.owner or saga.state != "running":
            raise LostSaga(saga_id)
        return saga

    def _step(self, session: Session, saga_id: int, name: str) -> SagaStep:
        step = session.get(SagaStep, (saga_id, name))
        assert step is not None
        step.attempts += 1
        if step.started_at is None:
            step.started_at = utcnow()
        return step

    def _finish(
        self, step: SagaStep, status: str, error: str | None = None, result: dict[str, Any] | None = None
    ) -> None:
        step.status = status
        step.ended_at = utcnow()
        step.error = error
        if result is not None:
            step.result = result

    def _compensate(self, saga: Saga, reason: dict[str, Any]) -> None:
        saga.compensating = True
        saga.reason = reason
        saga.updated_at = utcnow()

    def _park(self, saga_id: int, name: str, error: str) -> None:
        try:
            with self._session() as session:
                saga = self._fenced(session, saga_id)
                step = session.get(SagaStep, (saga_id, name))
                if step is not None:
                    step.error = error
                    if name in COMPENSATION and step.attempts >= self.settings.max_attempts:
                        step.status = "failed"
                        step.ended_at = utcnow()
                        saga.state = "failed"
                        saga.ended_at = utcnow()
                        CHECKOUTS.labels("failed").inc()
                saga.next_attempt_at = utcnow() + timedelta(seconds=self.settings.retry_s)
                saga.updated_at = utcnow()
                session.commit()
        except LostSaga:
            pass
        except Exception:  # noqa: BLE001 - the database is unreachable: recovery will retry
            log.warning("saga %s: could not record the wait", saga_id, exc_info=True)

    def _crash_point(self, point: str) -> None:
        if self.settings.crash_at == point:
            log.warning("test hook: killing this process at %s", point)
            os.kill(os.getpid(), signal.SIGKILL)

    @staticmethod
    def _lines(session: Session, order_id: int) -> list[OrderLine]:
        return list(
            session.scalars(
                select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.product_id)
            )
        )

    # Forward steps ------------------------------------------------------------------------------

    def verify_stock(self, saga_id: int) -> None:
        with self._session() as session:
            saga = self._fenced(session, saga_id)
            step = self._step(session, saga_id, "verify_stock")
            short = _short_lines(session, self._lines(session, saga.order_id))
            if short:
                self._finish(step, "failed", "Not enough stock.", {"short": short})
                self._compensate(saga, insufficient_reason(short))
            else:
                self._finish(step, "done")
            session.commit()

    def _reserve(self, session: Session, order_id: int) -> dict[str, list[str]]:
        """Reserve every line (conditional updates, in product order); the short lines if any."""
        for line in self._lines(session, order_id):
            product = session.get(Product, line.product_id)
            assert product is not None
            after = change_central(
                session,
                product,
                reserved=line.qty,
                condition=(CentralStock.on_hand - CentralStock.reserved >= line.qty),
            )
            if after is None:
                return _short_lines(session, self._lines(session, order_id)) or {
                    line.sku: ["Not enough stock."]
                }
            ledger(
                session,
                product,
                "reserved",
                "allocation",
                line.qty,
                ref_type="order",
                ref_id=str(order_id),
                actor="shop",
                note=f"online order {order_id}",
            )
        return {}

    def _stock_failed(self, session: Session, saga_id: int, name: str, short: dict[str, list[str]]) -> None:
        session.rollback()
        saga = self._fenced(session, saga_id)
        step = self._step(session, saga_id, name)
        self._finish(step, "failed", "Not enough stock.", {"short": short})
        self._compensate(saga, insufficient_reason(short))
        session.commit()

    def _first_stock(self, session: Session, saga: Saga) -> tuple[int, int, str] | None:
        """A new saga, in its creation transaction: verify and reserve stock (the conditional
        update is the check) and mark the payment as sent. What to charge, or None when stock
        is short (the reservation is undone by its savepoint and the saga set to compensate)."""
        steps = {st.name: st for st in session.scalars(select(SagaStep).where(SagaStep.saga_id == saga.id))}
        now = utcnow()
        savepoint = session.begin_nested()
        short = self._reserve(session, saga.order_id)
        if short:
            savepoint.rollback()
            steps["verify_stock"].attempts += 1
            steps["verify_stock"].started_at = now
            self._finish(steps["verify_stock"], "failed", "Not enough stock.", {"short": short})
            self._compensate(saga, insufficient_reason(short))
            return None
        savepoint.commit()
        for name in ("verify_stock", "reserve_stock"):
            steps[name].attempts += 1
            steps[name].started_at = steps[name].ended_at = now
            steps[name].status = "done"
        payment = steps["take_payment"]
        payment.attempts += 1
        payment.started_at = now
        payment.status = "running"
        order = session.get(Order, saga.order_id)
        assert order is not None
        return order.total_cents, order.id, saga.payment_token

    def reserve_stock(self, saga_id: int) -> None:
        with self._session() as session:
            saga = self._fenced(session, saga_id)
            step = self._step(session, saga_id, "reserve_stock")
            short = self._reserve(session, saga.order_id)
            if short:
                self._stock_failed(session, saga_id, "reserve_stock", short)
                return
            self._finish(step, "done")
            session.commit()
        self._crash_point("after_reserve")

    def take_payment(self, saga_id: int) -> None:
        with self._session() as session:
            saga = self._fenced(session, saga_id)
            step = self._step(session, saga_id, "take_payment")
            unknown = step.status == "running"  # an earlier run sent it and never heard back
            step.status = "running"
            order = session.get(Order, saga.order_id)
            assert order is not None
            amount, order_id, token = order.total_cents, order.id, saga.payment_token
            session.commit()
        self._pay(saga_id, amount, order_id, token, unknown)

    def _pay(self, saga_id: int, amount: int, order_id: int, token: str, unknown: bool) -> None:
        """Capture under the saga's key (asking first what happened if an earlier try got no
        answer); on success record it and confirm the order in one transaction."""
        key = capture_key(saga_id)
        try:
            attempt = None
            if unknown:
                attempt = self._ask(saga_id, key)
            if attempt is None:
                try:
                    attempt = self.provider.capture(key, token, amount, order_id)
                except payments.NoAnswer:
                    self._note(saga_id, "take_payment", "No answer from the provider: asking it by key.")
                    attempt = self._ask(saga_id, key)
                    if attempt is None:
                        attempt = self.provider.capture(key, token, amount, order_id)
            if not attempt.succeeded:
                raise payments.Declined(attempt.outcome, "The card was declined.")
        except payments.Declined as exc:
            self._payment_failed(saga_id, "payment_declined", exc)
            return
        except payments.ProcessingError as exc:
            self._payment_failed(saga_id, "payment_failed", exc)
            return
        except payments.NoAnswer as exc:
            self._park(saga_id, "take_payment", f"No answer from the provider: {exc}")
            raise Parked(saga_id) from exc
        self._crash_point("after_payment")
        result = {"capture_key": key, "amount_cents": attempt.amount_cents}
        conn = getattr(self._local, "conn", None)
        if conn is not None and not conn.in_transaction():
            # One statement, fenced by the owner token under the saga row's lock and atomic alone;
            # the saga's lock is let go in the same round trip (nothing follows for this runner).
            confirming = time.perf_counter()
            with autocommit(conn) as raw, raw.pipeline():
                confirmed = raw.execute(
                    CONFIRM, {"saga_id": saga_id, "owner": self.owner, "result": Jsonb(result)}
                )
                raw.execute("SELECT pg_advisory_unlock(%s)", (LOCK_BASE + saga_id,))
                row = confirmed.fetchone()
            self._local.unlocked = True
            STEP_DURATION.labels("confirm_order").observe(time.perf_counter() - confirming)
            if not row or not row[0]:
                raise LostSaga(saga_id)
            self._local.ended = "completed"
        else:
            with self._session() as session:
                saga = self._fenced(session, saga_id)
                done = session.get(SagaStep, (saga_id, "take_payment"))
                assert done is not None
                self._finish(done, "done", None, result)
                self._confirm(session, saga)
                session.commit()
        CHECKOUTS.labels("confirmed").inc()

    def _ask(self, saga_id: int, key: str) -> payments.Attempt | None:
        """What the provider recorded under ``key``; parks the saga if it cannot say now."""
        try:
            return self.provider.find(key)
        except payments.NoAnswer as exc:
            self._park(
                saga_id, "take_payment", f"Payment outcome unknown; the provider does not answer: {exc}"
            )
            raise Parked(saga_id) from exc

    def _note(self, saga_id: int, name: str, error: str) -> None:
        with self._session() as session:
            self._fenced(session, saga_id)
            step = session.get(SagaStep, (saga_id, name))
            assert step is not None
            step.error = error
            session.commit()

    def _payment_failed(self, saga_id: int, code: str, exc: payments.PaymentError) -> None:
        with self._session() as session:
            saga = self._fenced(session, saga_id)
            step = session.get(SagaStep, (saga_id, "take_payment"))
            assert step is not None
            self._finish(step, "failed", f"{exc.code}: {exc.message}")
            self._compensate(saga, {"code": code, "message": exc.message, "errors": {"card": [exc.code]}})
            session.commit()

    def _confirm(self, session: Session, saga: Saga) -> None:
        step = self._step(session, saga.id, "confirm_order")
        order = session.execute(select(Order).where(Order.id == saga.order_id).with_for_update()).scalar_one()
        if order.status == "pending":
            order.status = "confirmed"
            order.confirmed_at = utcnow()
            products = [line.product_id for line in self._lines(session, order.id)]
            session.execute(
                delete(CartLine).where(
                    CartLine.customer_id == order.customer_id, CartLine.product_id.in_(products)
                )
            )
        if order.answer is None:
            order.answer = confirmed_answer(order)
        self._finish(step, "done")
        saga.state = "completed"
        saga.ended_at = utcnow()
        self._local.ended = "completed"

    def confirm_order(self, saga_id: int) -> None:
        with self._session() as session:
            saga = self._fenced(session, saga_id)
            self._confirm(session, saga)
            session.commit()
        CHECKOUTS.labels("confirmed").inc()

    # Compensations ------------------------------------------------------------------------------

    def refund_payment(self, saga_id: int) -> None:
        with self._session() as session:
            saga = self._fenced(session, saga_id)
            step = self._step(session, saga_id, "refund_payment")
            step.status = "running"
            order = session.get(Order, saga.order_id)
            assert order is not None
            amount, order_id = order.total_cents, order.id
            session.commit()
        key = capture_key(saga_id)
        refunded = 0
        try:
            attempt = self.provider.void(key, amount, order_id)
            if attempt.succeeded:
                refund = self.provider.refund(refund_key(saga_id), key, attempt.amount_cents, order_id)
                refunded = refund.amount_cents
        except payments.NoAnswer as exc:
            self._park(saga_id, "refund_payment", f"No answer from the provider: {exc}")
            raise Parked(saga_id) from exc
        except payments.PaymentError as exc:
            self._park(saga_id, "refund_payment", f"{exc.code}: {exc.message}")
            raise Parked(saga_id) from exc
        with self._session() as session:
            self._fenced(session, saga_id)
            done = session.get(SagaStep, (saga_id, "refund_payment"))
            assert done is not None
            self._finish(done, "done", None, {"refunded_cents": refunded})
            session.commit()

    def release_stock(self, saga_id: int) -> None:
        with self._session() as session:
            saga = self._fenced(session, saga_id)
            step = self._step(session, saga_id, "release_stock")
            order = session.execute(
                select(Order).where(Order.id == saga.order_id).with_for_update()
            ).scalar_one()
            if order.status == "shipped":
                raise RuntimeError(f"order {order.id} was shipped: its reservation is gone")
            for line in self._lines(session, order.id):
                product = session.get(Product, line.product_id)
                assert product is not None
                after = change_central(
                    session, product, reserved=-line.qty, condition=(CentralStock.reserved >= line.qty)
                )
                if after is None:
                    raise RuntimeError(f"reservation of {line.sku} for order {order.id} is missing")
                ledger(
                    session,
                    product,
                    "reserved",
                    "deallocation",
                    -line.qty,
                    ref_type="order",
                    ref_id=str(order.id),
                    actor="shop",
                    note=f"online order {order.id} released",
                )
            self._finish(step, "done")
            session.commit()

    def cancel_order(self, saga_id: int) -> None:
        with self._session() as session:
            saga = self._fenced(session, saga_id)
            step = self._step(session, saga_id, "cancel_order")
            order = session.execute(
                select(Order).where(Order.id == saga.order_id).with_for_update()
            ).scalar_one()
            reason = saga.reason or {"code": "cancelled", "message": "Cancelled."}
            if order.status in ("pending", "confirmed"):
                order.status = "cancelled"
                order.cancelled_at = utcnow()
                order.cancel_reason = str(reason.get("message", ""))[:1000]
            if order.answer is None:
                order.answer = failed_answer(order, reason)
            self._finish(step, "done")
            saga.state = "compensated"
            saga.ended_at = utcnow()
            session.commit()
        if reason.get("code") != "cancelled_by_staff":  # a staff cancel is not a checkout's outcome
            CHECKOUTS.labels(OUTCOMES.get(str(reason.get("code")), "cancelled")).inc()


@contextmanager
def autocommit(conn: Connection) -> Iterator[psycopg.Connection]:
    """The psycopg connection under ``conn`` in autocommit: a statement is one round trip (no
    BEGIN, no COMMIT); ``raw.transaction()`` groups several. ``conn`` must be between
    transactions; it is given back as it was."""
    if conn.in_transaction():
        raise RuntimeError("autocommit() needs a connection between transactions")
    raw: psycopg.Connection = conn.connection.driver_connection  # type: ignore[assignment]
    raw.autocommit = True
    try:
        yield raw
    finally:
        if not raw.closed and not raw.broken:
            raw.autocommit = False


class _Short(Exception):
    """A line cannot be reserved: the short road is abandoned (its transaction rolled back)."""

    def __init__(self, saga_id: int) -> None:
        super().__init__(saga_id)
        self.saga_id = saga_id


@dataclass
class NewCheckout:
    """What a new checkout records: the priced cart, the customer, the key and the card token."""

    customer_id: int
    key: str
    subtotal_cents: int
    taxes: dict[str, int]
    tax_cents: int
    total_cents: int
    card_last4: str
    token: str
    lines: list[dict[str, Any]] = field(default_factory=list)


LINE_FIELDS = ("product_id", "sku", "name", "tax_class", "qty", "unit_price_cents", "net_cents")

# The saga's id and its lock (session-level: it outlives this transaction, and PostgreSQL drops
# it if this process dies), the order, its lines, its saga and the saga's steps (verify and
# reserve done: the conditional updates that follow in the same transaction are the check; the
# payment marked as sent).
CREATE = """
WITH k AS (
  SELECT s.id, pg_advisory_lock(%(base)s + s.id) AS locked
  FROM (SELECT nextval(pg_get_serial_sequence('sagas', 'id')) AS id) AS s
), o AS (
  INSERT INTO orders (customer_id, idempotency_key, status, subtotal_cents, taxes, tax_cents,
                      total_cents, card_last4)
  VALUES (%(customer_id)s, %(key)s, 'pending', %(subtotal)s, %(taxes)s, %(tax)s, %(total)s, %(last4)s)
  RETURNING id
), l AS (
  INSERT INTO order_lines (order_id, line_no, product_id, sku, name, tax_class, qty,
                           unit_price_cents, net_cents)
  SELECT o.id, x.line_no, x.product_id, x.sku, x.name, x.tax_class, x.qty, x.unit_price_cents,
         x.net_cents
  FROM o, jsonb_to_recordset(%(lines)s) AS x(line_no int, product_id int, sku text, name text,
       tax_class text, qty int, unit_price_cents bigint, net_cents bigint)
), s AS (
  INSERT INTO sagas (id, order_id, payment_token, owner, runs)
  SELECT k.id, o.id, %(token)s, %(owner)s, 1 FROM k, o
  RETURNING id, order_id
), st AS (
  INSERT INTO saga_steps (saga_id, name, position, status, attempts, started_at, ended_at)
  SELECT s.id, v.name, v.position, v.status, v.attempts,
         CASE WHEN v.attempts > 0 THEN now() END, CASE WHEN v.status = 'done' THEN now() END
  FROM s, (VALUES ('verify_stock', 1, 'done', 1), ('reserve_stock', 2, 'done', 1),
                  ('take_payment', 3, 'running', 1), ('confirm_order', 4, 'pending', 0))
          AS v(name, position, status, attempts)
)
SELECT id, order_id FROM s
"""

# One line's reservation (never below what is available: no row when short) and its ledger row
# (for the order this session just inserted).
RESERVE = """
WITH r AS (
  UPDATE central_stock
  SET reserved = reserved + %(qty)s, version = version + 1, updated_at = now()
  WHERE product_id = %(pid)s AND on_hand - reserved >= %(qty)s
  RETURNING product_id
), m AS (
  INSERT INTO stock_movements (occurred_at, location, bucket, product_id, kind, qty, ref_type,
                               ref_id, actor, note)
  SELECT now(), 'central', 'reserved', %(pid)s, 'allocation', %(qty)s, 'order', o.id::text, 'shop',
         'online order ' || o.id
  FROM r, (SELECT currval(pg_get_serial_sequence('orders', 'id')) AS id) AS o
)
SELECT product_id FROM r
"""

# The change log entries stores pull (the reserved lines' new levels), after the change log
# writers' lock (see head_office.changes).
CHANGES = """
INSERT INTO change_log (entity, entity_key, store_id, version, payload)
SELECT 'central_stock', p.sku, NULL, c.version, jsonb_build_object(
         'sku', p.sku, 'on_hand', c.on_hand, 'reserved', c.reserved, 'in_transit', c.in_transit,
         'available', c.on_hand - c.reserved, 'version', c.version)
FROM (SELECT pg_advisory_xact_lock(%(lock)s)) AS locked, central_stock c
JOIN products p ON p.id = c.product_id
WHERE c.product_id = ANY(%(pids)s)
ORDER BY c.product_id
"""

# The capture recorded, the order confirmed (its answer kept for a retry with the same key), the
# ordered products taken out of the cart, the saga completed: all or nothing, and only while this
# runner owns the running saga (the UPDATE waits for the saga row's lock and checks again).
CONFIRM = """
WITH s AS (
  UPDATE sagas SET state = 'completed', ended_at = now(), updated_at = now()
  WHERE id = %(saga_id)s AND owner = %(owner)s AND state = 'running' AND NOT compensating
  RETURNING order_id
), was AS (
  SELECT o.id, o.customer_id, o.status FROM orders o JOIN s ON o.id = s.order_id
), p AS (
  UPDATE saga_steps SET status = 'done', ended_at = now(), error = NULL, result = %(result)s
  WHERE saga_id = %(saga_id)s AND name = 'take_payment' AND EXISTS (SELECT 1 FROM s)
), c AS (
  UPDATE saga_steps SET status = 'done', attempts = attempts + 1,
         started_at = coalesce(started_at, now()), ended_at = now(), error = NULL
  WHERE saga_id = %(saga_id)s AND name = 'confirm_order' AND EXISTS (SELECT 1 FROM s)
), o AS (
  UPDATE orders SET
    status = CASE WHEN orders.status = 'pending' THEN 'confirmed' ELSE orders.status END,
    confirmed_at = CASE WHEN orders.status = 'pending' THEN now() ELSE orders.confirmed_at END,
    answer = coalesce(orders.answer, jsonb_build_object('status', 201, 'body', jsonb_build_object(
      'order_id', orders.id, 'status', 'confirmed', 'total_cents', orders.total_cents)))
  FROM was WHERE orders.id = was.id
), d AS (
  DELETE FROM cart_lines USING was, order_lines
  WHERE was.status = 'pending' AND order_lines.order_id = was.id
    AND cart_lines.customer_id = was.customer_id AND cart_lines.product_id = order_lines.product_id
)
SELECT count(*) FROM s
"""


OUTCOMES = {
    "payment_declined": "declined",
    "payment_failed": "payment_failed",
    "insufficient_stock": "insufficient_stock",
    "cancelled_by_staff": "cancelled",
}


def _short_lines(session: Session, lines: list[OrderLine]) -> dict[str, list[str]]:
    ids = [line.product_id for line in lines]
    available = dict(
        session.execute(
            select(CentralStock.product_id, CentralStock.on_hand - CentralStock.reserved).where(
                CentralStock.product_id.in_(ids)
            )
        ).all()
    )
    return {
        line.sku: [_("Only %(available)s available, %(qty)s asked.",
                      available=max(available.get(line.product_id, 0), 0), qty=line.qty)]
        for line in lines
        if line.qty > available.get(line.product_id, 0)
    }


def insufficient_reason(short: dict[str, list[str]]) -> dict[str, Any]:
    return {"code": "insufficient_stock", "message": "Not enough stock for some lines.", "errors": short}


def confirmed_answer(order: Order) -> dict[str, Any]:
    return {
        "status": 201,
        "body": {"order_id": order.id, "status": "confirmed", "total_cents": order.total_cents},
    }


STATUS_OF = {"payment_declined": 402, "payment_failed": 402, "insufficient_stock": 409}


def failed_answer(order: Order, reason: dict[str, Any]) -> dict[str, Any]:
    code = str(reason.get("code", "checkout_failed"))
    status = STATUS_OF.get(code, 409)
    return {
        "status": status,
        "body": {
            "code": code,
            "status": status,
            "message": str(reason.get("message", "The checkout did not go through.")),
            "errors": reason.get("errors") or {},
            "order_id": order.id,
            "order_status": "cancelled",
        },
    }
