"""Which record field each column of an import fills: the list of targets, and a guess from the headers.

A mapping is `{column index as str: target key or ""}`; "" means the column is not imported. Target keys are
the field names below, and `property:<name>` for a custom property.

The guess knows the export formats of HubSpot, Mailchimp and Salesforce, plain snake_case keys, our own
labels, and custom properties by name or label. Each target is given to one column at most: the column
whose header matches it best, and among equals the leftmost (so "Email" wins over "Email (2)").
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

PROPERTY_PREFIX = "property:"

CONTACT_FIELDS: list[tuple[str, str]] = [
    ("email", "Email"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("phone", "Phone"),
    ("job_title", "Job title"),
    ("company", "Company (by name)"),
    ("company_domain", "Company domain"),
    ("country", "Country"),
    ("lifecycle_stage", "Lifecycle stage"),
    ("lead_status", "Lead status"),
    ("owner", "Owner (by email)"),
    ("source", "Source"),
    ("source_medium", "Source medium"),
    ("source_campaign", "Source campaign"),
    ("external_id", "External ID"),
    ("tags", "Tags (separated by ; or ,)"),
    ("marketing_consent_at", "Marketing email consent: given at"),
    ("marketing_consent_confirmed_at", "Marketing email consent: confirmed at"),
    ("marketing_consent_ip", "Marketing email consent: IP address"),
]

COMPANY_FIELDS: list[tuple[str, str]] = [
    ("name", "Name"),
    ("domain", "Domain"),
    ("industry", "Industry"),
    ("size", "Size"),
    ("country", "Country"),
    ("phone", "Phone"),
    ("owner", "Owner (by email)"),
    ("external_id", "External ID"),
]

# Headers other products write, best match first. Compared after `normalise_header`, so "Country/Region",
# "country_region" and "COUNTRY REGION" are the same header.
CONTACT_ALIASES: dict[str, list[str]] = {
    "email": ["email", "email address", "e mail", "e mail address", "work email", "mail", "email 1"],
    "first_name": ["first name", "firstname", "given name", "fname", "forename"],
    "last_name": ["last name", "lastname", "surname", "family name", "lname"],
    "phone": [
        "phone",
        "phone number",
        "telephone",
        "telephone number",
        "tel",
        "work phone",
        "business phone",
        "mobile",
        "mobile phone",
        "mobile phone number",
        "mobile number",
    ],
    "job_title": ["job title", "title", "position", "job position", "jobtitle"],
    "company": [
        "company",
        "company name",
        "account name",
        "account",
        "organization",
        "organisation",
        "organization name",
        "associated company",
        "employer",
    ],
    "company_domain": [
        "company domain",
        "company domain name",
        "company website",
        "website",
        "website url",
        "domain",
    ],
    # Mailchimp writes the country code as CC.
    "country": ["country", "country region", "mailing country", "country code", "billing country", "nation", "cc"],
    "lifecycle_stage": ["lifecycle stage", "lifecyclestage", "stage", "lifecycle"],
    "lead_status": ["lead status", "hs lead status", "status"],
    "owner": [
        "owner",
        "contact owner",
        "owner email",
        "contact owner email",
        "lead owner",
        "contact owner name",
        "hubspot owner",
        "assigned to",
    ],
    "source": ["source", "original source", "lead source", "utm source", "original source type"],
    "source_medium": ["source medium", "medium", "utm medium", "original source drill down 1"],
    "source_campaign": ["source campaign", "campaign", "utm campaign", "original source drill down 2"],
    "external_id": ["external id", "record id", "contact id", "lead id", "id", "hubspot id", "crm id"],
    "tags": ["tags", "tag", "labels"],
    # Mailchimp's audience export: when and from where the subscriber opted in and confirmed.
    "marketing_consent_at": ["optin time", "opt in time", "opt in date", "consent date", "subscribed at"],
    "marketing_consent_confirmed_at": ["confirm time", "confirmed at", "confirmation time"],
    "marketing_consent_ip": ["confirm ip", "optin ip", "opt in ip"],
}

COMPANY_ALIASES: dict[str, list[str]] = {
    "name": [
        "name",
        "company name",
        "company",
        "account name",
        "organization",
        "organisation",
        "organization name",
    ],
    "domain": [
        "domain",
        "company domain name",
        "company domain",
        "website",
        "website url",
        "web site",
        "url",
    ],
    "industry": ["industry", "sector"],
    "size": ["size", "company size", "number of employees", "employees", "employee count", "headcount"],
    "country": ["country", "country region", "billing country", "mailing country", "country code"],
    "phone": ["phone", "phone number", "telephone", "tel", "main phone"],
    "owner": ["owner", "company owner", "account owner", "owner email", "company owner email", "assigned to"],
    "external_id": ["external id", "record id", "company id", "account id", "id", "hubspot id", "crm id"],
}


def normalise_header(text: str) -> str:
    """Lower case, every run of non-letters-or-digits a single space: "Country/Region" -> "country region"."""
    return re.sub(r"[^0-9a-z]+", " ", str(text).casefold()).strip()


def definition_list(definitions: Any) -> list[Any]:
    """Custom property definitions given as `definitions_for()`'s dict or as any iterable of definitions."""
    if not definitions:
        return []
    if isinstance(definitions, Mapping):
        return list(definitions.values())
    if isinstance(definitions, Iterable):
        return list(definitions)
    return []


