"""Signed, expiring staff API tokens (itsdangerous, no Flask).

A token names its issuer (``head_office`` or ``store:N``), its user by
username, the user's credential epoch and a random token id (``jti``).

- The issuer is the token's audience: a service accepts only the tokens it
  issued, whatever secret keys the services share. The issuer is also part
  of the signing salt, so a token signed by one service does not even carry
  a valid signature for another.
- The user is named by username, the one key every service shares (numeric
  ids differ between head office and each store).
- The epoch is the user's ``session_epoch`` when the token was issued; a
  password change or a disabled account bumps it, which ends every token
  and session issued before.
- Signing out revokes the ``jti``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from common.i18n import _

from .errors import Unauthorized

HEAD_OFFICE = "head_office"


def store_issuer(store_id: int) -> str:
    """The issuer (and audience) of the tokens a store node signs."""
    return f"store:{int(store_id)}"


@dataclass(frozen=True)
class TokenClaims:
    issuer: str
    username: str
    epoch: int
    jti: str


def _invalid(message: str = "Invalid token: sign in again.") -> Unauthorized:
    return Unauthorized(message, code="invalid_token")


class TokenSigner:
    def __init__(self, secret_key: str, ttl_seconds: int, issuer: str) -> None:
        if not secret_key:
            raise ValueError("a secret key is required to sign tokens")
        if not issuer:
            raise ValueError("tokens need an issuer")
        self.issuer = issuer
        self._serializer = URLSafeTimedSerializer(secret_key, salt=f"comptoir-staff-token:{issuer}")
        self.ttl_seconds = ttl_seconds

    def issue(self, username: str, epoch: int) -> tuple[str, TokenClaims]:
        claims = TokenClaims(
            issuer=self.issuer, username=username, epoch=int(epoch), jti=secrets.token_hex(16)
        )
        token = self._serializer.dumps(
            {"iss": claims.issuer, "sub": claims.username, "ep": claims.epoch, "jti": claims.jti}
        )
        return token, claims

    def verify(self, token: str) -> TokenClaims:
        """The claims of a token this service issued, unexpired (``Unauthorized`` otherwise).

        Revocation and the user's current state are the caller's to check.
        """
        try:
            data = self._serializer.loads(token, max_age=self.ttl_seconds)
        except SignatureExpired as exc:
            raise Unauthorized(_("Your session has expired: sign in again."), code="token_expired") from exc
        except BadSignature as exc:
            raise _invalid() from exc
        if not isinstance(data, dict):
            raise _invalid()
        try:
            claims = TokenClaims(
                issuer=str(data["iss"]), username=str(data["sub"]), epoch=int(data["ep"]),
                jti=str(data["jti"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise _invalid() from exc
        if claims.issuer != self.issuer:
            raise _invalid("This token was issued by another service: sign in here.")
        return claims
