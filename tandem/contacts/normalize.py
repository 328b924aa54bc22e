"""Turning what people type into the one form we store: emails, domains, phones, tags."""

import hashlib
import unicodedata
from functools import lru_cache

import idna
import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django_countries import countries
from email_validator import EmailNotValidError, validate_email

# Company.name_key's length: a folded name can be longer than the name ("ß" folds to "ss").
COMPANY_NAME_KEY_LENGTH = 255


def company_name_key(name: str | None) -> str:
    """A company name as matching by name sees it: case, accents and spacing ignored ("SOCIÉTÉ  générale"
    and "Societe Generale" are both "societe generale"). Stored as Company.name_key by every writer, so
    both databases match names with one indexed equality instead of each folding in its own way."""
    decomposed = unicodedata.normalize("NFKD", (name or "").casefold())
    folded = " ".join("".join(char for char in decomposed if not unicodedata.combining(char)).split())
    return folded[:COMPANY_NAME_KEY_LENGTH]


def normalize_domain(domain: str) -> str:
    """Lower-case, strip a trailing dot and encode an internationalised domain as ASCII (punycode).

    IDNA 2008 with UTS #46 mapping, as browsers and email_validator use: Python's own "idna" codec is
    IDNA 2003, which maps "faß.de" to "fass.de", a different domain.
    """
    domain = domain.strip().rstrip(".").lower()
    if not domain:
        return ""
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as error:
        raise ValidationError(f"“{domain[:80]}” is not a valid domain name.") from error


def normalize_email(raw: str | None) -> str | None:
    """The stored form of an address: trimmed, domain lower-cased (an internationalised one in Unicode, see
    below); the local part kept as typed,
    except the RFC 2142 role mailboxes (info, sales, postmaster...), which are case-insensitive by
    definition and stored lower-case.

    Returns None for blank input. Raises ValidationError with a readable message for anything that is
    not a syntactically valid address (no DNS lookups: this runs on every write path, imports included).
    """
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as error:
        raise ValidationError(f"“{text[:80]}” is not a valid email address: {error}") from error
    # email_validator already encodes the domain by IDNA 2008 (lower-case ASCII); re-encoding the
    # Unicode form with Python's IDNA 2003 codec would turn "faß.de" into the different "fass.de".
    # An internationalised domain is kept as people write it (Unicode, issue 7), in the one canonical
    # form decoded from that ASCII: "ana@bücher.example" and "ana@xn--bcher-kva.example" are one address.
    return f"{result.local_part}@{_unicode_domain(result.ascii_domain)}"


def _unicode_domain(ascii_domain: str) -> str:
    if "xn--" not in ascii_domain:
        return ascii_domain
    return idna.decode(ascii_domain)


def ascii_email(email: str) -> str:
    """The address with its domain in ASCII (punycode), for protocols that need it (SMTP without
    SMTPUTF8, hashing keys that predate Unicode storage)."""
    local, at, domain = email.rpartition("@")
    if not at or domain.isascii():
        return email
    return f"{local}@{normalize_domain(domain)}"


def email_domain(email: str | None) -> str:
    """The domain of a stored address in ASCII, the form company domains are stored in."""
    if not email:
        return ""
    domain = email.rpartition("@")[2]
    return domain if domain.isascii() else normalize_domain(domain)


def address_hash(email: str) -> str:
    """The suppression key: SHA-256 of the normalised address, case-folded so every spelling matches.
    Hashed in its ASCII form, as every key was before addresses were stored in Unicode."""
    return hash_normalized_address(normalize_email(email) or "")


def hash_normalized_address(normalized: str) -> str:
    """address_hash of an address already in its stored form (normalize_email's answer): the bulk paths
    normalise a whole batch by a faster route first, then hash it here, by the same rule."""
    return hashlib.sha256(ascii_email(normalized).casefold().encode("utf-8")).hexdigest()


