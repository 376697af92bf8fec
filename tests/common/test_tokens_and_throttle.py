import pytest

from common.errors import TooManyAttempts, Unauthorized
from common.proxies import TrustedProxyFix, is_trusted, parse_networks
from common.throttle import LoginThrottle, ThrottlePolicy
from common.tokens import HEAD_OFFICE, TokenSigner, store_issuer


def test_signed_token_round_trip_and_tampering():
    signer = TokenSigner("secret", ttl_seconds=60, issuer=HEAD_OFFICE)
    token, claims = signer.issue("ann", 3)
    assert signer.verify(token) == claims
    assert (claims.issuer, claims.username, claims.epoch) == (HEAD_OFFICE, "ann", 3)
    with pytest.raises(Unauthorized):
        signer.verify(token[:-2] + "xx")
    with pytest.raises(Unauthorized):
        TokenSigner("other-secret", 60, HEAD_OFFICE).verify(token)


def test_a_token_is_refused_by_another_issuer_even_with_the_same_secret_key():
    head_office = TokenSigner("shared", 60, HEAD_OFFICE)
    store_3 = TokenSigner("shared", 60, store_issuer(3))
    store_4 = TokenSigner("shared", 60, store_issuer(4))
    token, _ = head_office.issue("cashier3", 0)
    for other in (store_3, store_4):
        with pytest.raises(Unauthorized) as info:
            other.verify(token)
        assert info.value.code == "invalid_token"
    store_token, _ = store_3.issue("cashier3", 0)
    with pytest.raises(Unauthorized):
        store_4.verify(store_token)
    with pytest.raises(Unauthorized):
        head_office.verify(store_token)
    assert store_3.verify(store_token).issuer == "store:3"


def test_expired_token_is_refused():
    signer = TokenSigner("secret", ttl_seconds=-1, issuer=HEAD_OFFICE)
    token, _ = signer.issue("ann", 0)
    with pytest.raises(Unauthorized) as info:
        signer.verify(token)
    assert info.value.code == "token_expired"


def test_throttle_refuses_after_repeated_failures_then_forgives():
    now = [1000.0]
    throttle = LoginThrottle(ThrottlePolicy(max_failures=3, lockout_s=60), clock=lambda: now[0])
    for _ in range(3):
        throttle.check("bob", "10.0.0.9")
        throttle.failed("bob", "10.0.0.9")
    with pytest.raises(TooManyAttempts, match="Try again in") as info:
        throttle.check("bob", "10.0.0.9")
    assert info.value.status == 429 and info.value.code == "too_many_requests"
    assert info.value.headers == {"Retry-After": "60"}
    throttle.check("alice", "10.0.0.9")
    now[0] += 61
    throttle.check("bob", "10.0.0.9")


def test_attacker_failures_do_not_lock_out_the_real_user_from_another_address():
    throttle = LoginThrottle(ThrottlePolicy(max_failures=3, per_address=10, per_user=30))
    for _ in range(3):
        throttle.failed("bob", "203.0.113.66")
    with pytest.raises(TooManyAttempts):
        throttle.check("bob", "203.0.113.66")
    throttle.check("bob", "192.0.2.10")  # the real user, elsewhere: not refused


def test_one_address_guessing_many_users_is_refused():
    throttle = LoginThrottle(ThrottlePolicy(max_failures=3, per_address=6, per_user=30))
    for n in range(6):
        throttle.failed(f"user{n}", "203.0.113.66")
    with pytest.raises(TooManyAttempts):
        throttle.check("someone-else", "203.0.113.66")
    throttle.check("someone-else", "192.0.2.10")


def test_policy_from_configuration_keeps_the_wider_limits_above_the_pair_limit():
    policy = ThrottlePolicy.from_config({"LOGIN_MAX_FAILURES": "4", "LOGIN_LOCKOUT_S": 30})
    assert (policy.max_failures, policy.per_address, policy.per_user, policy.lockout_s) == (4, 16, 80, 30)
    assert ThrottlePolicy.from_config({"LOGIN_MAX_FAILURES_PER_ADDRESS": 1}).per_address == 5


def _remote_addr_seen(trusted: str, peer: str, forwarded: str | None) -> str:
    seen = {}

    def app(environ, start_response):
        seen["addr"] = environ["REMOTE_ADDR"]
        start_response("200 OK", [])
        return [b""]

    environ = {"REMOTE_ADDR": peer, "REQUEST_METHOD": "GET", "PATH_INFO": "/", "wsgi.url_scheme": "http"}
    if forwarded:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    TrustedProxyFix(app, trusted)(environ, lambda *a: None)
    return seen["addr"]


def test_forwarded_for_is_used_only_from_a_trusted_proxy():
    assert _remote_addr_seen("127.0.0.1", "127.0.0.1", "198.51.100.7") == "198.51.100.7"
    assert _remote_addr_seen("10.0.0.0/8", "10.1.2.3", "6.6.6.6, 198.51.100.7") == "198.51.100.7"
    assert _remote_addr_seen("10.0.0.0/8", "192.0.2.1", "198.51.100.7") == "192.0.2.1"
    assert _remote_addr_seen("", "127.0.0.1", "198.51.100.7") == "127.0.0.1"


def test_trusted_proxy_setting_is_parsed_strictly():
    networks = parse_networks("127.0.0.1, 10.0.0.0/8 ,::1")
    assert is_trusted("10.9.9.9", networks) and is_trusted("::1", networks)
    assert is_trusted("::ffff:127.0.0.1", networks)
    assert not is_trusted("11.0.0.1", networks) and not is_trusted("not-an-ip", networks)
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        parse_networks("10.0.0.0/8, nginx")


def test_passwords_are_hashed_at_full_cost_outside_the_test_suite() -> None:
    """The suite lowers scrypt's cost for speed (tests/conftest.py); a service hashes at
    werkzeug's full cost, N=2^15."""
    import subprocess
    import sys

    made = subprocess.run(
        [sys.executable, "-c", "from common.security import hash_password; print(hash_password('pw'))"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert made.startswith("scrypt:32768:8:1$")
