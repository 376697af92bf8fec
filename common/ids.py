"""UUIDv7 identifiers (RFC 9562): time-ordered, made where the event happens."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_last_rand_a = 0


def uuid7() -> uuid.UUID:
    """A new UUIDv7. Monotonic within a process, even within one millisecond."""
    global _last_ms, _last_rand_a
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms = ms
            _last_rand_a = int.from_bytes(os.urandom(2), "big") & 0x07FF
        else:
            # Same (or earlier) millisecond: keep order by counting in rand_a.
            _last_rand_a += 1
            if _last_rand_a > 0x0FFF:
                _last_ms += 1
                _last_rand_a = 0
            ms = _last_ms
        rand_a = _last_rand_a
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= rand_a << 64
    value |= 0b10 << 62
    value |= rand_b
    return uuid.UUID(int=value)


def new_id() -> str:
    return str(uuid7())


def is_uuid(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
