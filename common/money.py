"""Money is integer cents. One rounding rule, half up to the cent, lives here."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal(1)


def round_half_up(value: Decimal | int | str) -> int:
    """Round an amount expressed in cents (possibly fractional) half up to a whole cent.

    Half up means away from zero on an exact half: 0.5 -> 1, -0.5 -> -1, as a
    cash register and the tax authorities do.
    """
    if isinstance(value, float):
        raise TypeError("money must never be a float")
    return int(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def percent_of(cents: int, percent: Decimal | int | str) -> int:
    """``percent`` % of ``cents``, rounded half up to the cent."""
    if isinstance(cents, float) or isinstance(percent, float):
        raise TypeError("money must never be a float")
    return round_half_up(Decimal(cents) * Decimal(percent) / Decimal(100))


def format_cents(cents: int, symbol: str = "$") -> str:
    """12345 -> '$123.45'; -5 -> '-$0.05'."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}{symbol}{whole:,}.{part:02d}"


def decimal_amount(cents: int) -> str:
    """12345 -> '123.45' (for CSV files: two decimals, no symbol, no grouping)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}{whole}.{part:02d}"


# ASCII digits only ("²" and "٣" are digits to Python), no exponent, at most 15 whole digits.
_AMOUNT = re.compile(r"-?[0-9]{1,15}(\.[0-9]*)?|-?\.[0-9]+")


def parse_amount(text: str) -> int:
    """'12.34' -> 1234. Refuses more than two decimals and anything not a plain number."""
    if not isinstance(text, str) or not _AMOUNT.fullmatch(text.strip()):
        raise ValueError(f"not an amount: {text!r}")
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise ValueError(f"not an amount: {text!r}") from exc
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"amount has more than two decimals: {text!r}")
    return int(cents)
