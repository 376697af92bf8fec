"""Sale arithmetic in exact cents (common.pricing), without the database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from common.errors import Conflict, ValidationFailed
from common.pricing import (
    PricedLine,
    allocate,
    check_stock,
    line_discount,
    plan_refund,
    price_lines,
    price_sale,
    refund_share,
    return_problem,
    settle,
)
from common.taxes import TaxTable


def line(no: int, price: int, qty: int = 1, tax_class: str = "standard", discount: int = 0,
         percent: str | None = None) -> PricedLine:
    return PricedLine(no, f"SKU-{no}", f"Item {no}", qty, price, tax_class,
                      Decimal(percent) if percent else None, discount)


def test_taxes_are_computed_on_the_taxable_subtotal_and_rounded_separately() -> None:
    # taxable 2000 + 359 = 2359: GST 117.95 -> 118, QST 235.31025 -> 235
    sale = price_sale([line(1, 2000), line(2, 589, qty=2, tax_class="exempt"),
                       line(3, 399, discount=40)], TaxTable())
    assert sale.subtotal_cents == 2000 + 1178 + 359
    assert sale.taxes == {"gst": 118, "qst": 235}
    assert sale.total_cents == 3537 + 353
    assert sale.discount_cents == 40


def test_half_a_cent_rounds_up_for_each_tax() -> None:
    # 10 cents: GST 0.5 -> 1; 20.00: QST 199.5 -> 200
    assert price_sale([line(1, 10)], TaxTable()).taxes == {"gst": 1, "qst": 1}
    assert price_sale([line(1, 2000)], TaxTable()).taxes == {"gst": 100, "qst": 200}


def test_an_exempt_only_sale_carries_no_tax() -> None:
    sale = price_sale([line(1, 589, qty=3, tax_class="exempt")], TaxTable())
    assert sale.tax_cents == 0
    assert sale.total_cents == 1767


def test_line_tax_shares_add_up_to_the_sale_tax() -> None:
    lines = [line(n, price) for n, price in enumerate([333, 1, 999, 17, 2501], start=1)]
    lines.append(line(6, 450, tax_class="exempt"))
    sale = price_sale(lines, TaxTable())
    for name in ("gst", "qst"):
        assert sum(ln.taxes.get(name, 0) for ln in sale.lines) == sale.taxes[name]
    assert sale.lines[-1].tax_cents == 0


def test_percent_discount_rounds_half_up_and_amount_discount_is_exact() -> None:
    assert line_discount(333, Decimal("15"), None, "l") == 50  # 49.95 -> 50
    assert line_discount(1000, Decimal("12.5"), None, "l") == 125
    assert line_discount(1000, None, 1, "l") == 1
    assert line_discount(1000, Decimal("100"), None, "l") == 1000


def test_a_discount_larger_than_the_line_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="more than the line"):
        line_discount(1000, None, 1001, "l")
    with pytest.raises(ValidationFailed):
        line_discount(1000, Decimal("100.01"), None, "l")


def test_allocate_uses_largest_remainders_and_sums_exactly() -> None:
    assert allocate(10, [Decimal("3.3"), Decimal("3.3"), Decimal("3.4")]) == [3, 3, 4]
    assert allocate(1, [Decimal("0.5"), Decimal("0.5")]) == [1, 0]
    assert sum(allocate(100, [Decimal(1) / 3] * 300)) == 100


def test_cash_may_exceed_the_total_and_gives_change() -> None:
    assert settle(1591, [{"tender": "cash", "amount_cents": 2000}]) == (2000, 409)


def test_split_payment_card_then_cash() -> None:
    assert settle(1591, [{"tender": "card", "amount_cents": 1000},
                         {"tender": "cash", "amount_cents": 600}]) == (1600, 9)


def test_card_may_not_exceed_the_total() -> None:
    with pytest.raises(ValidationFailed) as caught:
        settle(1591, [{"tender": "card", "amount_cents": 1592}])
    assert caught.value.code == "card_exceeds_total"


def test_payments_must_cover_the_total() -> None:
    with pytest.raises(ValidationFailed) as caught:
        settle(1591, [{"tender": "cash", "amount_cents": 1000}])
    assert caught.value.code == "insufficient_payment"
    assert "$5.91 missing" in caught.value.message


def test_cumulative_refund_shares_add_up_to_the_amount() -> None:
    # 3 units for 100 cents: returning 1, then 1, then 1 refunds 33 + 34 + 33 = 100
    parts = [refund_share(100, 3, 0, 1), refund_share(100, 3, 1, 1), refund_share(100, 3, 2, 1)]
    assert parts == [33, 34, 33]
    assert sum(parts) == 100
    assert refund_share(100, 3, 0, 2) + refund_share(100, 3, 2, 1) == 100


CATALOG = {
    "MUG": {"sku": "MUG", "name": "Mug", "price_cents": 1299, "tax_class": "standard", "active": 1,
            "on_hand": 3},
    "OLD": {"sku": "OLD", "name": "Old mug", "price_cents": 500, "tax_class": "standard", "active": 0,
            "on_hand": 9},
}


def test_lines_are_priced_at_the_catalog_price_with_their_discount() -> None:
    lines = price_lines([{"sku": "MUG", "qty": 2, "discount_percent": "10"}], CATALOG)
    assert [(ln.sku, ln.name, ln.qty, ln.unit_price_cents, ln.discount_cents, ln.net_cents)
            for ln in lines] == [("MUG", "Mug", 2, 1299, 260, 2338)]


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([], "validation_error"),
        ([{"sku": "MUG", "qty": 0}], "invalid_quantity"),
        ([{"sku": "NOPE", "qty": 1}], "unknown_product"),
        ([{"sku": "OLD", "qty": 1}], "product_inactive"),
        ([{"sku": "MUG", "qty": 1, "discount_cents": 1300}], "invalid_discount"),
    ],
)
def test_lines_that_cannot_be_sold_are_refused_with_their_code(lines, code) -> None:
    with pytest.raises(ValidationFailed) as refused:
        price_lines(lines, CATALOG)
    assert refused.value.code == code


def test_selling_beyond_stock_is_refused_unless_overselling_is_allowed() -> None:
    lines = price_lines([{"sku": "MUG", "qty": 4}], CATALOG)
    with pytest.raises(Conflict) as refused:
        check_stock(lines, {"MUG": 3}, allow_oversell=False)
    assert refused.value.code == "insufficient_stock"
    assert refused.value.errors == {"MUG": {"name": "Mug", "available": 3, "asked": 4}}
    assert check_stock(lines, {"MUG": 3}, allow_oversell=True) is True
    assert check_stock(lines, {"MUG": 4}, allow_oversell=False) is False


def test_a_cash_refund_rounds_to_five_cents_and_a_card_refund_does_not() -> None:
    cash = plan_refund(649, card_paid=0, card_refunded=0)
    assert (cash.tender, cash.refunds, cash.rounding_cents) == (
        "cash", [{"tender": "cash", "amount_cents": 650}], 1)
    assert plan_refund(1152, 0, 0).refunds == [{"tender": "cash", "amount_cents": 1150}]
    card = plan_refund(649, card_paid=1000, card_refunded=0)
    assert (card.tender, card.refunds, card.rounding_cents) == (
        "card", [{"tender": "card", "amount_cents": 649}], 0)
    # split as the sale was paid: the card's part exact, the cash part rounded
    split = plan_refund(1163, card_paid=500, card_refunded=0)
    assert split.tender is None and split.rounding_cents == 2  # 663 -> 665
    assert split.refunds == [{"tender": "card", "amount_cents": 500},
                             {"tender": "cash", "amount_cents": 665}]
    # a refund of 2 cents in cash rounds to nothing handed over
    assert plan_refund(2, 0, 0).refunds == [] and plan_refund(2, 0, 0).rounding_cents == -2


def test_a_return_names_its_tender_and_the_card_gets_back_only_what_it_paid() -> None:
    named = plan_refund(649, card_paid=1000, card_refunded=0, tender="cash")
    assert named.refunds == [{"tender": "cash", "amount_cents": 650}] and named.tender == "cash"
    with pytest.raises(ValidationFailed) as refused:
        plan_refund(649, card_paid=1000, card_refunded=500, tender="card")
    assert refused.value.code == "card_refund_exceeds_card_paid"
    with pytest.raises(ValidationFailed) as unknown:
        plan_refund(649, 0, 0, tender="bitcoin")
    assert unknown.value.code == "invalid_tender"


def test_a_pushed_return_must_round_its_cash_as_the_store_would() -> None:
    ret = {"subtotal_cents": 649, "tax_cents": 0, "refund_cents": 649,
           "lines": [{"sale_line_no": 1, "net_cents": 649, "tax_cents": 0}]}
    assert return_problem({**ret, "refunds": [{"tender": "cash", "amount_cents": 649}]}) is None
    assert return_problem({**ret, "rounding_cents": 1,
                           "refunds": [{"tender": "cash", "amount_cents": 650}]}) is None
    assert "round the cash" in return_problem({**ret, "rounding_cents": -1,
                                               "refunds": [{"tender": "cash", "amount_cents": 648}]})
    assert "add up" in return_problem({**ret, "rounding_cents": 1,
                                       "refunds": [{"tender": "cash", "amount_cents": 649}]})
