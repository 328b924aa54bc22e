"""The upsert's fast email path gives exactly what normalize.normalize_email gives (or the same error)."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tandem.contacts import normalize
from tandem.contacts.services.bulk import fast_normalize_email

ATOM = st.text(alphabet="abcXYZ019!#$%&'*+/=?^_`{|}~-", min_size=1, max_size=12)
LABEL = st.text(alphabet="abcDEF019-", min_size=1, max_size=12)
TLD = st.sampled_from(["com", "DE", "example", "test", "local", "xn--p1ai", "c", "co1", "museum"])
LOCAL = st.lists(ATOM, min_size=1, max_size=3).map(".".join) | st.sampled_from(
    ["Postmaster", "INFO", "Abuse", "a..b", ".a"]
)
ADDRESS = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join([*labels, tld])}",
    LOCAL,
    st.lists(LABEL, min_size=1, max_size=3),
    TLD,
)


def outcome(function, text):
    try:
        return function(text)
    except ValidationError as error:
        return ("error", error.messages[0])


@settings(max_examples=400, deadline=None)
@given(ADDRESS)
@example("Ada.Lovelace@EXAMPLE.com")
@example("postmaster@Example.com")
@example("a@b.test")
@example("x@-bad.com")
@example("x@xn--bcher-kva.example")
@example("x@" + "a" * 64 + ".com")
def test_fast_path_agrees_with_normalize_email(address):
    assert outcome(fast_normalize_email, address) == outcome(normalize.normalize_email, address)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Ada.Lovelace@EXAMPLE.com", "Ada.Lovelace@example.com"), ("INFO@Example.com", "info@example.com")],
)
def test_fast_path_examples(text, expected):
    assert fast_normalize_email(text) == expected
