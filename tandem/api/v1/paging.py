"""Cursor checks for the API: a cursor is opaque to clients, so anything they send may be garbage. Its
values are checked against the sort's fields here, before any query, so a forged cursor is a 400."""

import datetime
import decimal
from typing import Any

from django.http import QueryDict

from tandem.api.errors import BadRequest
from tandem.contacts.selectors import PropertyFilter
from tandem.core.pagination import InvalidCursor, SortKey, decode_cursor
from tandem.core.records.fields import PROPERTY_PREFIX

MAX_INTEGER = 2**63 - 1
# The record layer's spelling, and the API's first one (deprecated, still read).
PROPERTY_PREFIXES = (PROPERTY_PREFIX, "property.")


def _value_fits(name: str, value: Any) -> bool:
    """Whether a cursor value can be compared with the sort field `name` without a database error. The
    house naming rules say a field's type: datetimes end in _at, dates in _date."""
    if name.endswith("_at"):
        return isinstance(value, datetime.datetime) and value.tzinfo is not None
    if name.endswith("_date"):
        return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)
    if name in ("id", "score", "search_score"):
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_INTEGER
    if isinstance(value, decimal.Decimal):
        # Amounts and prices; the field's own conversion refuses one that does not fit (a 400 in paginate).
        return value.is_finite()
    return isinstance(value, str) and "\x00" not in value and len(value) <= 1000


def checked_cursor(cursor: str | None, sort: SortKey) -> str | None:
    if not cursor:
        return None
    values, _backwards = decode_cursor(cursor, len(sort.fields))
    if not all(_value_fits(name, value) for name, value in zip(sort.fields, values, strict=True)):
        raise InvalidCursor("This page link is no longer valid.")
    return cursor


def property_filters(query: QueryDict, record_type: Any) -> list[PropertyFilter]:
    """`property:<name>=value` (equals) and `property:<name>.gte|lte=value` (numbers and dates), read by the
    record layer's one reading of property filters (the web list's too), so `property:seats.gte=10`
    compares numbers. `property.<name>` is the deprecated spelling of the same filter. An error names the
    parameter as it was sent."""
    conditions, errors = record_type.properties.read(query, prefixes=PROPERTY_PREFIXES)
    if errors:
        raise BadRequest("Some property filters are not valid.", errors)
    return conditions
