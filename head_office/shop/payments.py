"""Payments behind a small provider interface, and the built-in test-mode card processor.

The test processor behaves as a real provider's test mode does: it keeps its
own ledger (``payment_ledger``) of captures and refunds, one row per
idempotency key, and answers a repeated request with the recorded outcome.
It writes in its own transactions, never in the caller's: money it moved stays
moved whatever the caller's transaction does, as with a remote provider.

Test cards (DESIGN.md): ``4242 4242 4242 4242`` approves; ``4000 0000 0000 0002``
is declined (``card_declined``); ``4000 0000 0000 9995`` is declined
(``insufficient_funds``); ``4000 0000 0000 0119`` fails with a processing error;
``4000 0000 0000 1000`` captures but its answer never comes back (a timeout
after the money moved). Any other number that passes the Luhn check approves.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..models import PaymentAttempt, PaymentMethod

DECLINED = {"4000000000000002": "card_declined", "4000000000009995": "insufficient_funds"}
PROCESSING_ERROR = "4000000000000119"
TIMEOUT_AFTER_CAPTURE = "4000000000001000"

SUCCEEDED = "succeeded"
VOIDED = "voided"  # the key was closed before any capture: a late capture with it is refused


class PaymentError(Exception):
    """The provider did not take the money. ``code`` is stable (``card_declined``...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Declined(PaymentError):
    pass


class ProcessingError(PaymentError):
    pass


class NoAnswer(Exception):
    """The request may or may not have been applied: ask again by idempotency key."""


@dataclass(frozen=True)
class Card:
    number: str
    exp_month: int
    exp_year: int
    cvc: str

    @property
    def last4(self) -> str:
        return self.number[-4:]


@dataclass(frozen=True)
class Attempt:
    """What the provider recorded under one idempotency key."""

    key: str
    kind: str
    outcome: str
    amount_cents: int
    order_id: int | None

    @property
    def succeeded(self) -> bool:
        return self.outcome == SUCCEEDED


class PaymentProvider(Protocol):
    def tokenize(self, card: Card) -> str: ...

    def capture(self, key: str, token: str, amount_cents: int, order_id: int) -> Attempt:
        """Take the money; raises ``Declined``, ``ProcessingError`` or ``NoAnswer``."""

    def find(self, key: str) -> Attempt | None:
        """What happened under ``key`` (``NoAnswer`` when the provider cannot say now)."""

    def void(self, key: str, amount_cents: int, order_id: int) -> Attempt:
        """Close ``key`` for captures; answers what it holds (a capture that won stays)."""

    def refund(self, key: str, capture_key: str, amount_cents: int, order_id: int) -> Attempt:
        """Give back a capture, once whatever the key; raises ``PaymentError`` if there is none."""

    def ledger(self, order_id: int | None = None) -> list[dict]: ...


def luhn_ok(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


class TestModeProvider:
    """The built-in processor in test mode (its ledger lives in the same PostgreSQL)."""

    __test__ = False  # not a pytest class

    # Cards this process stored lately, by token: a capture right after its tokenization (every
    # checkout's first try) needs no look-up. Other tokens are read from the vault.
    RECENT_CARDS = 4096

    def __init__(self, engine: Engine) -> None:
        # Each of the provider's writes is one statement, committed on its own (as a remote
        # service's would be): the engine runs in autocommit, one round trip per request.
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        # Test hook: the provider cannot answer look-ups, voids or refunds (a network outage).
        self.lookups_down = False
        self._recent: OrderedDict[str, str] = OrderedDict()
        self._recent_lock = threading.Lock()

    def tokenize(self, card: Card) -> str:
        token = "tok_" + secrets.token_hex(12)
        with self.engine.connect() as conn:
            conn.execute(
                pg_insert(PaymentMethod).values(
                    token=token, number=card.number, exp_month=card.exp_month, exp_year=card.exp_year
                )
            )
        with self._recent_lock:
            self._recent[token] = card.number
            while len(self._recent) > self.RECENT_CARDS:
                self._recent.popitem(last=False)
        return token

    def _card_number(self, token: str) -> str:
        with self._recent_lock:
            number = self._recent.get(token)
        if number is not None:
            return number
        with self.engine.connect() as conn:
            number = conn.scalar(select(PaymentMethod.number).where(PaymentMethod.token == token))
        if number is None:
            raise Declined("unknown_card", "The provider does not know this card.")
        return number

    def _record(
        self,
        key: str,
        kind: str,
        outcome: str,
        amount: int,
        order_id: int | None,
        capture_key: str | None = None,
        last4: str = "",
    ) -> Attempt:
        """Insert the attempt unless the key (or, for a refund, the capture) already has one."""
        with self.engine.connect() as conn:
            row: Any = conn.execute(
                pg_insert(PaymentAttempt)
                .values(
                    idempotency_key=key,
                    kind=kind,
                    outcome=outcome,
                    amount_cents=amount,
                    order_id=order_id,
                    capture_key=capture_key,
                    card_last4=last4,
                )
                .on_conflict_do_nothing()
                .returning(
                    PaymentAttempt.idempotency_key,
                    PaymentAttempt.kind,
                    PaymentAttempt.outcome,
                    PaymentAttempt.amount_cents,
                    PaymentAttempt.order_id,
                )
            ).first()
            if row is None:  # the key already has its answer
                row = conn.execute(
                    select(PaymentAttempt).where(PaymentAttempt.idempotency_key == key)
                ).first()
            if row is None and kind == "refund":  # the capture was refunded under another key
                row = conn.execute(
                    select(PaymentAttempt).where(
                        PaymentAttempt.capture_key == capture_key,
                        PaymentAttempt.kind == "refund",
                        PaymentAttempt.outcome == SUCCEEDED,
                    )
                ).first()
        assert row is not None
        return _attempt(row)

    def capture(self, key: str, token: str, amount_cents: int, order_id: int) -> Attempt:
        """A key already used answers what it recorded: the insert keeps the first row."""
        number = self._card_number(token)
        if number == PROCESSING_ERROR:
            raise ProcessingError("processing_error", "The card processor had an error; nothing was taken.")
        if number in DECLINED:
            attempt = self._record(
                key, "capture", DECLINED[number], amount_cents, order_id, last4=number[-4:]
            )
            return _replay(attempt)
        attempt = self._record(key, "capture", SUCCEEDED, amount_cents, order_id, last4=number[-4:])
        if number == TIMEOUT_AFTER_CAPTURE and attempt.succeeded:
            raise NoAnswer("The provider took the request but its answer never came back.")
        return _replay(attempt)

    def _find(self, key: str) -> Attempt | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(PaymentAttempt).where(PaymentAttempt.idempotency_key == key)).first()
        return _attempt(row) if row is not None else None

    def find(self, key: str) -> Attempt | None:
        if self.lookups_down:
            raise NoAnswer("The provider does not answer look-ups right now.")
        return self._find(key)

    def void(self, key: str, amount_cents: int, order_id: int) -> Attempt:
        if self.lookups_down:
            raise NoAnswer("The provider does not answer right now.")
        return self._record(key, "capture", VOIDED, max(amount_cents, 1), order_id)

    def refund(self, key: str, capture_key: str, amount_cents: int, order_id: int) -> Attempt:
        if self.lookups_down:
            raise NoAnswer("The provider does not answer right now.")
        capture = self._find(capture_key)
        if capture is None or not capture.succeeded:
            raise PaymentError("nothing_to_refund", "No capture under this key: nothing to refund.")
        if amount_cents > capture.amount_cents:
            raise PaymentError("refund_too_large", "A refund cannot exceed the capture.")
        return self._record(key, "refund", SUCCEEDED, amount_cents, order_id, capture_key=capture_key)

    def ledger(self, order_id: int | None = None) -> list[dict]:
        stmt = (
            select(PaymentAttempt)
            .where(PaymentAttempt.outcome == SUCCEEDED)
            .order_by(PaymentAttempt.at, PaymentAttempt.id)
        )
        if order_id is not None:
            stmt = stmt.where(PaymentAttempt.order_id == order_id)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            {
                "kind": row.kind,
                "amount_cents": row.amount_cents,
                "order_id": row.order_id,
                "at": row.at,
                "card_last4": row.card_last4,
            }
            for row in rows
        ]


def _attempt(row) -> Attempt:
    return Attempt(row.idempotency_key, row.kind, row.outcome, row.amount_cents, row.order_id)


def _replay(attempt: Attempt) -> Attempt:
    """A recorded outcome, answered as the first time (a decline raises again)."""
    if attempt.outcome == VOIDED:
        raise Declined("voided", "This payment was cancelled before it was captured.")
    if not attempt.succeeded:
        raise Declined(attempt.outcome, _DECLINE_MESSAGES.get(attempt.outcome, "The card was declined."))
    return attempt


_DECLINE_MESSAGES = {
    "card_declined": "The card was declined.",
    "insufficient_funds": "The card was declined: insufficient funds.",
}
