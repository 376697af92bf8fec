"""Slow down, then refuse, repeated failed sign-ins from one user or one address."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .errors import TooManyAttempts


class LoginThrottle:
    """In-process record of failed sign-ins per key (``user:NAME``, ``ip:ADDR``).

    After ``max_failures`` failures within ``lockout_s`` seconds the key is
    refused until ``lockout_s`` has passed since its last failure. Each
    failure before that adds a short, growing delay (``delay_step_s`` x
    failures) to slow guessing down.
    """

    def __init__(
        self,
        max_failures: int = 5,
        lockout_s: float = 300,
        delay_step_s: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self.delay_step_s = delay_step_s
        self._clock = clock
        self._sleep = sleep
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        recent = [t for t in self._failures.get(key, []) if now - t < self.lockout_s]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        return recent

    def check(self, *keys: str) -> None:
        """Raise ``TooManyAttempts`` if any key is locked out."""
        now = self._clock()
        with self._lock:
            for key in keys:
                recent = self._recent(key, now)
                if len(recent) >= self.max_failures:
                    wait = int(self.lockout_s - (now - recent[-1])) + 1
                    raise TooManyAttempts(
                        f"Too many failed sign-ins. Try again in {wait} seconds.",
                        errors={"retry_after_s": wait},
                    )

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            counts = []
            for key in keys:
                recent = self._recent(key, now)
                recent.append(now)
                self._failures[key] = recent
                counts.append(len(recent))
        self._sleep(min(self.delay_step_s * max(counts, default=0), 2.0))

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
