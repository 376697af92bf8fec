"""Exponential backoff with jitter while head office is unreachable."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable


class Backoff:
    """After ``n`` consecutive failures, wait ``min(cap, base * 2**(n-1))`` scaled by a random
    factor in [0.5, 1] (jitter, so five stores coming back do not all retry at once)."""

    def __init__(
        self,
        base_s: float = 2.0,
        cap_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.base_s = base_s
        self.cap_s = cap_s
        self._clock = clock
        self._rng = rng
        self.failures = 0
        self._not_before = 0.0
        self._lock = threading.Lock()

    def ready(self) -> bool:
        return self._clock() >= self._not_before

    def delay_for(self, failures: int) -> float:
        if failures <= 0:
            return 0.0
        raw = min(self.cap_s, self.base_s * 2 ** (failures - 1))
        return raw * (0.5 + 0.5 * self._rng())

    def failed(self) -> float:
        with self._lock:
            self.failures += 1
            delay = self.delay_for(self.failures)
            self._not_before = self._clock() + delay
            return delay

    def succeeded(self) -> None:
        with self._lock:
            self.failures = 0
            self._not_before = 0.0

    def seconds_left(self) -> float:
        return max(0.0, self._not_before - self._clock())
