"""Keyset pagination: pages are index range scans from a cursor, never OFFSET, so page 2,000 costs what
page 1 costs. A cursor is the sort key of the row at the page edge, opaque to clients (base64 JSON); sort
values that JSON cannot hold exactly are tagged: {"dt": …} aware datetimes, {"d": …} dates, {"dec": …}
decimals (as text, so no digit is lost to a float)."""

import base64
import binascii
import datetime
import decimal
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

RowT = TypeVar("RowT")


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class SortKey:
    """An ordering over fields that ends in a unique field (the id); all fields share one direction."""

    fields: tuple[str, ...]
    descending: bool

    def order_by(self, reverse: bool = False) -> list[str]:
        descending = self.descending != reverse
        return [f"-{name}" if descending else name for name in self.fields]


@dataclass
class Page(Generic[RowT]):
    rows: list[RowT]
    next_cursor: str | None
    previous_cursor: str | None


# A decimal sort key (an amount, a price) keeps every digit: as text, never as a JSON float.
MAX_DECIMAL_LENGTH = 100


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"dec": str(value)}
    return value


def _decode_decimal(text: Any) -> decimal.Decimal:
    if not isinstance(text, str) or len(text) > MAX_DECIMAL_LENGTH:
        raise ValueError("decimal in cursor is not text")
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation as error:
        raise ValueError("not a decimal") from error
    if not number.is_finite():  # NaN and Infinity compare with nothing: a cursor never holds them
        raise ValueError("decimal in cursor is not finite")
    return number


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and "dt" in value:
        moment = datetime.datetime.fromisoformat(value["dt"])
        if moment.tzinfo is None:  # we only ever write aware times: a naive one was edited by hand
            raise ValueError("naive datetime in cursor")
        return moment
    if isinstance(value, dict) and "d" in value:
        return datetime.date.fromisoformat(value["d"])
    if isinstance(value, dict) and "dec" in value:
        return _decode_decimal(value["dec"])
    return value


def encode_cursor(values: list[Any], backwards: bool = False) -> str:
    payload = {"v": [_encode_value(value) for value in values], "b": backwards}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> tuple[list[Any], bool]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(payload["v"], list):
            raise TypeError("cursor values must be a list")
        values = [_decode_value(value) for value in payload["v"]]
        backwards = bool(payload.get("b", False))
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise InvalidCursor("This page link is no longer valid.") from error
    if len(values) != width or any(isinstance(value, dict | list) for value in values):
        raise InvalidCursor("This page link is no longer valid.")
    return values, backwards


def after(fields: tuple[str, ...], values: list[Any], descending: bool) -> Q:
    """Rows strictly after `values` in the order: (a > x) | (a = x & b > y) | ... expanded for any width."""
    lookup = "lt" if descending else "gt"
    condition = Q()
    for position, name in enumerate(fields):
        step = Q(**{f"{name}__{lookup}": values[position]})
        for earlier in range(position):
            step &= Q(**{fields[earlier]: values[earlier]})
        condition |= step
    return condition


def paginate(queryset: models.QuerySet, sort: SortKey, cursor: str | None, limit: int, key=None) -> Page:
    """One page of `queryset` in `sort` order, from `cursor` (forwards or backwards).

    `key(row)` returns a row's sort values; by default they are read as attributes of the row.
    """
    backwards = False
    page_queryset = queryset
    if cursor:
        values, backwards = decode_cursor(cursor, len(sort.fields))
        try:
            page_queryset = page_queryset.filter(after(sort.fields, values, sort.descending != backwards))
        except (ValueError, TypeError, ValidationError) as error:
            # Well-formed JSON whose values do not fit the sort's fields (edited, or from another sort):
            # the field's own conversion fails here, and the reader gets "invalid link", not a 500.
            raise InvalidCursor("This page link is no longer valid.") from error
    rows = list(page_queryset.order_by(*sort.order_by(reverse=backwards))[: limit + 1])
    return page_of(rows, sort, cursor, limit, backwards, key)


def page_of(rows: list, sort: SortKey, cursor: str | None, limit: int, backwards: bool, key=None) -> Page:
    """The page for up to `limit` + 1 `rows` fetched in `sort` order from `cursor` (reversed when going
    backwards): the rows and the cursors before and after them. For selectors that fetch a page their own
    way (the ranked "Best match" page) and page like `paginate`."""
    key = key or (lambda row: [getattr(row, name.replace("__", ".")) for name in sort.fields])
    has_more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    next_cursor = previous_cursor = None
    if rows:
        more_forwards = has_more if not backwards else True
        more_backwards = bool(cursor) if not backwards else has_more
        if more_forwards:
            next_cursor = encode_cursor(key(rows[-1]))
        if more_backwards:
            previous_cursor = encode_cursor(key(rows[0]), backwards=True)
    return Page(rows=rows, next_cursor=next_cursor, previous_cursor=previous_cursor)


def count_up_to(queryset: models.QuerySet, cap: int) -> tuple[int, bool]:
    """How many rows match, counting no further than `cap`: (count, more_than_cap).

    An exact COUNT(*) over a million filtered rows on every page view is what makes CRMs slow; the
    capped count reads at most `cap` index entries.
    """
    counted = queryset.order_by()[: cap + 1].count()
    return min(counted, cap), counted > cap
