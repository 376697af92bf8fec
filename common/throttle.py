"""Sign-in throttling: refuse for a while (429 with ``Retry-After``), never sleep.

Failed sign-ins are counted under three keys, each with its own limit within
``lockout_s`` seconds:

- ``pair:USER|ADDRESS``: one user from one address (``LOGIN_MAX_FAILURES``,
  5). Past it, that user is refused from that address only: an attacker's
  failures never lock the real user out from another address.
- ``ip:ADDRESS``: one address, whatever the users (``LOGIN_MAX_FAILURES_PER_ADDRESS``,
  20): one address trying many users.
- ``user:USER``: one user, whatever the addresses (``LOGIN_MAX_FAILURES_PER_USER``,
  100): guessing spread over many addresses. Set far above the first so
  that it bounds a distributed guess without handing lockouts to anyone.

A refused key stays refused until ``lockout_s`` has passed since its last
failure; attempts while refused are not counted. A successful sign-in
clears its ``pair`` key. The client address is the proxied one only when
the request came from a trusted proxy (``common.proxies``).

Head office keeps the failures in its database (shared by every process);
a store node keeps them in memory (:class:`LoginThrottle`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from common.i18n import _

from .errors import TooManyAttempts
from .limits import TEXT_MAX


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    per_address: int = 20
    per_user: int = 100
    lockout_s: float = 300

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ThrottlePolicy:
        def number(key: str, default: float) -> float:
            value = config.get(key)
            return default if value in (None, "") else float(value)

        pair = max(1, int(number("LOGIN_MAX_FAILURES", 5)))
        return cls(
            max_failures=pair,
            per_address=max(pair, int(number("LOGIN_MAX_FAILURES_PER_ADDRESS", 4 * pair))),
            per_user=max(pair, int(number("LOGIN_MAX_FAILURES_PER_USER", 20 * pair))),
            lockout_s=max(1.0, number("LOGIN_LOCKOUT_S", 300)),
        )

    def limits(self, username: str, address: str | None) -> dict[str, int]:
        """The keys a sign-in attempt counts under, each with its limit."""
        user, address = _user(username), _address(address)
        return {
            f"pair:{user}|{address}": self.max_failures,
            f"ip:{address}": self.per_address,
            f"user:{user}": self.per_user,
        }


# Keys stay short whatever was sent (head office stores them in a 200-character column).
def _user(username: str | None) -> str:
    return (username or "").strip().lower()[:TEXT_MAX // 2]


def _address(address: str | None) -> str:
    return (address or "unknown")[:64]


def pair_key(username: str, address: str | None) -> str:
    return f"pair:{_user(username)}|{_address(address)}"


def refusal(wait_s: float) -> TooManyAttempts:
    """The 429 of a refused sign-in; ``Retry-After`` says how many seconds to wait."""
    wait = max(1, math.ceil(wait_s))
    return TooManyAttempts(
        _("Too many failed sign-ins. Try again in %(wait)s seconds.", wait=wait),
        errors={"retry_after_s": wait},
        retry_after=wait,
    )


class LoginThrottle:
    """In-process record of failed sign-ins (a store node has one process)."""

    MAX_KEYS = 10_000  # past this many keys, forget the ones whose failures all expired

    def __init__(
        self, policy: ThrottlePolicy | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.policy = policy or ThrottlePolicy()
        self._clock = clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        recent = [t for t in self._failures.get(key, []) if now - t < self.policy.lockout_s]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        return recent

    def check(self, username: str, address: str | None) -> None:
        """Raise ``TooManyAttempts`` (with ``retry_after``) if any key is refused."""
        now = self._clock()
        with self._lock:
            for key, limit in self.policy.limits(username, address).items():
                recent = self._recent(key, now)
                if len(recent) >= limit:
                    raise refusal(self.policy.lockout_s - (now - recent[-1]))

    def failed(self, username: str, address: str | None) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) > self.MAX_KEYS:
                for key in list(self._failures):
                    self._recent(key, now)
            for key in self.policy.limits(username, address):
                recent = self._recent(key, now)
                recent.append(now)
                self._failures[key] = recent

    def succeeded(self, username: str, address: str | None) -> None:
        with self._lock:
            self._failures.pop(pair_key(username, address), None)
