"""How the bell and the list say when: the largest unit, "just now" under a minute, the exact time on hover."""

import datetime

import pytest
from django.utils import timezone

from tandem.notifications.templatetags.notifications_display import time_ago


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (datetime.timedelta(seconds=20), "just now"),
        (datetime.timedelta(minutes=5, seconds=10), "5\xa0minutes ago"),
        (datetime.timedelta(hours=3, minutes=40), "3\xa0hours ago"),
        (datetime.timedelta(days=2, hours=5), "2\xa0days ago"),
        (datetime.timedelta(days=70), "2\xa0months ago"),
    ],
)
def test_time_ago_says_the_largest_unit(age, text):
    moment = timezone.now() - age
    html = time_ago(moment)
    assert html.endswith(f">{text}</time>")
    assert html.startswith(f'<time datetime="{timezone.localtime(moment).isoformat()}" title="')


def test_time_ago_of_nothing_is_empty():
    assert time_ago(None) == ""
