"""EAN-13 barcodes."""

from __future__ import annotations


def ean13_check_digit(first12: str) -> int:
    if len(first12) != 12 or not first12.isdigit():
        raise ValueError("an EAN-13 body is 12 digits")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return (10 - total % 10) % 10


def is_valid_ean13(code: str) -> bool:
    return (
        isinstance(code, str)
        and len(code) == 13
        and code.isdigit()
        and ean13_check_digit(code[:12]) == int(code[12])
    )


def make_ean13(first12: str) -> str:
    return first12 + str(ean13_check_digit(first12))
