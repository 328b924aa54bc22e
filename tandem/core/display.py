"""Showing values the same way from Python as the templates do (core/templatetags/tandem_display.py).

User text inside our own sentences (flash messages, headings built in Python, list cells): each piece a user
typed is isolated in `<bdi>` so a right-to-left override in a name cannot reorder the sentence around it.
Phones are shown as people write them, not as stored (E.164)."""

import phonenumbers
from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString


def isolated(value) -> SafeString | str:
    if value is None or value == "":
        return ""
    # What format_html("<bdi>{}</bdi>", value) gives, without parsing a format per call (a list page
    # isolates several hundred values).
    return SafeString(f"<bdi>{conditional_escape(value)}</bdi>")


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
