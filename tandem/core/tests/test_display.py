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
