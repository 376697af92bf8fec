"""Customer accounts: users with the role ``customer`` (no store; never sent to stores)."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.errors import Conflict, ValidationFailed
from common.i18n import _
from common.limits import TEXT_MAX, text_problem
from common.security import hash_password

from ..models import CUSTOMER, User

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PASSWORD_MIN = 8


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def sign_up(session: Session, email: str, password: str, name: str) -> User:
    """Create a customer account; 409 ``email_taken`` when the address has one."""
    email = normalise_email(email)
    name = " ".join((name or "").split())
    errors: dict[str, list[str]] = {}
    problem = text_problem(email, max_length=TEXT_MAX)
    if problem or not EMAIL.match(email):
        errors["email"] = [problem or "An e-mail address such as name@example.com."]
    problem = text_problem(name, max_length=TEXT_MAX)
    if problem:
        errors["name"] = [problem]
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        errors["password"] = [f"At least {PASSWORD_MIN} characters."]
    elif len(password) > TEXT_MAX or text_problem(password, max_length=TEXT_MAX):
        errors["password"] = [f"At most {TEXT_MAX} printable characters."]
    if errors:
        raise ValidationFailed(_("Invalid sign-up."), errors=errors)
    taken = Conflict(
        _("An account already uses this e-mail address: sign in instead."),
        code="email_taken",
        errors={"email": ["Already registered."]},
    )
    if session.scalar(select(User.id).where(func.lower(User.username) == email)) is not None:
        raise taken
    user = User(
        username=email, password_hash=hash_password(password), role=CUSTOMER, store_id=None, full_name=name
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise taken from exc
    return user


def customer_wire(user: User) -> dict:
    return {"id": user.id, "email": user.username, "name": user.full_name}
