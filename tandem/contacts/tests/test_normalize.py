"""What people type becomes one stored form: emails, domains and phones. No database needed."""

import string

import idna
import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import strategies as st

from tandem.contacts.normalize import (
    address_hash,
    ascii_email,
    email_domain,
    normalize_domain,
    normalize_email,
    normalize_phone,
    normalize_tag,
)

LOCAL_CHARACTERS = string.ascii_letters + string.digits + "!#$%&'*+-/=^_`{|}~"
# Letters that stay one code point under NFC and UTS #46 lower-casing, so the typed label is predictable.
LABEL_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789äöüéñçåøÄÖÜÉ"

local_parts = st.text(LOCAL_CHARACTERS, min_size=1, max_size=40)
labels = st.text(LABEL_CHARACTERS, min_size=1, max_size=20)
valid_domains = st.builds(
    lambda parts, top_level: ".".join([*parts, top_level]),
    st.lists(labels, min_size=1, max_size=3),
    st.sampled_from(["com", "de", "org", "io", "Net", "CH"]),
)
whitespace = st.text(" \t\r\n", max_size=3)
# RFC 2142 role mailboxes are case-insensitive by definition; email_validator stores them lower-case.
ROLE_MAILBOXES = {
    "info", "marketing", "sales", "support", "abuse", "noc", "security",
    "postmaster", "hostmaster", "usenet", "news", "webmaster", "www", "uucp", "ftp",
}  # fmt: skip


def expected_local_part(local_part: str) -> str:
    return local_part.lower() if local_part.lower() in ROLE_MAILBOXES else local_part


def split(address: str) -> tuple[str, str]:
    local_part, _, domain = address.rpartition("@")
    return local_part, domain


@given(local_part=local_parts, domain=valid_domains, leading=whitespace, trailing=whitespace)
@example(local_part="Ann", domain="Bücher.DE", leading=" ", trailing="\n")
@example(local_part="ann", domain="faß.de", leading="", trailing="")
@example(local_part="MARKETING", domain="example.com", leading="", trailing="")
def test_given_a_valid_address_when_normalised_then_domain_is_lower_case_as_written_and_local_part_is_kept(
    local_part, domain, leading, trailing
):
    normalized = normalize_email(f"{leading}{local_part}@{domain}{trailing}")

    stored_local_part, stored_domain = split(normalized)
    assert stored_local_part == expected_local_part(local_part)
    # The domain is kept as it was typed (Unicode for an internationalised one), lower-cased.
    assert stored_domain == domain.lower()
    assert normalize_email(normalized) == normalized
    # The email_domain column holds the ASCII form, which decodes back to it.
    assert email_domain(normalized).isascii()
    assert idna.decode(email_domain(normalized)) == stored_domain


@given(address=st.emails())
def test_given_any_generated_address_when_normalised_then_it_is_stored_form_or_a_validation_error(address):
    try:
        normalized = normalize_email(address)
    except ValidationError:
        return
    local_part, domain = split(address)
    stored_local_part, stored_domain = split(normalized)
    assert stored_local_part == expected_local_part(local_part)
    # Punycode labels are stored in their Unicode form, the one both spellings share.
    assert idna.encode(stored_domain).decode() == domain.lower()
    assert normalize_email(normalized) == normalized


@given(raw=st.one_of(st.text(), st.builds("{}@{}".format, st.text(), st.text())))
@example(raw="@")
@example(raw="ann@")
@example(raw="ann@@example.com")
@example(raw="ann@exa mple.com")
@example(raw="ann@-example.com")
@example(raw="ann@example..com")
@example(raw="ann\x00@example.com")
@example(raw="a" * 65 + "@example.com")
@example(raw="ann@" + "a" * 64 + ".com")
@example(raw="0@0.À")  # an internationalised domain: stored in Unicode, its email_domain in ASCII
def test_given_arbitrary_text_when_normalised_then_only_a_validation_error_can_be_raised(raw):
    try:
        normalized = normalize_email(raw)
    except ValidationError as error:
        assert len(error.messages) == 1
        assert "” is not a valid email address: " in error.messages[0]
        return
    if normalized is None:
        assert raw.strip() == ""
        return
    assert normalize_email(normalized) == normalized
    # The stored domain is Unicode for an internationalised one (as typed people read it); the email_domain
    # column, which company domains are matched on, is its ASCII form.
    assert email_domain(normalized).isascii()
    assert idna.decode(email_domain(normalized)) == split(normalized)[1]


@pytest.mark.parametrize("raw", [None, "", "   ", "\t\n"])
def test_given_blank_input_when_normalised_then_there_is_no_address(raw):
    assert normalize_email(raw) is None


