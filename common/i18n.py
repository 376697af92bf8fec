"""Languages without Flask: the message marker, the languages a store speaks, Babel formats.

Text a person reads is written in English in the code and translated through
the catalogs in ``common/translations`` (French of Quebec, ``fr_CA``). Python
code that builds a message a person will read (an error's ``message``, a flash)
marks it with ``_``: the text stays English for logs and tests, and keeps its
catalog id and parameters so the page or the API answer can say it in the
reader's language (``translate``). Templates use Flask-Babel's ``_`` directly.

Money, numbers and dates are formatted by Babel for the language:
``21,68 $`` and ``2 décembre 2026`` in French, ``$21.68`` in English.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.dates import format_time
from babel.numbers import format_currency, format_decimal

from .money import format_cents

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"

# Short names (COMPTOIR_LANGUAGE, a user's choice, ?lang=) -> the Babel locale used.
LANGUAGES: dict[str, str] = {"fr": "fr_CA", "en": "en_CA"}
LANGUAGE_NAMES: dict[str, str] = {"fr": "Français", "en": "English"}
DEFAULT_LANGUAGE = "en"


def language_code(value: Any) -> str | None:
    """'fr', 'fr-CA', 'fr_CA', 'FR' -> 'fr'; anything else -> None."""
    if not isinstance(value, str) or not value.strip():
        return None
    short = value.strip().replace("-", "_").split("_")[0].lower()
    return short if short in LANGUAGES else None


class Msg(str):
    """An English message that remembers its catalog id and parameters.

    ``str(msg)`` is the English text (logs, tests, callers that do not care);
    ``translate(msg, gettext)`` says it in the reader's language.
    """

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Msg:
        obj = super().__new__(cls, _format(msgid, params))
        obj.msgid = msgid
        obj.params = params
        return obj

    def __reduce__(self) -> Any:  # copy and pickle keep the catalog id
        return (_rebuild, (self.msgid, self.params))


class Cents(int):
    """An amount of money among a message's parameters: English text shows ``$1,234.50``, and a
    translated message says it the reader's way (``1 234,50 $`` in French)."""

    def __str__(self) -> str:
        return format_cents(int(self))


def _format(text: str, params: dict[str, Any]) -> str:
    """``text % params``: a literal percent sign is written ``%%`` in a message, as in templates."""
    if "%" not in text:
        return text
    try:
        return text % params
    except (KeyError, ValueError, TypeError):
        return text


def _rebuild(msgid: str, params: dict[str, Any]) -> Msg:
    return Msg(msgid, **params)


def _(msgid: str, **params: Any) -> Msg:
    """Mark a message for the catalogs: ``_("Only %(qty)s left of %(sku)s.", qty=2, sku=s)``."""
    return Msg(msgid, **params)


def translate(text: Any, gettext: Callable[[str], str], locale: str | Locale | None = None) -> Any:
    """``text`` in the language ``gettext`` speaks (amounts in ``locale``'s format when given);
    anything not a string is returned as is."""
    if isinstance(text, Cents):
        return money(int(text), locale) if locale else str(text)
    if isinstance(text, Msg):
        params = {k: translate(v, gettext, locale) for k, v in text.params.items()}
        translated = gettext(text.msgid)
        if "%" not in translated:
            return translated
        try:
            return translated % params
        except (KeyError, ValueError, TypeError):  # a broken translation: never a 500
            return str(text)
    if isinstance(text, str):
        return gettext(text) if text else text
    if isinstance(text, list):
        return [translate(item, gettext, locale) for item in text]
    if isinstance(text, dict):
        return {key: translate(value, gettext, locale) for key, value in text.items()}
    return text


