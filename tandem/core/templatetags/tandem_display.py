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

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html

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


@register.filter
def date_text(value) -> str:
    if not isinstance(value, datetime.date):
        return ""
    return format_date(_local(value), DATE_FORMAT)


@register.filter
def datetime_text(value) -> str:
    if not isinstance(value, datetime.datetime):
        return date_text(value)
    return format_date(_local(value), DATETIME_FORMAT)


def _time_tag(value, text: str) -> str:
    if not text:
        return ""
    local = _local(value)
    exact = format_date(local, EXACT_FORMAT) if isinstance(local, datetime.datetime) else text
    return format_html('<time datetime="{}" title="{}">{}</time>', local.isoformat(), exact, text)


@register.filter
def date_tag(value) -> str:
    return _time_tag(value, date_text(value))


@register.filter
def datetime_tag(value) -> str:
    return _time_tag(value, datetime_text(value))


@register.filter
def phone(value) -> str:
    """A stored E.164 number as people write it (core.display.formatted_phone)."""
    return display.formatted_phone(value)