def test_given_the_same_idn_address_in_unicode_and_punycode_when_normalised_then_both_are_equal():
    assert normalize_email("ann@bücher.de") == "ann@bücher.de"
    assert normalize_email(" ann@XN--BCHER-KVA.DE ") == "ann@bücher.de"
    assert normalize_email("ann@BÜCHER.de") == "ann@bücher.de"


def test_given_an_idn_address_when_a_protocol_needs_ascii_then_it_gets_punycode():
    assert ascii_email("ann@bücher.de") == "ann@xn--bcher-kva.de"
    assert ascii_email("ann@example.com") == "ann@example.com"
    assert email_domain("ann@bücher.de") == "xn--bcher-kva.de"


@pytest.mark.parametrize(
    ("raw", "expected"), [("Ann.Lee@example.com", "Ann.Lee@example.com"), ("Sales@x.io", "sales@x.io")]
)
def test_given_a_local_part_when_normalised_then_it_keeps_its_case_unless_it_is_a_role_mailbox(raw, expected):
    assert normalize_email(raw) == expected


def test_given_a_sharp_s_domain_when_normalised_then_it_is_not_confused_with_double_s():
    # faß.de and fass.de are different domains under IDNA 2008.
    assert normalize_email("Ann@Faß.de") == "Ann@faß.de"
    assert email_domain("Ann@faß.de") == "xn--fa-hia.de"
    assert normalize_domain("Faß.de") == "xn--fa-hia.de"
    assert normalize_email("ann@fass.de") == "ann@fass.de"


def test_given_two_spellings_of_one_address_when_hashed_then_the_suppression_keys_are_equal():
    assert address_hash("ANN@Bücher.de") == address_hash("ann@xn--bcher-kva.de")
    assert address_hash("ann@example.com") != address_hash("anne@example.com")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Example.COM", "example.com"),
        ("example.com.", "example.com"),
        ("  bücher.de ", "xn--bcher-kva.de"),
        ("", ""),
    ],
)
def test_given_a_domain_when_normalised_then_it_is_lower_case_ascii(raw, expected):
    assert normalize_domain(raw) == expected


@pytest.mark.parametrize("raw", ["-example.com", "exa mple.com", "example..com", "a" * 64 + ".com"])
def test_given_an_invalid_domain_when_normalised_then_a_validation_error_names_it(raw):
    with pytest.raises(ValidationError) as error:
        normalize_domain(raw)
    assert error.value.messages == [f"“{raw[:80]}” is not a valid domain name."]


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("030 1234567", "DE", "+49301234567"),
        ("0170 1234567", "DE", "+491701234567"),
        ("(415) 555-2671", "US", "+14155552671"),
        ("(415) 555-2671", "", "+14155552671"),  # the default region (US) reads national numbers
        ("+1 415 555 2671", "DE", "+14155552671"),  # an international number ignores the country
        ("+44 20 7946 0958", "", "+442079460958"),
        ("  ", "DE", ""),
        (None, "", ""),
    ],
)
def test_given_a_phone_number_when_normalised_then_it_is_e164(raw, country, expected):
    assert normalize_phone(raw, country) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            "hello",
            "“hello” is not a phone number we can read: write it with digits, spaces, dashes or brackets,"
            " like +1 415 555 0132.",
        ),
        ("+", "“+” is not a phone number we can read: write it with digits"),
        (
            "+999 123",
            "“+999 123” is not a phone number we can read: start it with + and a country code we know",
        ),
        (
            "0" * 30,
            "“000000000000000000000000000000” is not a phone number we can read: it has too many digits.",
        ),
        ("12", "“12” does not have the right number of digits for a phone number."),
    ],
)
def test_given_garbage_when_a_phone_is_normalised_then_a_validation_error_explains(raw, message):
    with pytest.raises(ValidationError) as error:
        normalize_phone(raw, "US")
    assert error.value.messages[0].startswith(message)
    assert "did not seem" not in error.value.messages[0] and "(1)" not in error.value.messages[0]


@given(raw=st.text(max_size=40), country=st.sampled_from(["", "DE", "US", "GB", "FR"]))
def test_given_arbitrary_text_when_a_phone_is_normalised_then_only_a_validation_error_can_be_raised(
    raw, country
):
    try:
        normalized = normalize_phone(raw, country)
    except ValidationError:
        return
    assert normalized == "" or (normalized.startswith("+") and normalized[1:].isdigit())


@pytest.mark.parametrize(
    ("raw", "expected"), [("  Webinar   2026 ", "webinar 2026"), ("PARTNER", "partner"), ("a" * 70, "a" * 60)]
)
def test_given_a_tag_when_normalised_then_spaces_collapse_and_case_folds(raw, expected):
    assert normalize_tag(raw) == expected
