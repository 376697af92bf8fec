"""Sale arithmetic in integer cents, written once for the till, the store, head office and tests.

Pure functions over integers (no floats in, none out: a float raises
``TypeError``), no database. The till's cart and the store's sale price with
them, so the screen shows what the sale records; head office checks a pushed
sale with :func:`sale_problem`; demo history and test builders make their
events with them.

- A line's gross is ``unit price x qty``; a discount is a percentage of the
  gross (rounded half up to the cent) or an amount, never more than the gross;
  the line's net is gross less discount.
- Taxes are computed once on the sale's taxable subtotal per tax class, each
  tax rounded separately, half up (``common.taxes``). Each tax is then split
  across the lines it applies to by largest remainder, so the lines' shares
  add up to the sale's tax exactly: returns refund a line's share.
- The total is subtotal + taxes. Payments: card may not exceed the total; cash
  may (the excess is the change).
- Cash rounding (Canada, since the penny went): what is paid in cash is rounded
  to the nearest 5 cents (.01/.02 down, .03/.04 up, .06/.07 down, .08/.09 up);
  the total and the taxes are not, and card payments never are. The sale keeps
  the difference as ``rounding_cents`` (-2 to +2).
- A partial return refunds a cumulative share of each amount of a line, so any
  sequence of partial returns of the line gives back exactly what was paid. Its
  refund goes back in the sale's tenders (card first) or the one it names, and
  the cash part is rounded to 5 cents like a cash payment (:func:`plan_refund`):
  ``refund_cents`` stays what is owed, ``rounding_cents`` what cash rounding added.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from .errors import Conflict, ValidationFailed
from .i18n import Cents, _
from .limits import (
    DISCOUNT_PERCENT_MAX,
    LINES_MAX,
    LINES_MIN,
    PAYMENT_MAX_CENTS,
    PAYMENT_MIN_CENTS,
    PAYMENTS_MAX,
    QTY_MAX,
    QTY_MIN,
    UNIT_PRICE_MAX_CENTS,
)
from .money import percent_of, round_half_up
from .taxes import TaxTable, compute_taxes

TENDERS = ("cash", "card")


def cents(value: Any, name: str = "amount") -> int:
    """``value`` when it is a whole number of cents; ``TypeError`` for a float, a bool or anything else."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int number of cents, not {type(value).__name__}")
    return value


def _percent(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float | bool):
        raise TypeError("a percentage must be a Decimal, an int or a string, not a float")
    return Decimal(value)


# Lines -----------------------------------------------------------------------------------------


def line_gross(qty: int, unit_price_cents: int) -> int:
    """``qty x unit price``, in cents."""
    return cents(qty, "qty") * cents(unit_price_cents, "unit_price_cents")


def line_discount(
    gross_cents: int, discount_percent: Decimal | int | str | None, discount_cents: int | None,
    where: str = "line",
) -> int:
    """The discount of a line in cents (a percentage of the gross, half up, or an amount).

    Raises ``ValidationFailed`` naming ``where`` for both at once, a percentage
    outside 0..100 or an amount outside 0..gross.
    """
    cents(gross_cents, "gross_cents")
    if discount_percent is not None and discount_cents is not None:
        raise ValidationFailed(
            _('Give a line discount as a percentage or as an amount, not both.'),
            errors={where: [_("Give discount_percent or discount_cents, not both.")]},
        )
    if discount_percent is not None:
        percent = _percent(discount_percent)
        if not percent.is_finite() or percent < 0 or percent > DISCOUNT_PERCENT_MAX:
            raise ValidationFailed(
                _(
                    'A discount percentage is between 0 and %(discount_percent_max)s.',
                    discount_percent_max=DISCOUNT_PERCENT_MAX,
                ),
                code="invalid_discount",
                errors={where: [_("discount_percent is between 0 and %(max)s.", max=DISCOUNT_PERCENT_MAX)]},
            )
        return percent_of(gross_cents, percent)
    if discount_cents is None:
        return 0
    cents(discount_cents, "discount_cents")
    if discount_cents < 0 or discount_cents > gross_cents:
        raise ValidationFailed(
            _(
                'A discount of %(v1)s is more than the line (%(v3)s).',
                v1=Cents(discount_cents),
                v3=Cents(gross_cents),
            ),
            code="invalid_discount",
            errors={where: [_("discount_cents is between 0 and the line amount.")]},
        )
    return discount_cents


