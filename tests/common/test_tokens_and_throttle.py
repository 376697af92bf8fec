import pytest

from common.errors import TooManyAttempts, Unauthorized
from common.throttle import LoginThrottle
from common.tokens import TokenSigner


def test_signed_token_round_trip_and_tampering():
    signer = TokenSigner("secret", ttl_seconds=60)
    token, claims = signer.issue(42)
    assert signer.verify(token) == claims
    with pytest.raises(Unauthorized):
        signer.verify(token[:-2] + "xx")
    with pytest.raises(Unauthorized):
        TokenSigner("other-secret", 60).verify(token)


def test_expired_token_is_refused():
    signer = TokenSigner("secret", ttl_seconds=-1)
    token, _ = signer.issue(1)
    with pytest.raises(Unauthorized) as info:
        signer.verify(token)
    assert info.value.code == "token_expired"


def test_throttle_refuses_after_repeated_failures_then_forgives():
    now = [1000.0]
    throttle = LoginThrottle(max_failures=3, lockout_s=60, clock=lambda: now[0], sleep=lambda _s: None)
    for _ in range(3):
        throttle.check("user:bob")
        throttle.failed("user:bob")
    with pytest.raises(TooManyAttempts, match="Try again in"):
        throttle.check("user:bob")
    throttle.check("user:alice")
    now[0] += 61
    throttle.check("user:bob")
