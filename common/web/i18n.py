"""Flask-Babel for both services: which language a request is answered in, and the page helpers.

The language of a request, first found wins:
1. ``?lang=fr`` on the URL (a customer asking for a receipt in their language),
2. the signed-in user's saved choice (each service says how to find it),
3. the browser's ``Accept-Language`` (``fr`` or ``en``),
4. the service's default, ``COMPTOIR_LANGUAGE`` (``fr`` in ``comptoir demo``).

The catalogs (``common/translations/<locale>/LC_MESSAGES/messages.po``) are
compiled to ``.mo`` when the app starts if the ``.mo`` is missing or older than
its ``.po``, so a fresh clone needs no extra step.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, get_locale, gettext

from common import i18n
from common.clock import parse_instant

log = logging.getLogger("comptoir.i18n")

UserLanguage = Callable[[], str | None]


def compile_catalogs(directory: Path = i18n.TRANSLATIONS) -> list[Path]:
    """Write each ``.mo`` whose ``.po`` is newer (atomic: several processes may start at once)."""
    written: list[Path] = []
    for po_path in sorted(directory.glob(f"*/LC_MESSAGES/{i18n.DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        try:
            fd, tmp = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
            with os.fdopen(fd, "wb") as out:
                write_mo(out, catalog)
            os.replace(tmp, mo_path)
        except OSError:
            log.exception("cannot write %s: pages stay in English until it can be compiled", mo_path)
            continue
        written.append(mo_path)
    return written


def language() -> str:
    """The short language of the current request ('fr' or 'en')."""
    return i18n.language_code(str(get_locale())) or i18n.DEFAULT_LANGUAGE


def default_language() -> str:
    return i18n.language_code(current_app.config.get("LANGUAGE")) or i18n.DEFAULT_LANGUAGE


def _select_locale(user_language: UserLanguage) -> str:
    if not has_request_context():
        return i18n.LANGUAGES[default_language()]
    chosen = i18n.language_code(request.args.get("lang"))
    if chosen is None:
        try:
            chosen = i18n.language_code(user_language())
        except Exception:  # noqa: BLE001 - a broken session must not break every page
            log.exception("cannot read the user's language")
            chosen = None
    if chosen is None:
        chosen = i18n.language_code(request.accept_languages.best_match(list(i18n.LANGUAGES)))
    return i18n.LANGUAGES[chosen or default_language()]


def translate(text: Any) -> Any:
    """A message (``common.i18n._``) or catalog text in the request's language."""
    return i18n.translate(text, gettext, get_locale() or "en_CA")


def translate_details(errors: Any) -> Any:
    """An error's fields at fault in the request's language (``common.i18n.translate_details``)."""
    return i18n.translate_details(errors, gettext, get_locale() or "en_CA")


def money(cents: int | None) -> str:
    return i18n.money(cents, get_locale() or "en_CA")


def number(value: Any) -> str:
    return i18n.number(value, get_locale() or "en_CA")


def day(value: Any, style: str = "medium") -> str:
    return i18n.day(value, get_locale() or "en_CA", style)


def moment(instant: str | datetime | None, timezone: str, style: str = "medium",
           with_zone: bool = False) -> str:
    """A stored UTC instant (text or datetime) in ``timezone``, in the request's language."""
    if not instant:
        return ""
    if isinstance(instant, str):
        instant = parse_instant(instant)
    return i18n.moment(instant, timezone, get_locale() or "en_CA", style, with_zone)


def clock(instant: str | datetime | None, timezone: str) -> str:
    if not instant:
        return ""
    if isinstance(instant, str):
        instant = parse_instant(instant)
    return i18n.clock(instant, timezone, get_locale() or "en_CA")


# Values stored as codes and shown to people (statuses, roles, movement kinds, tenders).
LABELS: dict[str, i18n.Msg] = {
    "requested": i18n._("requested"),
    "approved": i18n._("approved"),
    "rejected": i18n._("rejected"),
    "shipped": i18n._("shipped"),
    "received": i18n._("received"),
    "new": i18n._("new"),
    "cashier": i18n._("cashier"),
    "store_manager": i18n._("store manager"),
    "manager": i18n._("manager"),
    "admin": i18n._("administrator"),
    "sale": i18n._("sale"),
    "return": i18n._("return"),
    "receipt": i18n._("goods received"),
    "adjustment": i18n._("adjustment"),
    "count": i18n._("count"),
    "allocation": i18n._("allocation"),
    "shipment": i18n._("shipment"),
    "open": i18n._("open"),
    "closed": i18n._("closed"),
    "cash": i18n._("cash"),
    "card": i18n._("card"),
    "in": i18n._("cash in"),
    "out": i18n._("cash out"),
    # Online orders and their checkout sagas.
    "pending": i18n._("pending"),
    "confirmed": i18n._("confirmed"),
    "cancelled": i18n._("cancelled"),
    "running": i18n._("running"),
    "completed": i18n._("completed"),
    "compensated": i18n._("compensated"),
    "failed": i18n._("failed"),
    "done": i18n._("done"),
    "skipped": i18n._("skipped"),
    "verify_stock": i18n._("verify stock"),
    "reserve_stock": i18n._("reserve stock"),
    "take_payment": i18n._("take payment"),
    "confirm_order": i18n._("confirm order"),
    "refund_payment": i18n._("refund payment"),
    "release_stock": i18n._("release stock"),
    "cancel_order": i18n._("cancel order"),
}


def label(value: Any) -> str:
    """A stored code ('shipped', 'store_manager', 'cash'...) in the request's language."""
    if value is None:
        return ""
    found = LABELS.get(str(value))
    return translate(found) if found is not None else str(value)


def init_app(app: Flask, user_language: UserLanguage) -> Babel:
    """Install Flask-Babel with the locale selector above and the page helpers."""
    compile_catalogs()
    babel = Babel(
        app,
        default_locale=i18n.LANGUAGES[i18n.language_code(app.config.get("LANGUAGE")) or "en"],
        default_translation_directories=str(i18n.TRANSLATIONS),
        locale_selector=lambda: _select_locale(user_language),
    )
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["tr"] = translate
    app.jinja_env.globals.update(
        format_cents=money, language=language, languages=i18n.LANGUAGE_NAMES, moment=moment,
        clock=clock, label=label, status_label=label, role_label=label, movement_label=label,
    )
    return babel
