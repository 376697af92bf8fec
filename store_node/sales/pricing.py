"""Sale arithmetic in integer cents: line discounts, taxes, their share per line, payments.

Pure functions, shared by the sale operation and the till's cart, so the
screen shows exactly what the sale will record.

- A line's gross is ``unit price x qty``; a discount is a percentage of the
  gross (rounded half up to the cent) or an amount, never more than the gross.
- Taxes are computed once on the sale's taxable subtotal, each tax rounded
  separately (``common.taxes``). Each tax is then split across the lines it
  applies to by largest remainder, so the lines' shares add up to the sale's
  tax exactly: returns refund a line's share.
- Payments: card may not exceed the total; cash may (change is given).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from common.errors import ValidationFailed
from common.money import format_cents, percent_of, round_half_up
from common.taxes import TaxTable, compute_taxes

MAX_QTY_PER_LINE = 10_000
MAX_LINES = 200
TENDERS = ("cash", "card")


@dataclass
class PricedLine:
    line_no: int
    sku: str
    name: str
    qty: int
    unit_price_cents: int
    tax_class: str
    discount_percent: Decimal | None
    discount_cents: int
    taxes: dict[str, int] = field(default_factory=dict)

    @property
    def gross_cents(self) -> int:
        return self.unit_price_cents * self.qty

    @property
    def net_cents(self) -> int:
        return self.gross_cents - self.discount_cents

    @property
    def tax_cents(self) -> int:
        return sum(self.taxes.values())

    def discount_fraction_exceeds(self, limit_percent: Decimal) -> bool:
        """Is this line's discount above ``limit_percent`` of its gross?"""
        if self.discount_cents <= 0:
            return False
        if self.discount_percent is not None:
            return self.discount_percent > limit_percent
        return Decimal(self.discount_cents) * 100 > Decimal(self.gross_cents) * limit_percent


@dataclass
class PricedSale:
    lines: list[PricedLine]
    taxes: dict[str, int]

    @property
    def gross_cents(self) -> int:
        return sum(line.gross_cents for line in self.lines)

    @property
    def discount_cents(self) -> int:
        return sum(line.discount_cents for line in self.lines)

    @property
    def subtotal_cents(self) -> int:
        """Sum of line amounts after discounts, tax excluded (what revenue counts)."""
        return sum(line.net_cents for line in self.lines)

    @property
    def tax_cents(self) -> int:
        return sum(self.taxes.values())

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents + self.tax_cents


def line_discount(
    gross_cents: int, discount_percent: Decimal | None, discount_cents: int | None, where: str
) -> int:
    """The discount of a line in cents; refuses one larger than the line."""
    if discount_percent is not None and discount_cents is not None:
        raise ValidationFailed(
            "Give a line discount as a percentage or as an amount, not both.",
            errors={where: ["discount_percent and discount_cents are exclusive"]},
        )
    if discount_percent is not None:
        if discount_percent < 0 or discount_percent > 100:
            raise ValidationFailed(
                "A discount percentage is between 0 and 100.",
                code="invalid_discount",
                errors={where: ["discount_percent must be between 0 and 100"]},
            )
        return percent_of(gross_cents, discount_percent)
    if discount_cents is None:
        return 0
    if discount_cents < 0 or discount_cents > gross_cents:
        raise ValidationFailed(
            f"A discount of {format_cents(discount_cents)} is more than the line"
            f" ({format_cents(gross_cents)}).",
            code="invalid_discount",
            errors={where: ["discount_cents must be between 0 and the line amount"]},
        )
    return discount_cents


def allocate(total: int, exact_shares: Sequence[Decimal]) -> list[int]:
    """Split ``total`` cents across shares proportional to ``exact_shares`` (largest remainder).

    The result sums to ``total`` exactly; ties go to the earlier share.
    """
    floors = [int(share.to_integral_value(rounding=ROUND_FLOOR)) for share in exact_shares]
    remainder = total - sum(floors)
    order = sorted(
        range(len(exact_shares)), key=lambda i: (-(exact_shares[i] - floors[i]), i)
    )
    result = list(floors)
    if not order:
        return result
    step = 1 if remainder >= 0 else -1
    index = 0
    while remainder != 0:
        result[order[index % len(order)]] += step
        remainder -= step
        index += 1
    return result


def price_sale(lines: list[PricedLine], table: TaxTable) -> PricedSale:
    """Compute the sale's taxes and each line's share of them."""
    breakdown = compute_taxes([(line.tax_class, line.net_cents) for line in lines], table)
    for line in lines:
        line.taxes = {}
    for name, total in breakdown.by_tax.items():
        exact = [
            Decimal(line.net_cents) * table.rates.get(line.tax_class, {}).get(name, Decimal(0))
            for line in lines
        ]
        for line, share in zip(lines, allocate(total, exact), strict=True):
            if share or name in table.rates.get(line.tax_class, {}):
                line.taxes[name] = share
    return PricedSale(lines=lines, taxes=dict(breakdown.by_tax))


def settle(total_cents: int, payments: Iterable[Mapping[str, object]]) -> tuple[int, int]:
    """Check payments against the total; returns ``(paid_cents, change_cents)``."""
    card = cash = 0
    for index, payment in enumerate(payments):
        tender = payment.get("tender")
        amount = payment.get("amount_cents")
        if tender not in TENDERS:
            raise ValidationFailed(
                f"Unknown tender {tender!r}: use cash or card.",
                code="unknown_tender",
                errors={f"payments.{index}.tender": [f"must be one of {', '.join(TENDERS)}"]},
            )
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise ValidationFailed(
                "A payment amount is a positive number of cents.",
                errors={f"payments.{index}.amount_cents": ["must be a positive integer"]},
            )
        if tender == "card":
            card += amount
        else:
            cash += amount
    if card > total_cents:
        raise ValidationFailed(
            f"Card payments ({format_cents(card)}) are more than the amount due"
            f" ({format_cents(total_cents)}); only cash can give change.",
            code="card_exceeds_total",
            errors={"payments": ["card total exceeds the sale total"]},
        )
    paid = card + cash
    if paid < total_cents:
        raise ValidationFailed(
            f"Payments ({format_cents(paid)}) do not cover the total ({format_cents(total_cents)}):"
            f" {format_cents(total_cents - paid)} missing.",
            code="insufficient_payment",
            errors={"payments": ["payments do not cover the total"]},
        )
    return paid, paid - total_cents


def refund_share(amount: int, sold_qty: int, before: int, now: int) -> int:
    """What returning ``now`` more units refunds of ``amount``, after ``before`` were returned.

    Cumulative rounding: round(amount x returned / sold) at each step, so any
    sequence of partial returns of a line adds up to ``amount`` exactly.
    """
    def cumulative(units: int) -> int:
        return round_half_up(Decimal(amount) * units / sold_qty)

    return cumulative(before + now) - cumulative(before)
