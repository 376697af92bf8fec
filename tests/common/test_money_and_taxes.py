from decimal import Decimal

import pytest

from common.i18n import Cents
from common.money import decimal_amount, format_cents, parse_amount, percent_of, round_half_up
from common.taxes import TaxTable, compute_taxes


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.5", 1), ("1.5", 2), ("2.5", 3), ("0.49999", 0), ("-0.5", -1), ("-1.5", -2), ("12.4999", 12)],
)
def test_round_half_up_rounds_exact_halves_away_from_zero(value, expected):
    assert round_half_up(Decimal(value)) == expected


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        round_half_up(0.5)  # type: ignore[arg-type]


def test_percent_of_rounds_half_up():
    # 15 % of $3.30 is 49.5 cents -> 50
    assert percent_of(330, 15) == 50
    assert percent_of(999, Decimal("12.5")) == 125  # 124.875 -> 125


def test_amount_formatting_and_parsing():
    assert format_cents(123456) == "$1,234.56"
    assert format_cents(-5) == "-$0.05"
    assert str(Cents(123456)) == "$1,234.56"  # an amount inside a message, in English text
    assert decimal_amount(1005) == "10.05"
    assert decimal_amount(-1) == "-0.01"
    assert parse_amount("12.30") == 1230
    for bad in ("1.234", "abc", "", "NaN", "inf"):
        with pytest.raises(ValueError):
            parse_amount(bad)


def test_quebec_taxes_on_one_dollar():
    taxes = compute_taxes([("standard", 100)])
    assert taxes.by_tax == {"gst": 5, "qst": 10}  # QST 9.975 cents rounds up to 10
    assert taxes.total_cents == 15


def test_taxes_are_computed_on_the_subtotal_not_line_by_line():
    # Three lines of 10 cents: per line QST would be 3 x round(0.9975) = 3; on the subtotal 2.9925 -> 3
    # Two lines of $0.05: per line GST 0.25 -> 0 each; on the subtotal 0.5 -> 1
    assert compute_taxes([("standard", 5), ("standard", 5)]).by_tax["gst"] == 1


def test_half_cent_boundary_for_each_tax_rounded_separately():
    # GST on $0.10 = 0.5 cent -> 1; QST on $0.10 = 0.9975 -> 1
    assert compute_taxes([("standard", 10)]).by_tax == {"gst": 1, "qst": 1}
    # GST on $0.30 = 1.5 -> 2; QST = 2.9925 -> 3
    assert compute_taxes([("standard", 30)]).by_tax == {"gst": 2, "qst": 3}
    # QST on $2.00 = 19.95 -> 20 ; GST = 10
    assert compute_taxes([("standard", 200)]).by_tax == {"gst": 10, "qst": 20}


def test_exempt_line_beside_a_taxable_one_is_not_taxed():
    taxes = compute_taxes([("exempt", 589), ("standard", 399)])
    assert taxes.taxable_subtotal_cents == 399
    # GST 19.95 -> 20; QST 39.80025 -> 40
    assert taxes.by_tax == {"gst": 20, "qst": 40}


def test_only_exempt_lines_carry_no_tax():
    assert compute_taxes([("exempt", 1299)]).by_tax == {"gst": 0, "qst": 0}


def test_rates_are_configurable():
    table = TaxTable.from_config({"hst": "0.13"})
    assert compute_taxes([("standard", 1000), ("exempt", 500)], table).by_tax == {"hst": 130}


def test_unknown_tax_class_is_refused():
    with pytest.raises(ValueError):
        compute_taxes([("luxury", 100)])
