"""Signed, expiring staff API tokens (itsdangerous, no Flask).

A token carries the user id and a random token id (``jti``). Each service
keeps the ids it revoked (signing out), so a revoked token stops working
before it expires.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .errors import Unauthorized


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    jti: str


class TokenSigner:
    def __init__(self, secret_key: str, ttl_seconds: int, salt: str = "comptoir-api-token") -> None:
        if not secret_key:
            raise ValueError("a secret key is required to sign tokens")
        self._serializer = URLSafeTimedSerializer(secret_key, salt=salt)
        self.ttl_seconds = ttl_seconds

    def issue(self, user_id: int) -> tuple[str, TokenClaims]:
        claims = TokenClaims(user_id=user_id, jti=secrets.token_hex(16))
        token = self._serializer.dumps({"uid": claims.user_id, "jti": claims.jti})
        return token, claims

    def verify(self, token: str) -> TokenClaims:
        try:
            data = self._serializer.loads(token, max_age=self.ttl_seconds)
        except SignatureExpired as exc:
            raise Unauthorized("Your session has expired: sign in again.", code="token_expired") from exc
        except BadSignature as exc:
            raise Unauthorized("Invalid token: sign in again.", code="invalid_token") from exc
        try:
            return TokenClaims(user_id=int(data["uid"]), jti=str(data["jti"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise Unauthorized("Invalid token: sign in again.", code="invalid_token") from exc