_PHONE_PARSE_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: (
        "start it with + and a country code we know (+44 20 7946 0958), or set the contact's country."
    ),
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "it has too few digits after the country code.",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "it has too few digits.",
    phonenumbers.NumberParseException.TOO_LONG: "it has too many digits.",
    None: "write it with digits, spaces, dashes or brackets, like +1 415 555 0132.",
}


def normalize_phone(raw: str | None, country: str = "") -> str:
    """E.164 (+4930123456), reading national numbers in the contact's country or the default region."""
    text = (raw or "").strip()
    if not text:
        return ""
    region = (country or settings.TANDEM_DEFAULT_PHONE_REGION or None) if not text.startswith("+") else None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        # The library's own text ("(1) The string supplied did not seem to be a phone number.") is not ours.
        reason = _PHONE_PARSE_REASONS.get(error.error_type, _PHONE_PARSE_REASONS[None])
        raise ValidationError(f"“{text[:40]}” is not a phone number we can read: {reason}") from error
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(f"“{text[:40]}” does not have the right number of digits for a phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_tag(raw: str) -> str:
    return " ".join(str(raw).split()).lower()[:60]


@lru_cache(maxsize=1)
def country_codes() -> dict[str, str]:
    """Lower-cased ISO code or English name -> ISO code, built once (django-countries builds it per call)."""
    table: dict[str, str] = {}
    for code, name in countries:
        table[str(name).lower()] = code
    for code, _name in countries:
        table[code.lower()] = code
    # How exports of other products and people commonly write the few countries whose ISO name is long.
    table.update(COUNTRY_ALIASES)
    return table


COUNTRY_ALIASES = {
    "usa": "US",
    "united states": "US",
    "u.s.a.": "US",
    "u.s.": "US",
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "russia": "RU",
    "south korea": "KR",
    "korea": "KR",
    "iran": "IR",
    "vietnam": "VN",
    "czech republic": "CZ",
    "the netherlands": "NL",
    "holland": "NL",
}


def normalize_country(raw: str | None) -> str:
    """The ISO 3166 code of a country given by its code, its English name or a common alias (USA, United
    States, UK, Great Britain…), any case; "" for blank. Every write path (form, API, import) uses this.

    Raises ValidationError with a readable message for anything else."""
    text = " ".join(str(raw or "").split())
    if not text:
        return ""
    code = country_codes().get(text.lower())
    if code is None:
        raise ValidationError(f"“{text[:40]}” is not a country (use its name or ISO code, e.g. DE).")
    return code


# Quote marks other products leave around each tag: Mailchimp exports TAGS as `"vip","newsletter"`.
TAG_QUOTES = "\"'“”‘’«»"


def split_tags(raw: str) -> list[str]:
    """Tag names from one cell or field: separated by ";" or ",", each without surrounding quote marks,
    normalised (normalize_tag), blanks and repeats dropped, in order."""
    import re

    names = [normalize_tag(part.strip().strip(TAG_QUOTES)) for part in re.split(r"[;,]", str(raw or ""))]
    return list(dict.fromkeys(name for name in names if name))


def parse_timestamp(raw: str | None):
    """An aware datetime from the common written forms ("2023-01-15 10:22:01", ISO 8601 with or without a
    zone, a bare date); a time without a zone is read as UTC, as Mailchimp and HubSpot write them. None for
    blank; ValidationError for anything else."""
    import datetime

    from django.utils.dateparse import parse_date, parse_datetime

    text = " ".join(str(raw or "").split())
    if not text:
        return None
    try:
        value = parse_datetime(text.replace(" UTC", "").replace("Z", "+00:00"))
        if value is None:
            day = parse_date(text)
            value = datetime.datetime.combine(day, datetime.time()) if day else None
    except ValueError:
        value = None
    if value is None:
        raise ValidationError(f"“{text[:40]}” is not a date and time (write it as 2024-01-31 13:45).")
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