def line_net(qty: int, unit_price_cents: int, discount_cents: int = 0) -> int:
    """What a line comes to after its discount, tax excluded."""
    return line_gross(qty, unit_price_cents) - cents(discount_cents, "discount_cents")


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

    def __post_init__(self) -> None:
        cents(self.qty, "qty")
        cents(self.unit_price_cents, "unit_price_cents")
        cents(self.discount_cents, "discount_cents")

    @property
    def gross_cents(self) -> int:
        return line_gross(self.qty, self.unit_price_cents)

    @property
    def net_cents(self) -> int:
        return self.gross_cents - self.discount_cents

    @property
    def tax_cents(self) -> int:
        return sum(self.taxes.values())

    def discount_fraction_exceeds(self, limit_percent: Decimal | int | str) -> bool:
        """Is this line's discount above ``limit_percent`` of its gross?"""
        limit = _percent(limit_percent)
        if self.discount_cents <= 0:
            return False
        if self.discount_percent is not None:
            return self.discount_percent > limit
        return Decimal(self.discount_cents) * 100 > Decimal(self.gross_cents) * limit


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


def allocate(total: int, exact_shares: Sequence[Decimal]) -> list[int]:
    """Split ``total`` cents across shares proportional to ``exact_shares`` (largest remainder).

    The result sums to ``total`` exactly; ties go to the earlier share.
    """
    cents(total, "total")
    floors = [int(share.to_integral_value(rounding=ROUND_FLOOR)) for share in exact_shares]
    remainder = total - sum(floors)
    order = sorted(range(len(exact_shares)), key=lambda i: (-(exact_shares[i] - floors[i]), i))
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


def price_sale(lines: list[PricedLine], table: TaxTable | None = None) -> PricedSale:
    """Compute the sale's taxes (per class, on the taxable subtotal, half up) and each line's share."""
    table = table or TaxTable()
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


def discount_over_limit(sale: PricedSale, limit_percent: Decimal | int | str) -> list[int]:
    """Line numbers whose discount is above ``limit_percent`` of the line."""
    return [line.line_no for line in sale.lines if line.discount_fraction_exceeds(limit_percent)]


def short_stock(lines: Iterable[PricedLine], on_hand: Mapping[str, int]) -> dict[str, int]:
    """SKUs the lines want more of than ``on_hand`` holds, with the quantity wanted."""
    wanted: dict[str, int] = {}
    for line in lines:
        wanted[line.sku] = wanted.get(line.sku, 0) + line.qty
    return {sku: qty for sku, qty in wanted.items() if qty > on_hand.get(sku, 0)}



# Lines priced from a catalog -------------------------------------------------------------------
# ``products`` maps a SKU to its catalog entry: a mapping with ``name``, ``price_cents``,
# ``tax_class``, ``active`` and ``on_hand`` (the store reads them from its SQLite file).


def check_line_shape(index: int, line: Mapping[str, Any]) -> None:
    """A requested line's quantity is a whole number within the limits."""
    qty = line.get("qty")
    where = f"lines.{index}.qty"
    if not isinstance(qty, int) or isinstance(qty, bool) or qty < QTY_MIN:
        raise ValidationFailed(
            _('Line %(v1)s: the quantity must be at least %(qty_min)s.', v1=index + 1, qty_min=QTY_MIN),
            code="invalid_quantity",
            errors={where: [_("A whole number, at least %(min)s.", min=QTY_MIN)]},
        )
    if qty > QTY_MAX:
        raise ValidationFailed(
            _(
                'Line %(v1)s: %(qty)s units is more than the %(qty_max)s allowed on a line.',
                v1=index + 1,
                qty=qty,
                qty_max=format(QTY_MAX, ','),
            ),
            code="invalid_quantity",
            errors={where: [_("At most %(max)s.", max=QTY_MAX)]},
        )


