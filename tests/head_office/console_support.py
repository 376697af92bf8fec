"""Helpers for the console tests (reports, dashboard, replenishment, stock, catalog)."""

from __future__ import annotations

import functools

import pytest


@pytest.fixture
def fast_demo_hashes(monkeypatch):
    """The demo users' passwords hashed once per test session, not once per test (scrypt is slow)."""
    import head_office.seed as seed

    monkeypatch.setattr(seed, "hash_password", _cached_hash)


@functools.lru_cache(maxsize=16)
def _cached_hash(password: str) -> str:
    from common.security import hash_password

    return hash_password(password)
