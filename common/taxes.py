"""Sales taxes per tax class.

Default rates are Quebec's: GST 5 % and QST 9.975 %, each computed on the
taxable subtotal of the sale and rounded separately (half up), as a Quebec
receipt shows them. Rates are configurable (``COMPTOIR_TAX_RATES``) as a
mapping ``{tax name: rate}`` applied to the ``standard`` class; ``exempt``
lines carry no tax.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .money import round_half_up

TAX_CLASSES = ("standard", "exempt")

DEFAULT_RATES: dict[str, Decimal] = {"gst": Decimal("0.05"), "qst": Decimal("0.09975")}


@dataclass(frozen=True)
class TaxTable:
    """Rates per tax name for each tax class. Only ``standard`` is taxed by default."""

    rates: Mapping[str, Mapping[str, Decimal]] = field(
        default_factory=lambda: {"standard": dict(DEFAULT_RATES), "exempt": {}}
    )

    @classmethod
    def from_config(cls, value: Mapping[str, object] | None) -> TaxTable:
        """Build from a config mapping.

        Accepts either ``{"gst": "0.05", "qst": "0.09975"}`` (rates of the
        standard class) or ``{"standard": {...}, "exempt": {...}}``.
        """
        if not value:
            return cls()
        if all(isinstance(v, Mapping) for v in value.values()):
            table: dict[str, dict[str, Decimal]] = {
                str(k): {str(n): Decimal(str(r)) for n, r in v.items()}  # type: ignore[attr-defined]
                for k, v in value.items()
            }
            table.setdefault("exempt", {})
            return cls(table)
        return cls({"standard": {str(n): Decimal(str(r)) for n, r in value.items()}, "exempt": {}})

    def names(self) -> list[str]:
        seen: list[str] = []
        for rates in self.rates.values():
            for name in rates:
                if name not in seen:
                    seen.append(name)
        return seen


@dataclass(frozen=True)
class TaxBreakdown:
    taxable_subtotal_cents: int
    by_tax: dict[str, int]

    @property
    def total_cents(self) -> int:
        return sum(self.by_tax.values())


def compute_taxes(
    lines: Iterable[tuple[str, int]], table: TaxTable | None = None
) -> TaxBreakdown:
    """Taxes for a sale given ``(tax_class, net line amount in cents)`` pairs.

    Each tax is computed once on the sale's subtotal of the lines it applies
    to (not line by line) and rounded half up to the cent, separately for
    each tax.
    """
    table = table or TaxTable()
    exact: dict[str, Decimal] = {name: Decimal(0) for name in table.names()}
    taxable = 0
    for tax_class, amount in lines:
        rates = table.rates.get(tax_class)
        if rates is None:
            raise ValueError(f"unknown tax class {tax_class!r}")
        if rates:
            taxable += amount
        for name, rate in rates.items():
            exact[name] += Decimal(amount) * rate
    return TaxBreakdown(
        taxable_subtotal_cents=taxable,
        by_tax={name: round_half_up(value) for name, value in exact.items()},
    )