def product_problem(index: int, sku: str, product: Mapping[str, Any] | None) -> ValidationFailed | None:
    """Why the product of a line cannot be sold (unknown, inactive), or None."""
    if product is None:
        return ValidationFailed(
            _('Unknown product %(sku)s.', sku=repr(sku)),
            code="unknown_product",
            errors={f"lines.{index}.sku": [_("No product %(sku)s.", sku=sku)]},
        )
    if not product["active"]:
        return ValidationFailed(
            _('%(v0)s (%(sku)s) is no longer sold.', v0=product["name"], sku=sku),
            code="product_inactive",
            errors={f"lines.{index}.sku": [_("No longer sold.")]},
        )
    return None


def priced_line(index: int, line: Mapping[str, Any], product: Mapping[str, Any]) -> PricedLine:
    """One requested line priced at the product's current price."""
    qty = int(line["qty"])
    percent = line.get("discount_percent")
    percent_value = Decimal(str(percent)) if percent is not None else None
    unit_price = cents(product["price_cents"], "price_cents")
    discount = line_discount(
        line_gross(qty, unit_price), percent_value, line.get("discount_cents"), f"lines.{index}"
    )
    return PricedLine(
        line_no=index + 1,
        sku=str(line["sku"]),
        name=str(product["name"]),
        qty=qty,
        unit_price_cents=unit_price,
        tax_class=str(product["tax_class"]),
        discount_percent=percent_value,
        discount_cents=discount,
    )


def price_lines(
    lines: Sequence[Mapping[str, Any]], products: Mapping[str, Mapping[str, Any]]
) -> list[PricedLine]:
    """Price requested lines from the catalog entries of their SKUs.

    Refuses no lines or too many, bad quantities and discounts, unknown and inactive products.
    """
    if not lines:
        raise ValidationFailed(_('A sale needs at least one line.'), errors={"lines": [_("Empty.")]})
    if len(lines) > LINES_MAX:
        raise ValidationFailed(
            _(
                'A sale has at most %(lines_max)s lines (%(v3)s given).',
                lines_max=LINES_MAX,
                v3=len(lines),
            ),
            code="too_many_lines",
            errors={"lines": [_("At most %(max)s lines.", max=LINES_MAX)]},
        )
    for index, line in enumerate(lines):
        check_line_shape(index, line)
    priced: list[PricedLine] = []
    for index, line in enumerate(lines):
        product = products.get(str(line["sku"]))
        problem = product_problem(index, str(line["sku"]), product)
        if problem is not None:
            raise problem
        assert product is not None  # product_problem refuses a missing one
        priced.append(priced_line(index, line, product))
    return priced


def check_stock(lines: Sequence[PricedLine], on_hand: Mapping[str, int], allow_oversell: bool) -> bool:
    """Refuse selling beyond stock unless allowed (409 ``insufficient_stock``); returns whether a
    count is needed (the sale oversold)."""
    names = {line.sku: line.name for line in lines}
    short = short_stock(lines, on_hand)
    if not short:
        return False
    if allow_oversell:
        return True
    sku, qty = next(iter(short.items()))
    left = max(on_hand.get(sku, 0), 0)
    left_text = _("none left") if left == 0 else _("only %(left)s left", left=left)
    raise Conflict(
        _(
            'Not enough %(v1)s (%(sku)s) in stock: %(left_text)s, %(qty)s asked.',
            v1=names[sku],
            sku=sku,
            left_text=left_text,
            qty=qty,
        ),
        code="insufficient_stock",
        errors={
            s: {"name": names[s], "available": max(on_hand.get(s, 0), 0), "asked": q}
            for s, q in short.items()
        },
    )

# Payments --------------------------------------------------------------------------------------


