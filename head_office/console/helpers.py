"""Small helpers shared by the console pages: form actions with readable refusals."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from flask import flash, redirect, request
from marshmallow import ValidationError

from common.clock import business_date, utcnow
from common.errors import ComptoirError, summary
from common.i18n import _
from common.web.i18n import translate, translate_details

from ..auth.guard import page_user
from ..models import Store
from ..web import db


def actor() -> str:
    user = page_user()
    return user.username if user else "unknown"


def describe(exc: ComptoirError | ValidationError) -> str:
    """The message of a refusal, with the fields at fault."""
    if isinstance(exc, ValidationError):
        errors: Any = exc.normalized_messages()
        message = translate(_("Invalid input."))
    else:
        errors, message = exc.errors, translate(exc.message)
    detail = summary(translate_details(errors))
    if detail and detail.split(":")[0] not in message:
        return f"{message} ({detail})"
    return message


def form_action(action: Callable[[], str], back: str) -> Any:
    """Run a form POST (its CSRF token was checked before the view): the action, commit,
    and a message; then back to ``back``.

    A refusal (a domain error) rolls back, changes nothing and is shown as a message.
    """
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = "/"  # only a path of this site: never an open redirect
    session = db()
    try:
        message = action()
        session.commit()
        flash(translate(message), "ok")
    except (ComptoirError, ValidationError) as exc:
        session.rollback()
        flash(describe(exc), "error")
    return redirect(back, code=303)


def required_int(name: str, label: str) -> int:
    value = int_field(name, label)
    assert value is not None  # int_field refuses a missing required value
    return value


def int_field(name: str, label: str, required: bool = True) -> int | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        if required:
            raise ComptoirError(
                _("%(label)s: enter a whole number.", label=label),
                code="validation_error",
                status=422,
                errors={name: ["Required."]},
            )
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise ComptoirError(
            _("%(label)s: %(value)s is not a whole number.", label=label, value=repr(raw)),
            code="validation_error",
            status=422,
            errors={name: ["A whole number."]},
        ) from exc


def period_args(stores: Sequence[Store]) -> tuple[str, str, str]:
    """The ``from``, ``to`` and ``store`` a report page was asked for, as typed; by default the
    last 7 business days (in the first store's time zone) of every store."""
    today = business_date(utcnow(), stores[0].timezone if stores else "America/Montreal")
    return (
        request.args.get("from") or (today - timedelta(days=6)).isoformat(),
        request.args.get("to") or today.isoformat(),
        request.args.get("store", ""),
    )
