"""Keyset cursors over every kind of sort value: decimal and date keys page exactly, as datetimes do."""

import datetime
import decimal

import pytest
from django.db.models import DecimalField
from django.db.models.functions import Cast, TruncDate

from tandem.core.models import User
from tandem.core.pagination import InvalidCursor, SortKey, decode_cursor, encode_cursor, paginate

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "values",
    [
        [decimal.Decimal("1234567890123456789.123456789"), 7],
        [decimal.Decimal("-0.10"), 1],
        [datetime.date(2026, 2, 28), 3],
        [datetime.datetime(2026, 2, 28, 13, 5, tzinfo=datetime.UTC), 4],
    ],
)
def test_decimal_and_date_values_survive_a_cursor_exactly(values):
    decoded, backwards = decode_cursor(encode_cursor(values, backwards=True), width=2)

    assert decoded == values
    assert [type(value) for value in decoded] == [type(value) for value in values]
    assert str(decoded[0]) == str(values[0])  # not even a trailing zero is lost
    assert backwards is True


@pytest.mark.parametrize(
    "payload",
    [
        '{"v":[{"dec":"NaN"},1]}',
        '{"v":[{"dec":"Infinity"},1]}',
        '{"v":[{"dec":"12abc"},1]}',
        '{"v":[{"dec":12},1]}',
        '{"v":[{"d":"2026-02-30"},1]}',
    ],
)
def test_forged_decimal_and_date_values_are_invalid_cursors(payload):
    import base64

    cursor = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, width=2)


def _walk(queryset, sort: SortKey, limit: int, key) -> list[int]:
    seen, cursor = [], None
    while True:
        page = paginate(queryset, sort, cursor, limit, key=key)
        seen.extend(row.pk for row in page.rows)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def test_a_decimal_sort_key_pages_every_row_once_in_order():
    # Amounts with ties, negative values and more digits than a float keeps.
    amounts = ["10.25", "10.25", "-3.50", "99999999999.99", "0.01", "10.26", "0.00"]
    for number, amount in enumerate(amounts):
        # The amount rides in a text column, cast as a decimal field of an amount would be.
        User.objects.create_user(f"u{number}@example.com", "pw", first_name=amount)
    queryset = User.objects.annotate(amount=Cast("first_name", DecimalField(max_digits=20, decimal_places=2)))
    sort = SortKey(("amount", "id"), descending=True)

    walked = _walk(queryset, sort, limit=2, key=lambda row: [row.amount, row.pk])

    expected = list(queryset.order_by("-amount", "-id").values_list("id", flat=True))
    assert walked == expected
    first = paginate(queryset, sort, None, 2, key=lambda row: [row.amount, row.pk])
    assert decode_cursor(first.next_cursor, width=2)[0] == [first.rows[-1].amount, first.rows[-1].pk]


def test_a_date_sort_key_pages_every_row_once_in_order():
    moments = [datetime.datetime(2026, 1, day % 4 + 1, 12, tzinfo=datetime.UTC) for day in range(9)]
    for number, moment in enumerate(moments):
        User.objects.create_user(f"u{number}@example.com", "pw", date_joined=moment)
    queryset = User.objects.annotate(joined_date=TruncDate("date_joined"))
    sort = SortKey(("joined_date", "id"), descending=False)

    walked = _walk(queryset, sort, limit=2, key=lambda row: [row.joined_date, row.pk])

    assert walked == list(queryset.order_by("joined_date", "id").values_list("id", flat=True))
    assert len(walked) == 9
