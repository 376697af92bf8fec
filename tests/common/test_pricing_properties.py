"""Properties of the one pricing module, over sales Hypothesis makes up within the limits."""

from __future__ import annotations

import inspect
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common import pricing
from common.limits import QTY_MAX, UNIT_PRICE_MAX_CENTS
from common.pricing import (
    PricedLine,
    price_sale,
    refund_line,
    refund_share,
    sale_problem,
    settle,
)
from common.taxes import TaxTable, compute_taxes


@st.composite
def sale_lines(draw, max_lines: int = 12) -> list[PricedLine]:
    lines = []
    for n in range(1, draw(st.integers(1, max_lines)) + 1):
        qty = draw(st.integers(1, QTY_MAX))
        price = draw(st.integers(0, UNIT_PRICE_MAX_CENTS))
        gross = qty * price
        percent = draw(st.one_of(st.none(), st.decimals(0, 100, places=2)))
        discount = pricing.line_discount(
            gross, percent, None if percent is not None else draw(st.integers(0, gross))
        )
        lines.append(PricedLine(n, f"SKU-{n}", f"Item {n}", qty, price,
                                draw(st.sampled_from(["standard", "exempt"])), percent, discount))
    return lines


def wire(sale: pricing.PricedSale, payments: list[dict]) -> dict:
    """The sale as a store pushes it."""
    paid, change = settle(sale.total_cents, payments)
    return {
        "subtotal_cents": sale.subtotal_cents, "discount_cents": sale.discount_cents,
        "tax_cents": sale.tax_cents, "taxes": dict(sale.taxes), "total_cents": sale.total_cents,
        "change_cents": change, "payments": payments,
        "lines": [
            {"line_no": ln.line_no, "sku": ln.sku, "qty": ln.qty, "unit_price_cents": ln.unit_price_cents,
             "discount_cents": ln.discount_cents, "net_cents": ln.net_cents, "tax_class": ln.tax_class,
             "tax_cents": ln.tax_cents}
            for ln in sale.lines
        ],
    }


@given(sale_lines())
@settings(max_examples=150, deadline=None)
def test_a_sales_taxes_are_what_its_receipt_shows(lines):
    sale = price_sale(lines, TaxTable())
    # The receipt shows each tax on the taxable subtotal, half up, and the lines' shares of it.
    expected = compute_taxes([(ln.tax_class, ln.net_cents) for ln in lines]).by_tax
    assert sale.taxes == expected
    for name, amount in sale.taxes.items():
        assert sum(ln.taxes.get(name, 0) for ln in sale.lines) == amount
    assert sale.total_cents == sale.subtotal_cents + sum(expected.values())
    assert sum(ln.tax_cents for ln in sale.lines) == sale.tax_cents
    assert all(ln.tax_cents == 0 for ln in sale.lines if ln.tax_class == "exempt")
    for value in (sale.subtotal_cents, sale.tax_cents, sale.total_cents, sale.discount_cents,
                  *(ln.net_cents for ln in sale.lines), *(ln.tax_cents for ln in sale.lines)):
        assert type(value) is int and value >= 0


# Stores may be configured with other rates (and rates change): head office assumes none.
TABLES = [TaxTable(), TaxTable.from_config({"hst": "0.13"}),
          TaxTable.from_config({"gst": "0.05", "pst": "0.07"}), TaxTable.from_config({"vat": "0.2"})]


@given(sale_lines(), st.integers(0, 10_000), st.sampled_from(TABLES))
@settings(max_examples=150, deadline=None)
def test_head_office_finds_that_every_sale_a_store_prices_adds_up(lines, extra_cash, table):
    sale = price_sale(lines, table)
    payments = []
    if sale.total_cents:
        card = min(sale.total_cents, 100_000_000)
        payments = [{"tender": "card", "amount_cents": card}]
        rest = sale.total_cents - card + extra_cash
        while rest > 0:
            payments.append({"tender": "cash", "amount_cents": min(rest, 100_000_000)})
            rest -= payments[-1]["amount_cents"]
    if len(payments) > 20:
        return
    assert sale_problem(wire(sale, payments)) is None


@st.composite
def partitions(draw, total: int) -> list[int]:
    """``total`` units returned in any number of parts."""
    parts = []
    left = total
    while left:
        part = draw(st.integers(1, left)) if draw(st.booleans()) else left
        parts.append(part)
        left -= part
    return parts


@given(st.data(), sale_lines(max_lines=6))
@settings(max_examples=100, deadline=None)
def test_returning_every_line_in_parts_gives_back_exactly_what_was_paid(data, lines):
    sale = price_sale(lines, TaxTable())
    refunded = 0
    for line in sale.lines:
        before = 0
        net = 0
        taxes: dict[str, int] = {}
        for part in data.draw(partitions(line.qty)):
            share = refund_line(line.net_cents, line.taxes, line.qty, before, part)
            assert type(share.net_cents) is int and share.net_cents >= 0
            net += share.net_cents
            for name, amount in share.taxes.items():
                taxes[name] = taxes.get(name, 0) + amount
            before += part
        assert net == line.net_cents
        assert taxes == line.taxes
        refunded += net + sum(taxes.values())
    assert refunded == sale.total_cents


@given(st.integers(0, 10**13), st.integers(1, QTY_MAX), st.data())
def test_refund_shares_are_whole_cents_half_up_of_the_exact_share(amount, sold, data):
    before = data.draw(st.integers(0, sold - 1))
    now = data.draw(st.integers(1, sold - before))
    share = refund_share(amount, sold, before, now)
    exact = Decimal(amount) * now / sold
    assert type(share) is int
    assert abs(share - exact) <= 1


