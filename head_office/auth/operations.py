"""Sign-in, staff tokens and sign-in throttling (shared by every head-office instance)."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.errors import TooManyAttempts, Unauthorized
from common.security import verify_password
from common.tokens import TokenClaims, TokenSigner

from ..models import LoginFailure, RevokedToken, User


def throttle_keys(username: str, address: str) -> list[str]:
    return [f"user:{username.strip().lower()}", f"ip:{address}"]


def check_throttle(session: Session, keys: list[str], max_failures: int, lockout_s: int) -> None:
    since = utcnow() - timedelta(seconds=lockout_s)
    rows = session.execute(
        select(LoginFailure.key, func.count(), func.max(LoginFailure.failed_at))
        .where(LoginFailure.key.in_(keys), LoginFailure.failed_at > since)
        .group_by(LoginFailure.key)
    ).all()
    for _key, count, last in rows:
        if count >= max_failures:
            wait = max(1, int(lockout_s - (utcnow() - last).total_seconds()) + 1)
            raise TooManyAttempts(
                f"Too many failed sign-ins. Try again in {wait} seconds.",
                errors={"retry_after_s": wait},
            )


def authenticate(
    session: Session,
    username: str,
    password: str,
    address: str,
    *,
    max_failures: int = 5,
    lockout_s: int = 300,
    delay_step_s: float = 0.2,
) -> User:
    """The active user with these credentials, or ``Unauthorized``.

    Failures are recorded (and committed) per user name and per address;
    past ``max_failures`` within ``lockout_s`` sign-in is refused for a while.
    """
    keys = throttle_keys(username, address)
    check_throttle(session, keys, max_failures, lockout_s)
    user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None or not user.active or not verify_password(user.password_hash, password):
        session.add_all([LoginFailure(key=key) for key in keys])
        session.commit()
        recent = session.scalar(
            select(func.count()).where(
                LoginFailure.key == keys[0],
                LoginFailure.failed_at > utcnow() - timedelta(seconds=lockout_s),
            )
        ) or 0
        time.sleep(min(delay_step_s * recent, 2.0))
        raise Unauthorized("Wrong user name or password.", code="invalid_credentials")
    session.execute(delete(LoginFailure).where(LoginFailure.key == keys[0]))
    return user


def user_for_token(session: Session, signer: TokenSigner, token: str) -> tuple[User, TokenClaims]:
    claims = signer.verify(token)
    if session.get(RevokedToken, claims.jti) is not None:
        raise Unauthorized("This token was signed out: sign in again.", code="token_revoked")
    user = session.get(User, claims.user_id)
    if user is None or not user.active:
        raise Unauthorized("This account is disabled.", code="account_disabled")
    return user, claims


def revoke(session: Session, claims: TokenClaims) -> None:
    if session.get(RevokedToken, claims.jti) is None:
        session.add(RevokedToken(jti=claims.jti, user_id=claims.user_id))
