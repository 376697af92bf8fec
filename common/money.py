"""Money is integer cents. One rounding rule, half up to the cent, lives here."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal(1)


def round_half_up(value: Decimal | int | str) -> int:
    """Round an amount expressed in cents (possibly fractional) half up to a whole cent.

    Half up means away from zero on an exact half: 0.5 -> 1, -0.5 -> -1, as a
    cash register and the tax authorities do.
    """
    if isinstance(value, float):  # pragma: no cover - guarded by type, kept for safety
        raise TypeError("money must never be a float")
    return int(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def percent_of(cents: int, percent: Decimal | int | str) -> int:
    """``percent`` % of ``cents``, rounded half up to the cent."""
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


def parse_amount(text: str) -> int:
    """'12.34' -> 1234. Refuses more than two decimals and anything not a number."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError) as exc:
        raise ValueError(f"not an amount: {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {text!r}")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"amount has more than two decimals: {text!r}")
    return int(cents)
