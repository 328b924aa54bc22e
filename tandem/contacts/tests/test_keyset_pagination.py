"""Keyset pagination: every row exactly once forwards and backwards, ties in the leading sort columns,
tampered cursors refused, capped counts."""

import base64
import datetime
import json

import pytest

from tandem.contacts.models import Contact
from tandem.contacts.tests.factories import ContactFactory
from tandem.core.pagination import InvalidCursor, SortKey, count_up_to, encode_cursor, paginate

pytestmark = pytest.mark.django_db

NAME_SORT = SortKey(("last_name", "first_name", "id"), descending=False)
NEWEST_SORT = SortKey(("created_at", "id"), descending=True)
MOMENT = datetime.datetime(2026, 1, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def people():
    """Eleven contacts with ties in the last name and in last+first name, created in a shuffled order."""
    names = [
        ("Berg", "Ann"),
        ("Adams", "Zoe"),
        ("Berg", "Ann"),
        ("Adams", "Amy"),
        ("Cole", "Bo"),
        ("Berg", "Cy"),
        ("Adams", "Amy"),
        ("Berg", "Ann"),
        ("Cole", "Al"),
        ("Adams", "Mia"),
        ("Berg", "Bea"),
    ]
    return [
        ContactFactory(
            last_name=last, first_name=first, created_at=MOMENT + datetime.timedelta(minutes=index % 3)
        )
        for index, (last, first) in enumerate(names)
    ]


def expected_order(people, sort: SortKey) -> list[int]:
    rows = sorted(people, key=lambda contact: [getattr(contact, name) for name in sort.fields])
    if sort.descending:
        rows.reverse()
    return [contact.pk for contact in rows]


def walk_forwards(sort: SortKey, limit: int) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = paginate(Contact.objects.all(), sort, cursor, limit)
        pages.append(([row.pk for row in page.rows], page))
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


@pytest.mark.parametrize("sort", [NAME_SORT, NEWEST_SORT], ids=["name", "newest"])
@pytest.mark.parametrize("limit", [1, 3, 4, 11, 20])
def test_given_ties_in_the_first_columns_when_paging_forwards_and_back_then_every_row_appears_once(
    people, sort, limit
):
    forwards = walk_forwards(sort, limit)

    seen = [pk for ids, _ in forwards for pk in ids]
    assert seen == expected_order(people, sort)
    assert forwards[0][1].previous_cursor is None

    backwards, page = [], forwards[-1][1]
    backwards.append([row.pk for row in page.rows])
    while page.previous_cursor is not None:
        page = paginate(Contact.objects.all(), sort, page.previous_cursor, limit)
        backwards.append([row.pk for row in page.rows])
    assert backwards[::-1] == [ids for ids, _ in forwards]


def test_given_a_middle_page_when_going_back_then_the_previous_page_has_a_next_link_to_the_same_place(people):
    first = paginate(Contact.objects.all(), NAME_SORT, None, 4)
    second = paginate(Contact.objects.all(), NAME_SORT, first.next_cursor, 4)

    back = paginate(Contact.objects.all(), NAME_SORT, second.previous_cursor, 4)
    again = paginate(Contact.objects.all(), NAME_SORT, back.next_cursor, 4)

    assert [row.pk for row in back.rows] == [row.pk for row in first.rows]
    assert back.previous_cursor is None
    assert [row.pk for row in again.rows] == [row.pk for row in second.rows]


def test_given_no_rows_when_paged_then_there_are_no_links():
    page = paginate(Contact.objects.all(), NAME_SORT, None, 10)

    assert (page.rows, page.next_cursor, page.previous_cursor) == ([], None, None)


def raw_cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        "%%%%",
        base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
        raw_cursor(["Adams", "Amy", 1]),
        raw_cursor({"v": ["Adams", "Amy"]}),
        raw_cursor({"v": ["Adams", "Amy", 1, 2]}),
        raw_cursor({"v": "Ada"}),
        raw_cursor({"v": ["Adams", {"x": 1}, 1]}),
        raw_cursor({"v": ["Adams", ["Amy"], 1]}),
        raw_cursor({"b": True}),
        raw_cursor({"v": ["Adams", "Amy", "not-an-id"]}),
        raw_cursor({"v": ["Adams", "Amy", {"dt": "yesterday"}]}),
    ],
)
def test_given_a_tampered_cursor_when_paging_by_name_then_invalid_cursor_is_raised(people, cursor):
    with pytest.raises(InvalidCursor):
        paginate(Contact.objects.all(), NAME_SORT, cursor, 5)


@pytest.mark.parametrize(
    "values",
    [["yesterday", 1], [{"d": "2026-01-01"}, "x"], [17, 1], [True, 1]],
)
def test_given_a_cursor_with_values_of_the_wrong_type_when_paging_by_date_then_invalid_cursor_is_raised(
    people, values
):
    cursor = raw_cursor({"v": values})

    with pytest.raises(InvalidCursor):
        list(paginate(Contact.objects.all(), NEWEST_SORT, cursor, 5).rows)


def test_given_a_cursor_with_an_aware_datetime_when_decoded_then_paging_continues_after_it(people):
    newest_first = expected_order(people, NEWEST_SORT)
    pivot = Contact.objects.get(pk=newest_first[2])

    page = paginate(Contact.objects.all(), NEWEST_SORT, encode_cursor([pivot.created_at, pivot.pk]), 3)

    assert [row.pk for row in page.rows] == newest_first[3:6]


@pytest.mark.parametrize(
    ("rows", "cap", "expected"), [(0, 5, (0, False)), (5, 5, (5, False)), (6, 5, (5, True))]
)
def test_given_rows_when_counted_up_to_a_cap_then_the_count_stops_at_the_cap(rows, cap, expected):
    ContactFactory.create_batch(rows)

    assert count_up_to(Contact.objects.order_by("last_name"), cap) == expected