# marshmallow's own messages (its fields' and validators'), marked for the catalogs so that the
# fields at fault (an answer's ``errors``, a console form's notes) read in the reader's language.
# Those with values ({min}, {max}...) are matched as patterns, the longer forms first.
MARSHMALLOW_MESSAGES = (
    _("Missing data for required field."),
    _("Field may not be null."),
    _("Unknown field."),
    _("Invalid input type."),
    _("Invalid value."),
    _("Invalid input."),
    _("Invalid type."),
    _("Not a valid string."),
    _("Not a valid integer."),
    _("Not a valid number."),
    _("Not a valid boolean."),
    _("Not a valid date."),
    _("Not a valid datetime."),
    _("Not a valid UUID."),
    _("Not a valid list."),
    _("Not a valid mapping type."),
    _("Not a valid email address."),
    _("Number too large."),
    _("String does not match expected pattern."),
)
MARSHMALLOW_PATTERNS = (
    _("Length must be between {min} and {max}."),
    _("Shorter than minimum length {min}."),
    _("Longer than maximum length {max}."),
    _("Length must be {equal}."),
    _("Must be greater than or equal to {min} and less than or equal to {max}."),
    _("Must be greater than {min} and less than {max}."),
    _("Must be greater than or equal to {min}."),
    _("Must be less than or equal to {max}."),
    _("Must be greater than {min}."),
    _("Must be less than {max}."),
    _("Must be one of: {choices}."),
)
_KNOWN = frozenset(message.msgid for message in MARSHMALLOW_MESSAGES)
_FIELD_ERRORS: dict[str, Msg] = {}


def field_error(message: Msg) -> str:
    """A validator's own message (marshmallow's ``error=``), given once at import: marshmallow
    formats it into a plain string, which ``translate_details`` then knows by its English text."""
    _FIELD_ERRORS[str(message)] = message
    return str(message)


def _as_pattern(msgid: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", msgid)
    return re.compile("".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
                              for index, part in enumerate(parts)))


_PATTERNS = tuple((_as_pattern(message.msgid), message.msgid) for message in MARSHMALLOW_PATTERNS)


def translate_details(errors: Any, gettext: Callable[[str], str], locale: str | Locale | None = None) -> Any:
    """The fields at fault (an error's ``errors``) in the language ``gettext`` speaks: marked
    messages and marshmallow's own; any other value (a status, a sequence number, a role the
    client matches on) is data and stays as it is."""
    if isinstance(errors, Msg):
        return translate(errors, gettext, locale)
    if isinstance(errors, str):
        if errors in _KNOWN:
            return gettext(errors)
        if errors in _FIELD_ERRORS:
            return translate(_FIELD_ERRORS[errors], gettext, locale)
        for pattern, msgid in _PATTERNS:
            found = pattern.fullmatch(errors)
            if found:
                try:
                    return gettext(msgid).format(**found.groupdict())
                except (KeyError, IndexError, ValueError):  # a broken translation: never a 500
                    return errors
        return errors
    if isinstance(errors, list):
        return [translate_details(item, gettext, locale) for item in errors]
    if isinstance(errors, dict):
        return {key: translate_details(value, gettext, locale) for key, value in errors.items()}
    return errors


def money(cents: int | None, locale: str | Locale) -> str:
    """1234 -> '12,34 $' (fr_CA) or '$12.34' (en_CA). Integer cents in, never a float."""
    if cents is None:
        return ""
    return format_currency(Decimal(int(cents)) / 100, "CAD", locale=locale)


def number(value: int | Decimal, locale: str | Locale) -> str:
    return format_decimal(value, locale=locale)


def day(value: date | str | None, locale: str | Locale, style: str = "medium") -> str:
    """A business date: '2 déc. 2026' / 'Dec 2, 2026' (``style='long'``: '2 décembre 2026')."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return _format_date(value, style, locale=locale)


def moment(instant: datetime, timezone: str, locale: str | Locale, style: str = "medium",
           with_zone: bool = False) -> str:
    """A UTC instant in ``timezone``: '2 déc. 2026, 14 h 05' ... with the zone's short name."""
    zone = ZoneInfo(timezone)
    text = _format_datetime(instant, style, tzinfo=zone, locale=locale)
    if with_zone:
        text += " " + instant.astimezone(zone).strftime("%Z")
    return text


def clock(instant: datetime, timezone: str, locale: str | Locale) -> str:
    """The local time of day: '14 h 05' / '2:05 PM'."""
    return format_time(instant, "short", tzinfo=ZoneInfo(timezone), locale=locale)