def builtin_fields(object_type: str) -> list[tuple[str, str]]:
    return COMPANY_FIELDS if object_type == "company" else CONTACT_FIELDS


# Tandem's own id, to match rows of a Tandem export to the records they came from. Chosen by hand only:
# it is not in the field lists the guess reads, so another product's "ID" column never becomes it.
RECORD_ID_TARGET = ("id", "Record ID (Tandem's id, to match records)")


def target_fields(object_type: str, definitions: Any = None) -> list[tuple[str, str]]:
    """Every target a column can fill, as (key, label): the record's fields, then its custom properties."""
    targets = [*builtin_fields(object_type), RECORD_ID_TARGET]
    for definition in definition_list(definitions):
        targets.append((f"{PROPERTY_PREFIX}{definition.name}", f"{definition.label} (custom property)"))
    return targets


def candidates(object_type: str, definitions: Any) -> dict[str, list[tuple[int, str]]]:
    """normalised header -> [(rank, target key)], lower rank is a better match."""
    table: dict[str, list[tuple[int, str]]] = {}

    def add(header: str, rank: int, key: str) -> None:
        table.setdefault(normalise_header(header), []).append((rank, key))

    aliases = COMPANY_ALIASES if object_type == "company" else CONTACT_ALIASES
    for key, label in builtin_fields(object_type):
        # The key itself ("first_name") and our own label ("First name") are exact matches.
        add(key, 0, key)
        add(label, 0, key)
        for rank, alias in enumerate(aliases.get(key, []), start=1):
            add(alias, rank, key)
    for definition in definition_list(definitions):
        key = f"{PROPERTY_PREFIX}{definition.name}"
        add(key, 0, key)
        add(definition.name, 0, key)
        add(definition.label, 0, key)
    return table


# Headers only Tandem's own export writes together (its "Record ID" is Tandem's id, not another product's).
TANDEM_EXPORT_HEADERS = {"record id", "owner email", "created at", "updated at"}


def is_tandem_export(headers: list[str]) -> bool:
    """Whether the file is an export from Tandem: then "Record ID" holds Tandem's own ids, which must never
    become external ids (HubSpot's "Record ID" is an external id)."""
    return {normalise_header(header) for header in headers} >= TANDEM_EXPORT_HEADERS


def guess_mapping(headers: list[str], object_type: str, definitions: Any = None) -> dict[str, str]:
    """{column index as str: target key or ""} for every column, each target used at most once.

    In Tandem's own export the "Record ID" column is left out (those are Tandem's ids) and "External ID"
    is the external id."""
    table = candidates(object_type, definitions)
    own_export = is_tandem_export(headers)
    proposals: list[tuple[int, int, str]] = []  # (rank, column index, target)
    for index, header in enumerate(headers):
        if own_export and normalise_header(header) == "record id":
            continue
        for rank, key in table.get(normalise_header(header), []):
            proposals.append((rank, index, key))
    mapping = {str(index): "" for index in range(len(headers))}
    taken: set[str] = set()
    for _rank, index, key in sorted(proposals):
        if key in taken or mapping[str(index)]:
            continue
        mapping[str(index)] = key
        taken.add(key)
    return mapping
