"""How the notifications pages show a moment: "5 minutes ago", with the exact time on hover."""

import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from tandem.core.templatetags.tandem_display import datetime_text

register = template.Library()


@register.filter
def time_ago(value) -> str:
    """`<time>` saying how long ago `value` was, in its largest unit ("3 hours ago", "just now")."""
    if not isinstance(value, datetime.datetime):
        return ""
    recent = timezone.now() - value < datetime.timedelta(minutes=1)
    text = "just now" if recent else f"{timesince(value, depth=1)} ago"
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        timezone.localtime(value).isoformat(),
        datetime_text(value),
        text,
    )
