"""Sign-in, staff tokens and sign-in throttling (shared by every head-office process)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.errors import Unauthorized
from common.i18n import _
from common.security import check_sign_in
from common.throttle import ThrottlePolicy, pair_key, refusal
from common.tokens import TokenClaims, TokenSigner

from ..models import LoginFailure, RevokedToken, User
from .cache import AuthCache, Principal


def principal_of(user: User) -> Principal:
    return Principal(
        id=user.id, username=user.username, role=user.role, store_id=user.store_id,
        active=user.active, session_epoch=user.session_epoch, language=user.language,
    )


def check_throttle(session: Session, limits: dict[str, int], lockout_s: float) -> None:
    """``TooManyAttempts`` (429, ``Retry-After``) if any key has reached its limit."""
    now = utcnow()
    rows = session.execute(
        select(LoginFailure.key, func.count(), func.max(LoginFailure.failed_at))
        .where(
            LoginFailure.key.in_(list(limits)),
            LoginFailure.failed_at > now - timedelta(seconds=lockout_s),
        )
        .group_by(LoginFailure.key)
    ).all()
    for key, count, last in rows:
        if count >= limits[key]:
            raise refusal(lockout_s - (now - last).total_seconds())


def record_failure(session: Session, limits: dict[str, int], lockout_s: float) -> None:
    """Count a failed sign-in under every key (and forget failures older than the lockout)."""
    session.execute(
        delete(LoginFailure).where(
            LoginFailure.failed_at < utcnow() - timedelta(seconds=lockout_s)
        )
    )
    session.add_all([LoginFailure(key=key) for key in limits])
    session.commit()


def authenticate(
    session: Session, username: str, password: str, address: str, policy: ThrottlePolicy
) -> User:
    """The active user with these credentials, or ``Unauthorized`` (or 429 while refused).

    Failures are committed under the keys of ``policy``. An unknown user name
    is checked against a dummy hash, so it costs the same as a wrong password.
    """
    limits = policy.limits(username, address)
    check_throttle(session, limits, policy.lockout_s)
    user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    password_ok = check_sign_in(user.password_hash if user is not None else None, password)
    if user is None or not password_ok or not user.active:
        record_failure(session, limits, policy.lockout_s)
        raise Unauthorized(_("Wrong user name or password."), code="invalid_credentials")
    session.execute(delete(LoginFailure).where(LoginFailure.key == pair_key(username, address)))
    return user


def issue_token(signer: TokenSigner, cache: AuthCache, user: User) -> str:
    """A staff token for ``user`` (just authenticated), who this process now knows fresh."""
    cache.remember(principal_of(user))
    token, _claims = signer.issue(user.username, user.session_epoch)
    return token


def principal_for_token(
    cache: AuthCache, signer: TokenSigner, token: str
) -> tuple[Principal, TokenClaims]:
    """The user a token speaks for: signature, audience, expiry, sign-out, account state.

    No database round trip: the process's ``AuthCache`` knows revocations and
    users (refreshed every few seconds).
    """
    claims = signer.verify(token)
    if cache.is_revoked(claims.jti):
        raise Unauthorized(_("This token was signed out: sign in again."), code="token_revoked")
    user = cache.user(claims.username)
    if user is None or not user.active:
        raise Unauthorized(_("This account is disabled."), code="account_disabled")
    if user.session_epoch != claims.epoch:
        raise Unauthorized(
            _("This sign-in has ended (the password changed or the account was disabled): sign in again."),
            code="token_revoked",
        )
    return user, claims


def revoke(session: Session, jti: str, user_id: int) -> None:
    """Sign a token or page session out (commit, then tell the cache: ``AuthCache.revoked``)."""
    if session.get(RevokedToken, jti) is None:
        session.add(RevokedToken(jti=jti, user_id=user_id))
