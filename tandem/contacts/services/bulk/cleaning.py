"""Cleaning a file's cells into stored values, per field, through the same cleaners as the single-record
services (tandem.contacts.normalize); the fast paths sit behind those functions."""

import ipaddress
import re
from collections.abc import Iterable, Mapping

import email_validator
from django.core.exceptions import ValidationError
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

from tandem.contacts import normalize
from tandem.contacts import properties as contact_properties
from tandem.contacts.models import (
    CompanySize,
    LeadStatus,
    LifecycleStage,
)
from tandem.contacts.services.bulk.rows import (
    COMPANY_TEXT_FIELDS,
    EXTERNAL_ID_MAX_LENGTH,
    PROPERTY_PREFIX,
    CleanedRow,
    Problem,
    UpsertContext,
)
from tandem.contacts.services.contacts import TEXT_FIELDS as CONTACT_TEXT_FIELDS


def _choice_table(choices: Iterable[tuple[str, str]], extra: Mapping[str, str]) -> dict[str, str]:
    table: dict[str, str] = {}
    for value, label in choices:
        for spelling in (value, str(label)):
            table[spelling.lower()] = value
            table[re.sub(r"[^0-9a-z]", "", spelling.lower())] = value
    table.update(extra)
    return table


STAGES = _choice_table(
    LifecycleStage.choices,
    {"marketingqualifiedlead": LifecycleStage.MQL, "salesqualifiedlead": LifecycleStage.SQL},
)
LEAD_STATUSES = _choice_table(
    [(value, label) for value, label in LeadStatus.choices if value],
    {"attempted_to_contact": LeadStatus.IN_PROGRESS, "attemptedtocontact": LeadStatus.IN_PROGRESS},
)
SIZES = _choice_table([(value, label) for value, label in CompanySize.choices if value], {})
SIZE_BOUNDS = [(9, "1-9"), (49, "10-49"), (249, "50-249"), (999, "250-999")]


def _size(raw: str) -> str | None:
    text = raw.strip().lower()
    if text in SIZES:
        return SIZES[text]
    digits = text.replace(",", "").replace(" ", "")
    if digits.isdigit():
        count = int(digits)
        return next((value for bound, value in SIZE_BOUNDS if count <= bound), "1000+")
    return None


