"""The arithmetic: exact values with ROUND_HALF_UP, and properties that hold for any lines (hypothesis)."""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.sales.quotes import money
from tandem.sales.quotes.services.cleaning import parse_percent


@dataclass
class Line:
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal


def test_a_line_is_rounded_half_up_to_cents():
    # 3 × 0.335 = 1.005 → 1.01 (half up; banker's rounding would give 1.00)
    assert money.line_total(Decimal("3"), Decimal("0.335"), Decimal("0")) == Decimal("1.01")
    assert money.line_total(Decimal("1"), Decimal("10.00"), Decimal("33.33")) == Decimal("6.67")
    assert money.line_total(Decimal("2.5"), Decimal("199.00"), Decimal("12.5")) == Decimal("435.31")


def test_totals_apply_the_discount_then_the_tax_on_rounded_lines():
    lines = [
        Line(Decimal("1"), Decimal("0.005"), Decimal("0")),  # 0.01
        Line(Decimal("1"), Decimal("0.005"), Decimal("0")),  # 0.01 (the sum of rounded lines, not 0.01)
        Line(Decimal("12"), Decimal("199.00"), Decimal("10")),  # 2149.20
    ]
    result = money.totals(lines, Decimal("5"), Decimal("19"))
    assert result.subtotal == Decimal("2149.22")
    assert result.discount == Decimal("107.46")  # 107.461
    assert result.net == Decimal("2041.76")
    assert result.tax == Decimal("387.93")  # 387.9344
    assert result.total == Decimal("2429.69")


def test_huge_values_lose_nothing_before_the_final_rounding():
    line = Line(Decimal("9999999999.99"), Decimal("999999999999.99"), Decimal("0.01"))
    expected = (line.quantity * line.unit_price * Decimal("99.99") / 100).quantize(Decimal("0.01"))
    assert money.line_total(line.quantity, line.unit_price, line.discount_percent) != 0
    # computed with 80 digits of precision: equal to the exact product rounded once
    import decimal

    with decimal.localcontext(decimal.Context(prec=100)):
        exact = (line.quantity * line.unit_price * Decimal("99.99") / 100).quantize(
            Decimal("0.01"), rounding=decimal.ROUND_HALF_UP
        )
    assert money.line_total(line.quantity, line.unit_price, line.discount_percent) == exact
    assert expected  # the default context's result is not what we rely on


cents = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999999.99"), places=2)
quantities = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)
percents = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)
lines_strategy = st.lists(st.builds(Line, quantities, cents, percents), max_size=20)


@settings(max_examples=200, deadline=None)
@given(lines=lines_strategy, discount=percents, tax=st.decimals(min_value=0, max_value=100, places=3))
def test_the_subtotal_is_the_sum_of_the_rounded_lines_and_nothing_goes_negative(lines, discount, tax):
    result = money.totals(lines, discount, tax)
    rounded = [money.line_total(line.quantity, line.unit_price, line.discount_percent) for line in lines]
    assert result.subtotal == sum(rounded, Decimal("0.00"))
    assert all(value >= 0 and value == value.quantize(Decimal("0.01")) for value in rounded)
    assert 0 <= result.discount <= result.subtotal
    assert result.net >= 0 and result.tax >= 0 and result.total >= 0
    assert result.total == result.subtotal - result.discount + result.tax


@settings(max_examples=100, deadline=None)
@given(value=st.decimals(allow_nan=False, allow_infinity=False, places=2).filter(lambda v: v < 0 or v > 100))
def test_a_discount_outside_0_to_100_is_refused(value):
    errors: dict[str, str] = {}
    assert parse_percent(str(value), errors, name="discount_percent", label="discount") is None
    assert errors["discount_percent"].startswith("The discount must be at least 0") or errors[
        "discount_percent"
    ].startswith("The discount can be at most 100")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12,5", Decimal("12.50")),
        ("7.5 %", Decimal("7.50")),
        ("", Decimal("0.00")),
        ("100", Decimal("100.00")),
    ],
)
def test_percentages_are_read_as_people_type_them(typed, expected):
    errors: dict[str, str] = {}
    assert parse_percent(typed, errors, name="d", label="discount") == expected
    assert errors == {}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "“abc” is not a number; write digits with an optional point, e.g. 12.50."),
        ("NaN", "“NaN” is not a number."),
        ("1.234", "Give the discount with at most 2 decimals."),
        ("-1", "The discount must be at least 0."),
        ("100.01", "The discount can be at most 100."),
    ],
)
def test_bad_percentages_get_a_sentence(typed, message):
    errors: dict[str, str] = {}
    assert parse_percent(typed, errors, name="d", label="discount") is None
    assert errors == {"d": message}
