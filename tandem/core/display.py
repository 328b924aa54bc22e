"""User text inside our own sentences (flash messages, headings built in Python): each piece a user typed is
isolated in `<bdi>` so a right-to-left override in a name cannot reorder the sentence around it."""

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString


def isolated(value) -> SafeString | str:
    if value is None or value == "":
        return ""
    return format_html("<bdi>{}</bdi>", conditional_escape(value))


def sentence(template: str, *user_values) -> SafeString:
    """`sentence("{} is deactivated.", person.display_name)`: escaped, each value isolated."""
    return format_html(template, *(isolated(value) for value in user_values))
