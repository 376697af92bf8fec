"""Password and token hashing shared by head office and store nodes.

Passwords use werkzeug's scrypt (a slow hash); the same hash reaches store
nodes by sync so the till login works offline. Store sync tokens are random
and stored only as a SHA-256 digest (they carry 256 bits of entropy, so a
fast hash is enough and lets head office look a token up by its digest).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

# werkzeug's scrypt at its default cost (N=2^15, r=8, p=1). A hash carries its own method and
# cost, so changing this changes new hashes only: every stored hash still verifies. The test
# suite lowers the cost (tests/conftest.py) so that a thousand sign-ins do not cost minutes.
PASSWORD_METHOD = "scrypt"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return check_password_hash(password_hash, password)
    except (ValueError, TypeError):
        return False


@functools.cache
def dummy_password_hash() -> str:
    """A hash of a random password, made like every real one (same method and cost)."""
    return hash_password(secrets.token_urlsafe(24))


def check_sign_in(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no such user (``None``) a dummy hash is checked.

    An unknown username then costs the same scrypt work as a wrong password,
    so the time of the answer does not tell which user names exist.
    """
    if not password_hash:
        verify_password(dummy_password_hash(), password)
        return False
    return verify_password(password_hash, password)


def new_store_token() -> str:
    return "cpt_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str, token_hash: str | None) -> bool:
    if not token_hash:
        return False
    return hmac.compare_digest(hash_token(token), token_hash)
