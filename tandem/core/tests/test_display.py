"""The display filters: isolated user text, one date and one date-time format, phones as people write them."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

RLO = "\u202e"


def render(source: str, **context) -> str:
    return Template("{% load tandem_display %}" + source).render(Context(context))


def test_isolate_wraps_user_text_in_bdi_and_escapes_it():
    assert render("{{ name|isolate }}", name=f"{RLO}gpj.exe <b>") == f"<bdi>{RLO}gpj.exe &lt;b&gt;</bdi>"
    assert render("[{{ name|isolate }}]", name="") == "[]"
    assert render("[{{ name|isolate }}]", name=None) == "[]"


def test_one_date_format_and_one_date_time_format_in_local_time(settings):
    settings.TIME_ZONE = "Europe/Paris"
    moment = datetime.datetime(2026, 12, 6, 13, 5, 9, tzinfo=ZoneInfo("UTC"))

    assert render("{{ d|date_text }}", d=datetime.date(2026, 3, 4)) == "4 Mar 2026"
    assert render("{{ m|datetime_text }}", m=moment) == "6 Dec 2026, 14:05"
    assert render("{{ m|date_text }}", m=moment) == "6 Dec 2026"
    assert render("{{ m|datetime_tag }}", m=moment) == (
        '<time datetime="2026-12-06T14:05:09+01:00" title="6 Dec 2026, 14:05:09 CET">6 Dec 2026, 14:05</time>'
    )
    assert render("[{{ m|datetime_tag }}]", m=None) == "[]"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+14155550132", "(415) 555-0132"),
        ("+442079460958", "+44 20 7946 0958"),
        ("+33142685300", "+33 1 42 68 53 00"),
        ("", ""),
        ("not a number", "not a number"),
    ],
)
def test_phones_are_national_in_the_default_region_and_international_otherwise(settings, stored, shown):
    settings.TANDEM_DEFAULT_PHONE_REGION = "US"

    assert render("{{ p|phone }}", p=stored) == shown


@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2026, 1, 31, 23, 59, 59, tzinfo=ZoneInfo("UTC")),
        datetime.datetime(2026, 7, 1, 0, 0, 0, tzinfo=ZoneInfo("America/New_York")),
        datetime.datetime(1, 1, 2, 3, 4, 5, tzinfo=ZoneInfo("UTC")),
        datetime.datetime(9999, 12, 30, 12, 0, 0, tzinfo=ZoneInfo("UTC")),
        datetime.datetime(2026, 5, 9, 8, 7, 6),
        datetime.date(2026, 9, 9),
    ],
)
@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_the_fast_date_formatting_writes_what_djangos_date_format_writes(settings, moment, language):
    """The filters format dates without Django's format parser (a list page formats one per row): the text
    must be exactly what the documented formats give, in every language and time zone."""
    from django.utils import timezone, translation
    from django.utils.dateformat import format as format_date

    from tandem.core.templatetags import tandem_display

    settings.TIME_ZONE = "Europe/Paris"
    with translation.override(language):
        local = (
            timezone.localtime(moment) if isinstance(moment, datetime.datetime) and moment.tzinfo else moment
        )
        assert tandem_display.date_text(moment) == format_date(local, tandem_display.DATE_FORMAT)
        if isinstance(moment, datetime.datetime):
            assert tandem_display.datetime_text(moment) == format_date(local, tandem_display.DATETIME_FORMAT)
            assert (
                f'title="{format_date(local, tandem_display.EXACT_FORMAT)}"'
                in tandem_display.datetime_tag(moment)
            )
