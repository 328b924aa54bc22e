"""Showing values the same way from Python as the templates do (core/templatetags/tandem_display.py).

User text inside our own sentences (flash messages, headings built in Python, list cells): each piece a user
typed is isolated in `<bdi>` so a right-to-left override in a name cannot reorder the sentence around it.
Phones are shown as people write them, not as stored (E.164)."""

import html

import phonenumbers
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString


def escaped(value) -> str:
    """What django.utils.html.conditional_escape gives (safe HTML kept, anything else escaped), without its
    lazy-argument wrapper and SafeString: a list page escapes about a thousand values, and the wrapper cost
    more than the escaping. For f-strings that are marked safe as a whole."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def isolated(value) -> SafeString | str:
    if value is None or value == "":
        return ""
    # What format_html("<bdi>{}</bdi>", value) gives, without parsing a format per call (a list page
    # isolates several hundred values).
    return SafeString(f"<bdi>{escaped(value)}</bdi>")


def sentence(template: str, *user_values) -> SafeString:
    """`sentence("{} is deactivated.", person.display_name)`: escaped, each value isolated."""
    return format_html(template, *(isolated(value) for value in user_values))


def formatted_phone(value) -> str:
    """ "(415) 555-0132" for a number of the default region, "+44 20 7946 0958" otherwise; anything that does
    not read as a number is shown as stored."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return ""
    region = None if text.startswith("+") else settings.TANDEM_DEFAULT_PHONE_REGION
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return text
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == settings.TANDEM_DEFAULT_PHONE_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