FLOAT_CALLS = [
    lambda: pricing.line_gross(2, 1.5),
    lambda: pricing.line_gross(2.0, 150),
    lambda: pricing.line_net(1, 100, 0.5),
    lambda: pricing.line_discount(100.0, None, 5),
    lambda: pricing.line_discount(100, 10.0, None),
    lambda: pricing.line_discount(100, None, 5.0),
    lambda: PricedLine(1, "A", "A", 1, 9.99, "standard", None, 0),
    lambda: pricing.allocate(10.0, [Decimal(1)]),
    lambda: pricing.settle(100.0, []),
    lambda: pricing.settle_cash(100.0, [{"tender": "cash", "amount_cents": 100}]),
    lambda: pricing.cash_rounding(2.0),
    lambda: pricing.change_due(100, 150.0),
    lambda: pricing.cash_needed(100.0, 50),
    lambda: pricing.refund_share(100.0, 3, 0, 1),
    lambda: pricing.refund_line(100, {"gst": 5.0}, 3, 0, 1),
    lambda: pricing.refund_tenders(100.0, 0, 0),
    lambda: pricing.plan_refund(100.0, 0, 0),
    lambda: pricing.plan_refund(100, 50.0, 0, "card"),
    lambda: pricing.cents(1.0),
    lambda: pricing.priced_line(0, {"sku": "A", "qty": 1}, {"name": "A", "price_cents": 9.99,
                                                          "tax_class": "standard"}),
    lambda: pricing.price_lines([{"sku": "A", "qty": 1}], {"A": {"name": "A", "price_cents": 9.99,
                                                                 "tax_class": "standard", "active": 1}}),
    lambda: pricing.priced_line(0, {"sku": "A", "qty": 1, "discount_cents": 5.0},
                                {"name": "A", "price_cents": 100, "tax_class": "standard"}),
    lambda: price_sale([PricedLine(1, "A", "A", 1, 100, "standard", None, 0)]).lines[0]
    .discount_fraction_exceeds(10.0),
    lambda: pricing.price_cart([{"sku": "A", "qty": 1, "unit_price_cents": 9.99, "tax_class": "standard"}]),
]


@pytest.mark.parametrize("call", FLOAT_CALLS)
def test_no_pricing_function_accepts_a_float(call):
    with pytest.raises(TypeError):
        call()


def test_every_public_pricing_function_is_covered_by_the_float_check():
    """A new function in common.pricing must join FLOAT_CALLS (or return no money)."""
    checked = {"line_gross", "line_net", "line_discount", "PricedLine", "allocate", "settle",
               "settle_cash", "cash_rounding",
               "change_due", "cash_needed", "refund_share", "refund_line", "refund_tenders", "cents",
               "price_sale", "priced_line", "price_lines", "plan_refund", "price_cart"}
    no_money_in = {"discount_over_limit", "short_stock", "payment_problem", "sale_problem",
                   "return_problem", "PricedSale", "LineRefund", "RefundPlan", "TaxTable",
                   "check_line_shape", "product_problem", "check_stock", "PricedCart"}
    public = {
        name for name, value in vars(pricing).items()
        if not name.startswith("_") and (inspect.isfunction(value) or inspect.isclass(value))
        and getattr(value, "__module__", "") == "common.pricing"
    }
    assert public <= checked | no_money_in, public - checked - no_money_in


def test_payment_problem_refuses_a_float_amount_and_the_checks_refuse_float_amounts():
    assert pricing.payment_problem("cash", 10.0) is not None
    sale = price_sale([PricedLine(1, "A", "A", 1, 100, "exempt", None, 0)])
    body = wire(sale, [{"tender": "card", "amount_cents": 100}])
    body["lines"][0]["unit_price_cents"] = 100.0
    assert sale_problem(body) is not None


@given(st.integers(0, 10**12))
def test_cash_rounding_goes_to_the_nearest_five_cents(amount):
    rounded = amount + pricing.cash_rounding(amount)
    assert rounded % 5 == 0 and abs(rounded - amount) <= 2


def test_cash_rounding_as_canada_does_it():
    assert [pricing.cash_rounding(c) for c in range(2160, 2170)] == [0, -1, -2, 2, 1, 0, -1, -2, 2, 1]


@given(st.integers(1, 10**7), st.integers(0, 10**7), st.integers(0, 10**4))
def test_a_cash_sale_settled_with_rounding_passes_head_offices_check(total, card_part, extra):
    card = min(card_part, total)
    payments = [{"tender": "card", "amount_cents": card}] if card else []
    cash_due = total - card
    due = cash_due + pricing.cash_rounding(cash_due) if cash_due else 0
    if cash_due and not due:
        return  # 1 or 2 cents owed in cash round to nothing: no cash payment to round
    if due:
        payments.append({"tender": "cash", "amount_cents": due + extra})
    paid, change, rounding = pricing.settle_cash(total, payments)
    assert paid - change == total + rounding
    assert (rounding == 0) if not due else abs(rounding) <= 2
    assert pricing._payments_problem(
        {"total_cents": total, "payments": payments, "change_cents": change, "rounding_cents": rounding}
    ) is None


def test_card_payments_are_never_rounded():
    assert pricing.settle_cash(2168, [{"tender": "card", "amount_cents": 2168}]) == (2168, 0, 0)
    assert pricing.settle_cash(2168, [{"tender": "cash", "amount_cents": 2200}]) == (2200, 30, 2)
    assert pricing.settle_cash(2166, [{"tender": "cash", "amount_cents": 2165}]) == (2165, 0, -1)