def payment_problem(tender: Any, amount: Any) -> tuple[str, str] | None:
    """``(field, message)`` when a payment is not one the limits allow, else None."""
    if tender not in TENDERS:
        return "tender", _("One of %(choices)s.", choices=", ".join(TENDERS))
    if isinstance(amount, bool) or not isinstance(amount, int):
        return "amount_cents", _("A whole number of cents.")
    if not PAYMENT_MIN_CENTS <= amount <= PAYMENT_MAX_CENTS:
        return "amount_cents", _(
            "Between %(min)s and %(max)s.",
            min=Cents(PAYMENT_MIN_CENTS),
            max=Cents(PAYMENT_MAX_CENTS),
        )
    return None


def _not_covered(paid: int, due: int) -> ValidationFailed:
    """The refusal of payments short of what is due (with or without cash rounding)."""
    return ValidationFailed(
        _(
            'Payments (%(v1)s) do not cover the total (%(v3)s): %(v5)s missing.',
            v1=Cents(paid),
            v3=Cents(due),
            v5=Cents(due - paid),
        ),
        code="insufficient_payment",
        errors={"payments": [_("The payments do not cover the total.")]},
    )


def settle(total_cents: int, payments: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
    """Check payments against the total; returns ``(paid_cents, change_cents)``.

    Each payment is a tender and 0.01 to 1,000,000.00 $; card may not exceed the
    total; together they must cover it (cash gives the change).
    """
    cents(total_cents, "total_cents")
    payments = list(payments)
    if len(payments) > PAYMENTS_MAX:
        raise ValidationFailed(
            _('A sale takes at most %(payments_max)s payments.', payments_max=PAYMENTS_MAX),
            errors={"payments": [_("At most %(max)s payments.", max=PAYMENTS_MAX)]},
        )
    card = cash = 0
    for index, payment in enumerate(payments):
        tender = payment.get("tender")
        amount: Any = payment.get("amount_cents")
        problem = payment_problem(tender, amount)
        if problem is not None:
            place, message = problem
            if place == "tender":
                raise ValidationFailed(
                    _('Unknown tender %(tender)s: use cash or card.', tender=repr(tender)),
                    code="unknown_tender",
                    errors={f"payments.{index}.tender": [message]},
                )
            raise ValidationFailed(
                _(
                    'A payment is between %(v1)s and %(v3)s.',
                    v1=Cents(PAYMENT_MIN_CENTS),
                    v3=Cents(PAYMENT_MAX_CENTS),
                ),
                code="invalid_amount",
                errors={f"payments.{index}.amount_cents": [message]},
            )
        if tender == "card":
            card += amount
        else:
            cash += amount
    if card > total_cents:
        raise ValidationFailed(
            _(
                'Card payments (%(v1)s) are more than the amount due (%(v3)s); only cash can '
                'give change.',
                v1=Cents(card),
                v3=Cents(total_cents),
            ),
            code="card_exceeds_total",
            errors={"payments": [_("The card pays more than the sale total.")]},
        )
    paid = card + cash
    if paid < total_cents:
        raise _not_covered(paid, total_cents)
    return paid, paid - total_cents


def cash_rounding(cents_due: int) -> int:
    """What Canadian cash rounding adds to an amount paid in cash: -2 to +2 cents.

    ``cents_due + cash_rounding(cents_due)`` is the nearest multiple of 5 cents
    (there is never a tie: amounts are whole cents).
    """
    value = cents(cents_due, "cents_due")
    return (value + 2) // 5 * 5 - value


def settle_cash(total_cents: int, payments: Iterable[Mapping[str, Any]]) -> tuple[int, int, int]:
    """As :func:`settle`, with cash rounding: returns ``(paid, change, rounding)``.

    When cash is paid, the part of the total the card does not cover is rounded
    to 5 cents (``rounding``); payments must cover ``total + rounding`` and the
    change is what cash gave beyond it. A card-only sale is never rounded.
    """
    payments = list(payments)
    card = sum(int(p.get("amount_cents") or 0) for p in payments if p.get("tender") == "card")
    has_cash = any(p.get("tender") == "cash" for p in payments)
    try:
        paid, _change = settle(total_cents, payments)
    except ValidationFailed as exc:
        if exc.code != "insufficient_payment" or not has_cash:
            raise
        paid = sum(int(p.get("amount_cents") or 0) for p in payments)
    rounding = cash_rounding(total_cents - card) if has_cash and total_cents > card else 0
    due = total_cents + rounding
    if paid < due:
        raise _not_covered(paid, due)
    return paid, paid - due, rounding


def change_due(total_cents: int, paid_cents: int) -> int:
    """The change on ``paid_cents`` for a total (never negative)."""
    return max(cents(paid_cents, "paid_cents") - cents(total_cents, "total_cents"), 0)


def cash_needed(total_cents: int, card_cents: int) -> int:
    """What is left to pay in cash once the card part is paid (never negative)."""
    return max(cents(total_cents, "total_cents") - cents(card_cents, "card_cents"), 0)


# Returns ---------------------------------------------------------------------------------------


def refund_share(amount: int, sold_qty: int, before: int, now: int) -> int:
    """What returning ``now`` more units refunds of ``amount``, after ``before`` were returned.

    Cumulative rounding (half up): round(amount x returned / sold) at each step,
    so any sequence of partial returns of a line adds up to ``amount`` exactly.
    """
    cents(amount, "amount")
    for name, value in (("sold_qty", sold_qty), ("before", before), ("now", now)):
        cents(value, name)

    def cumulative(units: int) -> int:
        return round_half_up(Decimal(amount) * units / sold_qty)

    return cumulative(before + now) - cumulative(before)


@dataclass(frozen=True)
class LineRefund:
    net_cents: int
    taxes: dict[str, int]

    @property
    def tax_cents(self) -> int:
        return sum(self.taxes.values())


def refund_line(
    net_cents: int, taxes: Mapping[str, int], sold_qty: int, before: int, now: int
) -> LineRefund:
    """What returning ``now`` units of a sale line refunds: its share of the net and of each tax."""
    return LineRefund(
        net_cents=refund_share(net_cents, sold_qty, before, now),
        taxes={name: refund_share(amount, sold_qty, before, now) for name, amount in taxes.items()},
    )


def refund_tenders(refund_cents: int, card_paid: int, card_refunded: int) -> list[dict[str, Any]]:
    """Card first, up to what the card paid and has not had back; the rest in cash.

    Amounts owed, before cash rounding (:func:`plan_refund` rounds the cash part).
    """
    cents(refund_cents, "refund_cents")
    card = min(refund_cents, max(cents(card_paid, "card_paid") - cents(card_refunded, "card_refunded"), 0))
    out: list[dict[str, Any]] = []
    if card:
        out.append({"tender": "card", "amount_cents": card})
    if refund_cents - card:
        out.append({"tender": "cash", "amount_cents": refund_cents - card})
    return out


@dataclass(frozen=True)
class RefundPlan:
    """How a return gives the money back.

    ``refunds`` are the amounts that leave the store per tender, the cash part
    rounded to 5 cents as Canadian cash is (card refunds never are);
    ``rounding_cents`` (-2 to +2) is what that rounding added, so the refunds add
    up to ``refund_cents + rounding_cents``. ``tender`` is the one tender used, or
    None when the refund is split between the card and cash.
    """

    tender: str | None
    refunds: list[dict[str, Any]]
    rounding_cents: int


def plan_refund(
    refund_cents: int, card_paid: int, card_refunded: int, tender: str | None = None
) -> RefundPlan:
    """The tenders of a refund of ``refund_cents`` (what the return owes, taxes included).

    With no ``tender``, the sale's own: back to the card first, up to what the
    card paid and has not had back, the rest in cash. ``"cash"``: all in cash.
    ``"card"``: all to the card, never more than the card paid on the sale and has
    not had back (a card refund goes back to the card that paid). The cash part is
    rounded to 5 cents (:func:`cash_rounding`).
    """
    cents(refund_cents, "refund_cents")
    card_left = max(cents(card_paid, "card_paid") - cents(card_refunded, "card_refunded"), 0)
    if tender is None:
        owed = refund_tenders(refund_cents, card_paid, card_refunded)
    elif tender == "cash":
        owed = [{"tender": "cash", "amount_cents": refund_cents}] if refund_cents else []
    elif tender == "card":
        if refund_cents > card_left:
            raise ValidationFailed(
                _(
                    'Only %(left)s can go back to the card on this sale (the card paid '
                    '%(paid)s); refund %(amount)s in cash instead.',
                    left=Cents(card_left),
                    paid=Cents(card_paid),
                    amount=Cents(refund_cents),
                ),
                code="card_refund_exceeds_card_paid",
                errors={"tender": [_("The card did not pay that much on this sale.")]},
            )
        owed = [{"tender": "card", "amount_cents": refund_cents}] if refund_cents else []
    else:
        raise ValidationFailed(
            _('A refund is in cash or to the card.'),
            code="invalid_tender",
            errors={"tender": [_("One of %(choices)s.", choices=", ".join(TENDERS))]},
        )
    refunds: list[dict[str, Any]] = []
    rounding = 0
    for part in owed:
        amount = part["amount_cents"]
        if part["tender"] == "cash":
            rounding = cash_rounding(amount)
            amount += rounding
        if amount:
            refunds.append({"tender": part["tender"], "amount_cents": amount})
    used = {part["tender"] for part in owed}
    return RefundPlan(
        tender=tender or (used.pop() if len(used) == 1 else None),
        refunds=refunds,
        rounding_cents=rounding,
    )


# Checking a sale or a return as pushed ---------------------------------------------------------


def _is_cents(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def sale_problem(p: Mapping[str, Any]) -> str | None:
    """Why a sale (as a store pushes it) does not add up, or None when it does.

    Checks the signs and limits of every amount, each line's net (qty x unit
    price - discount), the subtotal, the taxes (their sum, and each line's
    share within the rounding rule: head office does not assume a store's
    rates, which change over time, so it checks the sale against itself), the
    total, and that payments cover the total with only cash giving change.
    """
    lines = p.get("lines")
    if not isinstance(lines, list) or not LINES_MIN <= len(lines) <= LINES_MAX:
        return f"a sale has {LINES_MIN} to {LINES_MAX} lines"
    for key in ("subtotal_cents", "tax_cents", "total_cents"):
        if not _is_cents(p.get(key)) or p[key] < 0:
            return f"{key} must be a whole number of cents, not negative"
    taxable = 0
    discount_total = 0
    line_tax_total = 0
    line_taxes_given = True
    for line in lines:
        n = line.get("line_no")
        qty, price, discount, net = (
            line.get(key) for key in ("qty", "unit_price_cents", "discount_cents", "net_cents")
        )
        if not all(_is_cents(v) for v in (qty, price, discount, net)):
            return f"line {n}: qty and amounts must be whole numbers"
        if not QTY_MIN <= qty <= QTY_MAX:
            return f"line {n}: qty must be between {QTY_MIN} and {QTY_MAX}"
        if not 0 <= price <= UNIT_PRICE_MAX_CENTS:
            return f"line {n}: unit_price_cents must be between 0 and {UNIT_PRICE_MAX_CENTS}"
        gross = qty * price
        if not 0 <= discount <= gross:
            return f"line {n}: discount_cents must be between 0 and the line's gross ({gross})"
        if net != gross - discount:
            return f"line {n}: net_cents must be qty x unit price - discount ({gross - discount}), not {net}"
        discount_total += discount
        if line.get("tax_class") != "exempt":
            taxable += net
        line_tax = line.get("tax_cents")
        if line_tax is None:
            line_taxes_given = False
        elif not _is_cents(line_tax) or line_tax < 0:
            return f"line {n}: tax_cents must be a whole number of cents, not negative"
        elif line.get("tax_class") == "exempt" and line_tax:
            return f"line {n}: an exempt line carries no tax"
        else:
            line_tax_total += line_tax
    subtotal = sum(line["net_cents"] for line in lines)
    if p["subtotal_cents"] != subtotal:
        return f"subtotal_cents must be the sum of the lines' net_cents ({subtotal})"
    if p.get("discount_cents") is not None and p["discount_cents"] != discount_total:
        return f"discount_cents must be the sum of the lines' discounts ({discount_total})"
    tax = p["tax_cents"]
    taxes = p.get("taxes")
    if taxes is not None:
        if not isinstance(taxes, Mapping) or not all(_is_cents(v) and v >= 0 for v in taxes.values()):
            return "each tax must be a whole number of cents, not negative"
        if sum(taxes.values()) != tax:
            return f"tax_cents must be the sum of the taxes ({sum(taxes.values())})"
        if any(v > taxable for v in taxes.values()):
            return "a tax is more than the taxable subtotal"
    if taxable == 0 and tax:
        return "a sale with no taxable line carries no tax"
    if line_taxes_given and taxable:
        if line_tax_total != tax:
            return f"the lines' tax_cents must add up to tax_cents ({tax}), not {line_tax_total}"
        problem = _line_shares_problem(lines, max(len(taxes or {}), 1))
        if problem:
            return problem
    if p["total_cents"] != subtotal + tax:
        return "total_cents must be subtotal_cents + tax_cents"
    return _payments_problem(p)


def _line_shares_problem(lines: list[Mapping[str, Any]], tax_count: int) -> str | None:
    """Each line's tax is its share of its class's tax, within the rounding rule.

    Each tax is split across lines by largest remainder, so a line's share of one tax is
    within a cent of its exact share; against its class's total, within two. Rates may
    differ between classes, so lines are compared within their class.
    """
    classes: dict[str, list[Mapping[str, Any]]] = {}
    for line in lines:
        if line.get("tax_class") != "exempt":
            classes.setdefault(str(line.get("tax_class")), []).append(line)
    for members in classes.values():
        net = sum(line["net_cents"] for line in members)
        tax = sum(line["tax_cents"] for line in members)
        for line in members:
            exact = Decimal(tax) * line["net_cents"] / net if net else Decimal(0)
            if abs(line["tax_cents"] - exact) > 2 * tax_count:
                return f"line {line.get('line_no')}: tax_cents is not its share of the sale's tax"
    return None


def _payments_problem(p: Mapping[str, Any]) -> str | None:
    total = p["total_cents"]
    payments = p.get("payments")
    if payments is None:
        return "payments are missing" if total else None
    if not isinstance(payments, list) or len(payments) > PAYMENTS_MAX:
        return f"a sale has at most {PAYMENTS_MAX} payments"
    card = cash = 0
    for index, payment in enumerate(payments):
        problem = payment_problem(payment.get("tender"), payment.get("amount_cents"))
        if problem is not None:
            return f"payment {index + 1}: {problem[0]}: {problem[1]}"
        if payment["tender"] == "card":
            card += payment["amount_cents"]
        else:
            cash += payment["amount_cents"]
    if card > total:
        return "card payments exceed the total; only cash gives change"
    rounding = p.get("rounding_cents") or 0
    if not _is_cents(rounding):
        return "rounding_cents must be a whole number of cents"
    expected_rounding = cash_rounding(total - card) if cash and total > card else 0
    if rounding != expected_rounding:
        if rounding:  # a store that rounds must round as Canadian cash does
            return f"rounding_cents must round the cash part to 5 cents ({expected_rounding})"
        expected_rounding = 0  # a store that does not round (older tills) is still right
    due = total + expected_rounding
    if card + cash < due:
        return f"payments ({card + cash}) do not cover the total ({due})"
    change = p.get("change_cents", 0)
    if not _is_cents(change) or change != card + cash - due:
        return f"change_cents must be what was paid less the total ({card + cash - due})"
    return None


def return_problem(p: Mapping[str, Any]) -> str | None:
    """Why a return (as a store pushes it) does not add up on its own, or None when it does."""
    lines = p.get("lines")
    if not isinstance(lines, list) or not LINES_MIN <= len(lines) <= LINES_MAX:
        return f"a return has {LINES_MIN} to {LINES_MAX} lines"
    for key in ("subtotal_cents", "tax_cents", "refund_cents"):
        if not _is_cents(p.get(key)) or p[key] < 0:
            return f"{key} must be a whole number of cents, not negative"
    for line in lines:
        for key in ("net_cents", "tax_cents"):
            value = line.get(key, 0)
            if not _is_cents(value) or value < 0:
                return f"line {line.get('sale_line_no')}: {key} must be a whole number of cents, not negative"
    subtotal = sum(line["net_cents"] for line in lines)
    if p["subtotal_cents"] != subtotal:
        return f"subtotal_cents must be the sum of the lines' net_cents ({subtotal})"
    if all("tax_cents" in line for line in lines):
        line_tax = sum(line["tax_cents"] for line in lines)
        if line_tax != p["tax_cents"]:
            return f"tax_cents must be the sum of the lines' tax_cents ({line_tax})"
    taxes = p.get("taxes")
    if taxes and (not all(_is_cents(v) and v >= 0 for v in taxes.values())
                  or sum(taxes.values()) != p["tax_cents"]):
        return "tax_cents must be the sum of the taxes"
    if p["refund_cents"] != p["subtotal_cents"] + p["tax_cents"]:
        return "refund_cents must be subtotal_cents + tax_cents"
    refunds = p.get("refunds")
    if refunds is not None:
        if not isinstance(refunds, list):
            return "refunds must be a list"
        for refund in refunds:
            if refund.get("tender") not in TENDERS or not _is_cents(refund.get("amount_cents")) \
                    or refund["amount_cents"] < 0:
                return "each refund is a tender and a whole number of cents, not negative"
        rounding = p.get("rounding_cents") or 0
        if not _is_cents(rounding) or not -2 <= rounding <= 2:
            return "rounding_cents must be a whole number of cents, -2 to 2"
        if refunds and sum(r["amount_cents"] for r in refunds) != p["refund_cents"] + rounding:
            return "the refunds must add up to refund_cents + rounding_cents"
        if rounding:
            cash = sum(r["amount_cents"] for r in refunds if r["tender"] == "cash")
            if cash % 5 or cash_rounding(cash - rounding) != rounding:
                return f"rounding_cents must round the cash refunded to 5 cents ({rounding} given)"
    return None


# Online shop carts ---------------------------------------------------------------------


@dataclass
class PricedCart:
    lines: list[dict] = field(default_factory=list)
    subtotal_cents: int = 0
    taxes: dict[str, int] = field(default_factory=dict)

    @property
    def tax_cents(self) -> int:
        return sum(self.taxes.values())

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents + self.tax_cents

    def wire(self) -> dict:
        return {
            "lines": self.lines,
            "subtotal_cents": self.subtotal_cents,
            "gst_cents": self.taxes.get("gst", 0),
            "qst_cents": self.taxes.get("qst", 0),
            "taxes": self.taxes,
            "tax_cents": self.tax_cents,
            "total_cents": self.total_cents,
        }


def price_cart(lines: list[dict], table: TaxTable | None = None) -> PricedCart:
    """An online shop's cart: ``lines`` carry ``sku``, ``qty``, ``unit_price_cents`` and
    ``tax_class`` (no discounts); adds ``net_cents``. The sale's own arithmetic
    (:func:`price_sale`), so the cart shows what the order records."""
    priced = price_sale(
        [
            PricedLine(number, line["sku"], line.get("name", ""), line["qty"], line["unit_price_cents"],
                       line["tax_class"], None, 0)
            for number, line in enumerate(lines, start=1)
        ],
        table,
    )
    for line, result in zip(lines, priced.lines, strict=True):
        line["net_cents"] = result.net_cents
    return PricedCart(lines, priced.subtotal_cents, dict(priced.taxes))
