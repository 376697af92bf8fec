"""The one table of limits (DESIGN.md "Limits"), shared by the till, the store API and head office.

Whatever a store accepts, head office must apply: every schema, page and
check on either side takes its bounds from here, never from a literal of its
own. Plain constants and pure functions; no Flask, no database.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

# Quantities and lines.
QTY_MIN = 1
QTY_MAX = 10_000  # units on one line of a sale, return or order
LINES_MIN = 1
LINES_MAX = 200  # lines in one sale, return or order
RESTOCK_QTY_MAX = 100_000  # units in one restock request

# Money, integer cents.
UNIT_PRICE_MAX_CENTS = 10_000_000  # 100,000.00 $
PAYMENT_MIN_CENTS = 1  # 0.01 $
PAYMENT_MAX_CENTS = 100_000_000  # 1,000,000.00 $ for one payment
PAYMENTS_MAX = 20  # tenders on one sale
DISCOUNT_PERCENT_MAX = 100
# The most a sale can come to: every line at the highest price and quantity, plus taxes.
SALE_MAX_CENTS = LINES_MAX * QTY_MAX * UNIT_PRICE_MAX_CENTS * 2

# Stock levels (counts, adjustments, reorder points).
STOCK_LEVEL_MAX = 10_000_000

# Text.
TEXT_MAX = 200  # names, categories, reasons, usernames
NOTE_MAX = 1_000  # free-text notes
SKU_MAX = 64
BARCODE_MAX = 13  # EAN-13

# Ids and paging.
INT32_MAX = 2**31 - 1  # an INTEGER column (store ids, user ids, request ids)
INT64_MAX = 2**63 - 1  # a BIGINT column (sequence numbers, aggregates)
PAGE_MAX = 100_000
PAGE_SIZE_MAX = 500

# Request bodies.
JSON_MAX_BYTES = 2 * 1024 * 1024
PUSH_MAX_BYTES = 16 * 1024 * 1024
JSON_MAX_DEPTH = 32

# Business dates a sale may carry (a till's clock can be wrong, not by centuries).
BUSINESS_YEAR_MIN = 2000
BUSINESS_YEAR_MAX = 2100

# Characters never allowed in text: controls (Cc) and the other invisible
# categories that make text unprintable (unassigned, surrogates).
_FORBIDDEN_CATEGORIES = {"Cc", "Cs", "Cn"}
_MULTILINE_TABLE = {ord(c): None for c in "\n\r\t"}


def text_problem(value: str, *, max_length: int = TEXT_MAX, min_length: int = 1,
                 multiline: bool = False) -> str | None:
    """Why ``value`` is not an acceptable text field, or None when it is.

    Printable Unicode only: no NUL and no control characters (a note may
    hold line breaks when ``multiline``), ``min_length`` to ``max_length``
    characters.
    """
    if len(value) < min_length:
        return "Must not be empty." if min_length == 1 else f"At least {min_length} characters."
    if len(value) > max_length:
        return f"At most {max_length} characters."
    for char in value:
        if multiline and char in "\n\r\t":
            continue
        if unicodedata.category(char) in _FORBIDDEN_CATEGORIES:
            return "Only printable characters (no control characters)."
    return None


def has_control_characters(value: str) -> bool:
    """True when ``value`` holds a NUL or another control character (query strings, paths)."""
    return any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in value)


MULTILINE_OK = "\n\r\t"  # what a note may hold besides printable text
REPLACEMENT = "\ufffd"  # stands where head office keeps text it could not store as sent


def unprintable_strings(value: Any, path: str = "") -> list[str]:
    """Where a JSON document (a request body, an event's payload) holds a string, or a key, with
    NUL, control characters or lone surrogates; strings may hold line breaks and tabs (notes)."""
    found: list[str] = []
    if isinstance(value, str):
        if has_control_characters(value.translate(_MULTILINE_TABLE)):
            found.append(path or "body")
    elif isinstance(value, dict):
        for key, sub in value.items():
            where = f"{path}.{key}" if path else str(key)
            if has_control_characters(str(key)):
                found.append(path or "body")
            else:
                found.extend(unprintable_strings(sub, where))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            found.extend(unprintable_strings(sub, f"{path}.{index}" if path else str(index)))
    return found


def non_finite_numbers(value: Any, path: str = "") -> list[str]:
    """Where a decoded JSON document holds a number too large for a float (``1e400`` reads as
    infinity): ``jsonb`` cannot store it back, and no limit in this table can take it."""
    if isinstance(value, float):
        return [] if math.isfinite(value) else [path or "body"]
    found: list[str] = []
    if isinstance(value, dict):
        for key, sub in value.items():
            found.extend(non_finite_numbers(sub, f"{path}.{key}" if path else str(key)))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            found.extend(non_finite_numbers(sub, f"{path}.{index}" if path else str(index)))
    return found


def storable(value: Any) -> Any:
    """``value`` (a JSON document) with what PostgreSQL's ``jsonb`` cannot hold replaced: NUL
    characters and lone surrogates by U+FFFD, numbers past a float (infinity) by their text."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        if "\x00" in value or any("\ud800" <= char <= "\udfff" for char in value):
            return "".join(REPLACEMENT if char == "\x00" or "\ud800" <= char <= "\udfff" else char
                           for char in value)
        return value
    if isinstance(value, dict):
        return {storable(key): storable(sub) for key, sub in value.items()}
    if isinstance(value, list):
        return [storable(sub) for sub in value]
    return value


def parse_ascii_int(value: str, *, minimum: int = 0, maximum: int = INT64_MAX) -> int | None:
    """``value`` as an int when it is plain ASCII digits within bounds, else None.

    ``"²".isdigit()`` is true and ``int("٣")`` is 3: user input goes through this instead.
    """
    text = value.strip()
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if not digits or len(digits) > 19 or not (digits.isascii() and digits.isdigit()):
        return None
    number = -int(digits) if negative else int(digits)
    if number < minimum or number > maximum:
        return None
    return number