# The common shape of an address (ASCII dot-atom local part, ordinary host names, alphabetic top-level
# domain). For these email_validator's answer is known: the local part as typed, the domain lower-cased.
# Anything else (quoted, Unicode, role mailboxes it lower-cases, special-use domains, long parts) is
# given to normalize.normalize_email itself. A property test checks the two agree.
SIMPLE_ADDRESS = re.compile(
    r"(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)


def fast_normalize_email(text: str) -> str | None:
    """normalize.normalize_email, without its cost (~70 µs) for the addresses that make up nearly every file."""
    match = SIMPLE_ADDRESS.fullmatch(text)
    if match is not None and len(text) <= 254 and len(match["local"]) <= 64:
        local, domain = match["local"], match["domain"].lower()
        if (
            local.lower() not in CASE_INSENSITIVE_MAILBOX_NAMES
            and domain.rpartition(".")[2] not in email_validator.SPECIAL_USE_DOMAIN_NAMES
            and "--" not in domain  # punycode and other hyphen-hyphen labels get the full IDNA check
            and len(domain) <= 253
        ):
            return f"{local}@{domain}"
    return normalize.normalize_email(text)


def address_hashes(emails: Iterable[str]) -> list[str]:
    """normalize.address_hash of many addresses (the suppression key every writer of an email stores),
    without email_validator's cost for the common ones: fast_normalize_email, then the same hashing rule.
    A blank or missing address has the blank key, as a contact without an email has."""
    hash_normalized = normalize.hash_normalized_address
    return [hash_normalized(fast_normalize_email(email) or "") if email else "" for email in emails]


def _clean_common(
    row: CleanedRow, values: Mapping[str, str], context: UpsertContext, text_fields: dict
) -> None:
    for name, max_length in text_fields.items():
        raw = values.get(name)
        if raw is None:
            continue
        text = str(raw).strip()
        if not text:
            continue
        if len(text) > max_length:
            row.errors.append(
                (Problem.INVALID, f"{name.replace('_', ' ').capitalize()}: at most {max_length} characters.")
            )
            continue
        row.fields[name] = text
    raw_external = str(values.get("external_id") or "").strip()
    if raw_external:
        if len(raw_external) > EXTERNAL_ID_MAX_LENGTH:
            row.errors.append((Problem.INVALID, f"External id: at most {EXTERNAL_ID_MAX_LENGTH} characters."))
        else:
            row.fields["external_id"] = raw_external
    raw_country = str(values.get("country") or "").strip()
    if raw_country:
        try:
            row.fields["country"] = normalize.normalize_country(raw_country)
        except ValidationError as error:
            row.errors.append((Problem.INVALID, error.messages[0]))
    raw_phone = str(values.get("phone") or "").strip()
    if raw_phone:
        try:
            row.fields["phone"] = normalize.normalize_phone(raw_phone, row.fields.get("country", ""))
        except ValidationError as error:
            row.errors.append((Problem.BAD_PHONE, error.messages[0]))
    raw_owner = str(values.get("owner") or "").strip()
    if raw_owner:
        row.fields["owner"] = raw_owner.lower()  # resolved to a user for the whole batch at once
    for key, raw in values.items():
        if not key.startswith(PROPERTY_PREFIX) or raw is None or not str(raw).strip():
            continue
        name = key[len(PROPERTY_PREFIX) :]
        definition = context.definitions.get(name)
        if definition is None:
            row.errors.append((Problem.INVALID, f"“{name[:60]}” is not a {context.object_type} property."))
            continue
        try:
            value = contact_properties.clean_value(definition, raw)
        except ValidationError as error:
            row.errors.append((Problem.INVALID, error.messages[0]))
            continue
        if value is not None:
            row.properties[name] = value


def _clean_consent(row: CleanedRow, values: Mapping[str, str]) -> None:
    """Marketing-email consent evidence: when it was given and confirmed, and from which address."""
    for name, evidence in (
        ("marketing_consent_at", "given_at"),
        ("marketing_consent_confirmed_at", "confirmed_at"),
    ):
        try:
            moment = normalize.parse_timestamp(values.get(name))
        except ValidationError as error:
            row.errors.append((Problem.INVALID, f"Consent: {error.messages[0]}"))
            continue
        if moment is not None:
            row.consent[evidence] = moment
    raw_ip = str(values.get("marketing_consent_ip") or "").strip()
    if raw_ip and row.consent:
        try:
            row.consent["ip_address"] = str(ipaddress.ip_address(raw_ip))
        except ValueError:
            row.errors.append((Problem.INVALID, f"Consent: “{raw_ip[:45]}” is not an IP address."))


# The largest id a row may name (a 64-bit primary key); a bigger number cannot be a record of ours.
MAX_RECORD_ID = 2**63 - 1


def _clean_record_id(row: CleanedRow, values: Mapping[str, str]) -> None:
    """The row's key when rows are matched by Tandem's own id (an export's "Record ID"): a whole number."""
    raw = str(values.get("id") or "").strip()
    if not raw:
        row.errors.append((Problem.MISSING_KEY, "No record id: rows are matched by record id."))
    elif not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_RECORD_ID:
        row.errors.append(
            (Problem.INVALID, f"“{raw[:30]}” is not a record id (a whole number, as exported).")
        )
    else:
        row.key = int(raw)


def _clean_stage(row: CleanedRow, values: Mapping[str, str]) -> None:
    """A contact's or a company's lifecycle stage, by its value or label ("Marketing qualified lead", "MQL")."""
    raw_stage = str(values.get("lifecycle_stage") or "").strip()
    if raw_stage:
        stage = STAGES.get(raw_stage.lower()) or STAGES.get(re.sub(r"[^0-9a-z]", "", raw_stage.lower()))
        if stage is None:
            row.errors.append((Problem.INVALID, f"“{raw_stage[:30]}” is not a lifecycle stage."))
        else:
            row.fields["lifecycle_stage"] = stage


def clean_contact(row_number: int, values: Mapping[str, str], key: str, context: UpsertContext) -> CleanedRow:
    row = CleanedRow(row_number=row_number)
    raw_email = str(values.get("email") or "").strip()
    if raw_email:
        try:
            row.fields["email"] = fast_normalize_email(raw_email)
        except ValidationError as error:
            row.errors.append((Problem.INVALID_EMAIL, error.messages[0]))
    _clean_common(row, values, context, CONTACT_TEXT_FIELDS)
    _clean_stage(row, values)
    raw_status = str(values.get("lead_status") or "").strip()
    if raw_status:
        status = LEAD_STATUSES.get(raw_status.lower()) or LEAD_STATUSES.get(
            re.sub(r"[^0-9a-z]", "", raw_status.lower())
        )
        if status is None:
            row.errors.append((Problem.INVALID, f"“{raw_status[:30]}” is not a lead status."))
        else:
            row.fields["lead_status"] = status
    raw_company = str(values.get("company") or "").strip()
    if raw_company:
        row.fields["company_name"] = " ".join(raw_company.split())[:200]  # as written: a new company takes it
    raw_domain = str(values.get("company_domain") or "").strip()
    if raw_domain:
        try:
            row.fields["company_domain"] = normalize.normalize_domain(
                raw_domain.split("//")[-1].split("/")[0]
            )
        except ValidationError as error:
            row.errors.append((Problem.INVALID, error.messages[0]))
    _clean_consent(row, values)
    raw_tags = str(values.get("tags") or "").strip()
    if raw_tags:
        row.tags = normalize.split_tags(raw_tags)
    if key == "email":
        row.key = row.fields["email"].lower() if row.fields.get("email") else None
        if row.key is None and not any(problem == Problem.INVALID_EMAIL for problem, _ in row.errors):
            row.errors.append((Problem.MISSING_KEY, "No email address: rows are matched by email."))
    elif key == "id":
        _clean_record_id(row, values)
    else:
        row.key = row.fields.get("external_id")
        if row.key is None:
            row.errors.append((Problem.MISSING_KEY, "No external id: rows are matched by external id."))
    return row


def clean_company(row_number: int, values: Mapping[str, str], key: str, context: UpsertContext) -> CleanedRow:
    row = CleanedRow(row_number=row_number)
    _clean_common(row, values, context, COMPANY_TEXT_FIELDS)
    raw_domain = str(values.get("domain") or "").strip()
    if raw_domain:
        try:
            row.fields["domain"] = normalize.normalize_domain(raw_domain.split("//")[-1].split("/")[0])
        except ValidationError as error:
            row.errors.append((Problem.INVALID, error.messages[0]))
    raw_size = str(values.get("size") or "").strip()
    if raw_size:
        size = _size(raw_size)
        if size is None:
            row.errors.append((Problem.INVALID, f"“{raw_size[:30]}” is not a company size."))
        else:
            row.fields["size"] = size
    _clean_stage(row, values)
    if key == "domain":
        row.key = row.fields.get("domain")
        if row.key is None and not row.errors:
            row.errors.append((Problem.MISSING_KEY, "No domain: rows are matched by domain."))
    elif key == "id":
        _clean_record_id(row, values)
    else:
        row.key = row.fields.get("external_id")
        if row.key is None:
            row.errors.append((Problem.MISSING_KEY, "No external id: rows are matched by external id."))
    return row


# ------------------------------------------------------------------------------------------------ writing
