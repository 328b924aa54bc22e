"""How values are shown, the same on every page: user text isolated, one date format, one date-time format,
phone numbers formatted for people.

- `{{ name|isolate }}`: `<bdi>…</bdi>` around text a user typed (names, file names, labels). A right-to-left
  override (U+202E) or a right-to-left name then cannot reorder the text around it ("by ‮gpj.exe" showing
  as "by exe.jpg"). Use it on every user-supplied string placed inside other text or a table cell.
- `{{ when|date_text }}` → "6 Dec 2026"; `{{ when|datetime_text }}` → "6 Dec 2026, 14:05" (local time).
- `{{ when|date_tag }}` / `{{ when|datetime_tag }}`: the same inside `<time datetime="…">`, the exact moment
  (to the second, with the time zone) as its tooltip.
- `{{ phone|phone }}`: "(415) 555-0132" for a number of the default region, "+44 20 7946 0958" otherwise.
"""

import datetime
import functools

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from tandem.core import display

register = template.Library()

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
EXACT_FORMAT = "j M Y, H:i:s T"


@register.filter(is_safe=True)
def isolate(value) -> str:
    """User text in its own bidirectional context: `<bdi>` (CSS gives it `unicode-bidi: isolate`)."""
    return display.isolated(value)


def _local(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@functools.lru_cache(maxsize=16)
def _month_abbreviations(language: str) -> tuple[str, ...]:
    """The month names of "M" in `language`, as Django's date format spells them (a list page shows one date
    per row: translating the month on each costs more than the rest of the cell)."""
    return ("", *(str(MONTHS_3[month]).title() for month in range(1, 13)))


def _day_text(local: datetime.date) -> str:
    """`local` as DATE_FORMAT ("j M Y") writes it, without parsing the format on every call."""
    return f"{local.day} {_month_abbreviations(get_language() or '')[local.month]} {local.year:04d}"


@register.filter
def date_text(value) -> str:
    if not isinstance(value, datetime.date):
        return ""
    return _day_text(_local(value))


@register.filter
def datetime_text(value) -> str:
    if not isinstance(value, datetime.datetime):
        return date_text(value)
    local = _local(value)
    return f"{_day_text(local)}, {local:%H:%M}"


def _exact_text(local: datetime.datetime, day: str) -> str:
    """EXACT_FORMAT ("j M Y, H:i:s T"), `day` being `local`'s date as DATE_FORMAT; Django's own formatter for
    a naive time (its zone is the default)."""
    if local.tzinfo is None:
        return format_date(local, EXACT_FORMAT)
    return f"{day}, {local:%H:%M:%S} {local.tzname() or ''}".rstrip()


def _time_tag(local, text: str, day: str) -> str:
    """`text` in a <time> of `local` (already in local time), its exact moment as the tooltip. A list page
    has one per row: the time is localised and the day written once, for the text and the tooltip both."""
    exact = _exact_text(local, day) if isinstance(local, datetime.datetime) else text
    return SafeString(
        f'<time datetime="{display.escaped(local.isoformat())}" title="{display.escaped(exact)}">'
        f"{display.escaped(text)}</time>"
    )


@register.filter
def date_tag(value) -> str:
    if not isinstance(value, datetime.date):
        return ""
    local = _local(value)
    day = _day_text(local)
    return _time_tag(local, day, day)


@register.filter
def datetime_tag(value) -> str:
    if not isinstance(value, datetime.date):
        return ""
    local = _local(value)
    day = _day_text(local)
    text = f"{day}, {local:%H:%M}" if isinstance(value, datetime.datetime) else day
    return _time_tag(local, text, day)


@register.filter
def phone(value) -> str:
    """A stored E.164 number as people write it (core.display.formatted_phone)."""
    return display.formatted_phone(value)
