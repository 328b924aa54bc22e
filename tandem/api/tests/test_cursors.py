"""The API's cursor check accepts the decimal and date sort keys record types will page by."""

import datetime
import decimal

import pytest

from tandem.api.v1.paging import checked_cursor
from tandem.core.pagination import InvalidCursor, SortKey, encode_cursor

BY_CLOSE_DATE = SortKey(("close_date", "id"), descending=False)
BY_AMOUNT = SortKey(("amount", "id"), descending=True)


@pytest.mark.parametrize(
    ("sort", "values"),
    [
        (BY_CLOSE_DATE, [datetime.date(2026, 3, 31), 5]),
        (BY_AMOUNT, [decimal.Decimal("1200.50"), 5]),
        (
            BY_AMOUNT,
            ["1200.50", 5],
        ),  # text: the amount field's own conversion decides (a 400 if not a number)
    ],
)
def test_decimal_and_date_cursors_are_accepted(sort, values):
    cursor = encode_cursor(values)

    assert checked_cursor(cursor, sort) == cursor


@pytest.mark.parametrize(
    ("sort", "values"),
    [
        (BY_CLOSE_DATE, ["2026-03-31", 5]),
        (BY_CLOSE_DATE, [datetime.datetime(2026, 3, 31, tzinfo=datetime.UTC), 5]),
        (BY_AMOUNT, [decimal.Decimal("1"), 2**63]),
    ],
)
def test_values_of_the_wrong_kind_are_invalid_cursors(sort, values):
    with pytest.raises(InvalidCursor):
        checked_cursor(encode_cursor(values), sort)
