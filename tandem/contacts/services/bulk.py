"""Set-based upsert of contacts and companies: the import's (and later the API's) write path.

One lookup per key for a whole batch, bulk inserts for new records, bulk updates for changed ones, one
timeline entry per touched record. Never the per-row create/update services, which cost ~10 queries a row.

Rules (what a HubSpot user expects of an import):
- A blank cell never clears a value; it means "the file says nothing here".
- The key is matched case-insensitively for email and domain; the stored spelling of the key stays.
- Mode "update" changes every differing field, "fill_empty" only fields that are empty, "skip" leaves
  matched records alone. A matched row that changes nothing counts as skipped.
- Tags are added, never removed. Custom properties are validated by their definitions.
- Contacts are linked to an existing company by domain (as HubSpot does), else by exact name
  (case-insensitive, the oldest of that name); a contact import never creates companies — import the
  companies first. An unknown company leaves the contact without one.
- A row that would give a record an address (or external id) another record has fails, as does a row for a
  record the actor may not change, or an owner the actor may not assign. The rest of the batch lands.
- Rows with the same key in one batch are applied in waves, in file order, so the later updates the earlier.
- Two writers inserting the same key: the unique index decides; the batch is retried and becomes updates.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import email_validator
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_countries import countries
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

from tandem.contacts import normalize
from tandem.contacts import properties as contact_properties
from tandem.contacts.models import (
    Activity,
    ActivityKind,
    Company,
    CompanySize,
    Contact,
    ContactTag,
    LeadStatus,
    LifecycleStage,
    PropertyDefinition,
    StageChange,
    Tag,
)
from tandem.contacts.services.contacts import TEXT_FIELDS as CONTACT_TEXT_FIELDS
from tandem.core import access
from tandem.core.access import Scope, Verb
from tandem.core.events import publish
from tandem.core.models import User

PROPERTY_PREFIX = "property:"

# The field keys a column may be mapped to (custom properties are "property:<name>").
CONTACT_FIELDS = (
    "email",
    "external_id",
    "first_name",
    "last_name",
    "phone",
    "job_title",
    "company",  # a company's name: linked to the live company of that name (never created by a contact import)
    "company_domain",  # a company's domain: linked to the live company with that domain
    "country",
    "lifecycle_stage",
    "lead_status",
    "owner",  # a user's email address
    "source",
    "source_medium",
    "source_campaign",
    "tags",  # several tags separated by ";"
)
COMPANY_FIELDS = (
    "name",
    "domain",
    "external_id",
    "industry",
    "size",
    "country",
    "phone",
    "owner",
)

COMPANY_TEXT_FIELDS = {"name": 200, "industry": 100}
EXTERNAL_ID_MAX_LENGTH = 100
# How many times a batch is retried when a concurrent writer inserted one of its keys first.
CONFLICT_RETRIES = 3


class Outcome:
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"
    FAILED = "failed"


class Problem:
    """Why a row failed, as the dry-run report groups them."""

    INVALID_EMAIL = "invalid_email"
    BAD_PHONE = "bad_phone"
    MISSING_KEY = "missing_key"
    INVALID = "invalid"
    DENIED = "denied"
    CONFLICT = "conflict"


@dataclass
class RowResult:
    """What happened to one input row. `previous` holds, for an update, each changed field's old value."""

    row_number: int
    outcome: str
    object_id: int | None = None
    previous: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    problem: str = ""
    matched: bool = False


@dataclass
class _Row:
    row_number: int
    key: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class UpsertContext:
    """What a batch needs besides its rows, loaded once per import: the actor, the property definitions,
    and what the actor may do. Build it with `context_for`."""

    actor: User | None
    object_type: str
    definitions: dict[str, PropertyDefinition]
    may_reassign: bool
    source_type: str = "import"
    source_id: int | None = None


def context_for(
    *, actor: User | None, object_type: str, source_type: str = "import", source_id: int | None = None
) -> UpsertContext:
    may_reassign = (
        access.scope_for(actor, object_type, Verb.CHANGE) in (Scope.EVERYTHING, Scope.TEAM) if actor else True
    )
    return UpsertContext(
        actor=actor,
        object_type=object_type,
        definitions=contact_properties.definitions_for(object_type),
        may_reassign=may_reassign,
        source_type=source_type,
        source_id=source_id,
    )


# ---------------------------------------------------------------------------------------------- cleaning


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
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


def _split_tags(raw: str) -> list[str]:
    names = [normalize.normalize_tag(part) for part in re.split(r"[;,]", raw)]
    return list(dict.fromkeys(name for name in names if name))


def _clean_common(row: _Row, values: Mapping[str, str], context: UpsertContext, text_fields: dict) -> None:
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
        code = _country_codes().get(raw_country.lower())
        if code is None:
            row.errors.append(
                (
                    Problem.INVALID,
                    f"“{raw_country[:40]}” is not a country (use its name or ISO code, e.g. DE).",
                )
            )
        else:
            row.fields["country"] = code
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


def _clean_contact(row_number: int, values: Mapping[str, str], key: str, context: UpsertContext) -> _Row:
    row = _Row(row_number=row_number)
    raw_email = str(values.get("email") or "").strip()
    if raw_email:
        try:
            row.fields["email"] = fast_normalize_email(raw_email)
        except ValidationError as error:
            row.errors.append((Problem.INVALID_EMAIL, error.messages[0]))
    _clean_common(row, values, context, CONTACT_TEXT_FIELDS)
    raw_stage = str(values.get("lifecycle_stage") or "").strip()
    if raw_stage:
        stage = STAGES.get(raw_stage.lower()) or STAGES.get(re.sub(r"[^0-9a-z]", "", raw_stage.lower()))
        if stage is None:
            row.errors.append((Problem.INVALID, f"“{raw_stage[:30]}” is not a lifecycle stage."))
        else:
            row.fields["lifecycle_stage"] = stage
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
        row.fields["company_name"] = raw_company.lower()
    raw_domain = str(values.get("company_domain") or "").strip()
    if raw_domain:
        try:
            row.fields["company_domain"] = normalize.normalize_domain(
                raw_domain.split("//")[-1].split("/")[0]
            )
        except ValidationError as error:
            row.errors.append((Problem.INVALID, error.messages[0]))
    raw_tags = str(values.get("tags") or "").strip()
    if raw_tags:
        row.tags = _split_tags(raw_tags)
    if key == "email":
        row.key = row.fields["email"].lower() if row.fields.get("email") else None
        if row.key is None and not any(problem == Problem.INVALID_EMAIL for problem, _ in row.errors):
            row.errors.append((Problem.MISSING_KEY, "No email address: rows are matched by email."))
    else:
        row.key = row.fields.get("external_id")
        if row.key is None:
            row.errors.append((Problem.MISSING_KEY, "No external id: rows are matched by external id."))
    return row


def _clean_company(row_number: int, values: Mapping[str, str], key: str, context: UpsertContext) -> _Row:
    row = _Row(row_number=row_number)
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
    if key == "domain":
        row.key = row.fields.get("domain")
        if row.key is None and not row.errors:
            row.errors.append((Problem.MISSING_KEY, "No domain: rows are matched by domain."))
    else:
        row.key = row.fields.get("external_id")
        if row.key is None:
            row.errors.append((Problem.MISSING_KEY, "No external id: rows are matched by external id."))
    return row


# ------------------------------------------------------------------------------------------------ writing


@dataclass(frozen=True)
class _Spec:
    model: type
    object_type: str
    clean: Any
    # The live-unique fields: a row's value for the one that is not the key must not belong to another record.
    unique_fields: tuple[str, ...]
    name: str


CONTACT_SPEC = _Spec(Contact, "contact", _clean_contact, ("email", "external_id"), "contact")
COMPANY_SPEC = _Spec(Company, "company", _clean_company, ("domain", "external_id"), "company")


def _unique_value(field_name: str, value: Any) -> Any:
    return value.lower() if field_name == "email" and value else value


def _lookup(spec: _Spec, field_name: str, values: set, lock: bool) -> dict[Any, Any]:
    """Live records by one unique field, one query for the whole batch: {normalised value: record}."""
    if not values:
        return {}
    queryset = spec.model.objects.filter(deleted_at__isnull=True)
    if field_name == "email":
        queryset = queryset.annotate(unique_email=Lower("email")).filter(unique_email__in=values)
    else:
        queryset = queryset.filter(**{f"{field_name}__in": values})
    if lock and connection.features.has_select_for_update:
        # Two imports updating the same record take turns instead of overwriting each other's fields.
        queryset = queryset.select_for_update(of=("self",))
    return {_unique_value(field_name, getattr(record, field_name)): record for record in queryset}


def _resolve_related(spec: _Spec, rows: list[_Row], context: UpsertContext) -> None:
    """Owners by email and (for contacts) companies by domain or name, one query each for the batch."""
    owner_emails = {row.fields["owner"] for row in rows if "owner" in row.fields}
    owners: dict[str, tuple[int, int | None]] = {}
    if owner_emails:
        owners = {
            email: (pk, team_id)
            for pk, team_id, email in User.objects.filter(is_active=True)
            .annotate(lower_email=Lower("email"))
            .filter(lower_email__in=owner_emails)
            .values_list("pk", "team_id", "lower_email")
        }
    domains = {row.fields["company_domain"] for row in rows if "company_domain" in row.fields}
    names = {row.fields["company_name"] for row in rows if "company_name" in row.fields}
    by_domain: dict[str, int] = {}
    by_name: dict[str, int] = {}
    if domains:
        by_domain = dict(
            Company.objects.filter(deleted_at__isnull=True, domain__in=domains).values_list("domain", "pk")
        )
    if names:
        for pk, lower_name in (
            Company.objects.filter(deleted_at__isnull=True)
            .annotate(lower_name=Lower("name"))
            .filter(lower_name__in=names)
            .order_by("-pk")
            .values_list("pk", "lower_name")
        ):
            by_name[lower_name] = pk  # ordered newest first, so the oldest company of a name wins
    actor_id = context.actor.pk if context.actor is not None else None
    for row in rows:
        if "owner" in row.fields:
            email = row.fields.pop("owner")
            found = owners.get(email)
            if found is None:
                row.errors.append(
                    (Problem.INVALID, f"No active user has the email address “{email[:80]}” (owner).")
                )
            elif not context.may_reassign and found[0] != actor_id:
                row.errors.append((Problem.DENIED, "You can only assign records to yourself."))
            else:
                row.fields["owner_id"], row.fields["team_id"] = found
        domain = row.fields.pop("company_domain", None)
        name = row.fields.pop("company_name", None)
        # Linked to an existing company only: by domain first (as HubSpot does), else by exact name.
        company_id = (by_domain.get(domain) if domain else None) or (by_name.get(name) if name else None)
        if company_id is not None:
            row.fields["company_id"] = company_id


@cache
def _insert_plan(model: type, columns: tuple[str, ...], vendor: str) -> tuple[str, tuple]:
    fields = {field.attname: field for field in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(fields[name].column) for name in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    # Only dates and JSON need the field's own conversion; text, numbers and ids go to the driver as they are.
    converters = tuple(
        fields[name] if isinstance(fields[name], models.DateTimeField | models.JSONField) else None
        for name in columns
    )
    return sql, converters


def insert_rows(model: type, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT many rows with one executemany: Django's bulk_create builds a model instance and prepares
    every value through its field, which is most of an import's time at a million rows. Values must be
    valid already (they are: cleaned here); ids are not returned."""
    if not rows:
        return
    database = connections[DEFAULT_DB_ALIAS]
    sql, converters = _insert_plan(model, columns, database.vendor)
    positions = [
        (position, converter) for position, converter in enumerate(converters) if converter is not None
    ]
    if positions:
        operations = database.ops
        # A batch shares one timestamp: convert each distinct datetime once.
        datetimes: dict[Any, Any] = {}
        converted = []
        for row in rows:
            values = list(row)
            for position, converter in positions:
                value = values[position]
                if value is None:
                    continue
                if isinstance(converter, models.JSONField):
                    values[position] = operations.adapt_json_value(value, converter.encoder)
                else:
                    adapted = datetimes.get(value)
                    if adapted is None:
                        adapted = datetimes[value] = converter.get_db_prep_save(value, database)
                    values[position] = adapted
            converted.append(values)
        rows = converted
    with database.cursor() as cursor:
        cursor.executemany(sql, rows)


def _update_rows(model: type, changed: list[tuple[Any, tuple[str, ...]]]) -> None:
    """UPDATE records by id, one executemany per set of changed fields (not Django's CASE per field)."""
    groups: dict[tuple[str, ...], list[Any]] = {}
    for instance, names in changed:
        groups.setdefault(names, []).append(instance)
    fields = {field.attname: field for field in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    for names, instances in groups.items():
        sql = (
            f"UPDATE {quote(model._meta.db_table)} SET "
            + ", ".join(f"{quote(fields[name].column)} = %s" for name in names)
            + f" WHERE {quote('id')} = %s"
        )
        rows = [
            (
                *(fields[name].get_db_prep_save(instance.__dict__[name], connection) for name in names),
                instance.pk,
            )
            for instance in instances
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


@cache
def _defaults_cached(model: type) -> tuple[tuple[str, Any], ...]:
    return tuple(
        (field.attname, field.get_default()) for field in model._meta.concrete_fields if not field.primary_key
    )


def _defaults(model: type) -> dict[str, Any]:
    """Every column of a new row with the model's default (fresh mutable defaults each call)."""
    return {
        name: (dict(value) if isinstance(value, dict) else value) for name, value in _defaults_cached(model)
    }


def _ids_by_key(spec: _Spec, key: str, values: set) -> dict[Any, int]:
    if not values:
        return {}
    queryset = spec.model.objects.filter(deleted_at__isnull=True)
    if key == "email":
        pairs = queryset.annotate(unique_email=Lower("email")).filter(unique_email__in=values)
        return dict(pairs.values_list("unique_email", "pk"))
    return dict(queryset.filter(**{f"{key}__in": values}).values_list(key, "pk"))


def _raw(instance: Any, attribute: str) -> Any:
    # The stored value, not the descriptor's: a CountryField reads back as a Country object.
    return instance.__dict__.get(attribute)


def _empty(value: Any) -> bool:
    return value in (None, "", [], {})


def _upsert(
    spec: _Spec,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    key: str,
    mode: str,
    context: UpsertContext,
    dry_run: bool,
) -> list[RowResult]:
    cleaned = [spec.clean(row_number, values, key, context) for row_number, values in rows]
    _resolve_related(spec, [row for row in cleaned if not row.errors], context)
    results: dict[int, RowResult] = {}
    waves: list[list[tuple[int, _Row]]] = []
    seen: dict[str, int] = {}
    for position, row in enumerate(cleaned):
        if row.errors:
            problem = row.errors[0][0]
            reason = "; ".join(message for _, message in row.errors)
            results[position] = RowResult(row.row_number, Outcome.FAILED, reason=reason, problem=problem)
            continue
        # A key seen earlier in the batch goes to a later wave, so the later row updates the earlier one.
        wave = seen.get(row.key, 0)
        seen[row.key] = wave + 1
        if wave == len(waves):
            waves.append([])
        waves[wave].append((position, row))
    claimed: dict[tuple[str, Any], Any] = {}
    created_keys: set = set()
    for wave_rows in waves:
        for attempt in range(CONFLICT_RETRIES):
            try:
                with transaction.atomic():
                    wave_results = _apply(spec, wave_rows, key, mode, context, dry_run, claimed, created_keys)
                break
            except IntegrityError:
                # A concurrent import inserted one of these keys after our lookup: look again, and the rows
                # it took become updates.
                if attempt == CONFLICT_RETRIES - 1:
                    wave_results = {
                        position: RowResult(
                            row.row_number,
                            Outcome.FAILED,
                            reason="Another write changed this record at the same time; import the row again.",
                            problem=Problem.CONFLICT,
                        )
                        for position, row in wave_rows
                    }
        results.update(wave_results)
    return [results[position] for position in range(len(cleaned))]


def _apply(
    spec: _Spec,
    wave_rows: list[tuple[int, _Row]],
    key: str,
    mode: str,
    context: UpsertContext,
    dry_run: bool,
    claimed: dict,
    created_keys: set,
) -> dict[int, RowResult]:
    now = timezone.now()
    actor = context.actor
    existing = _lookup(spec, key, {row.key for _, row in wave_rows}, lock=not dry_run)
    others: dict[str, dict[Any, Any]] = {}
    for field_name in spec.unique_fields:
        if field_name == key:
            continue
        values = {
            _unique_value(field_name, row.fields[field_name])
            for _, row in wave_rows
            if row.fields.get(field_name)
        }
        others[field_name] = {
            value: record.pk for value, record in _lookup(spec, field_name, values, lock=False).items()
        }
    results: dict[int, RowResult] = {}
    to_create: list[tuple[int, _Row]] = []
    to_update: list[tuple[int, _Row, Any, dict[str, Any]]] = []
    tag_rows: list[tuple[list[str], int]] = []

    def conflict(row: _Row, record_id: int | None, names: Iterable[str]) -> str | None:
        for field_name in names:
            if field_name == key or not row.fields.get(field_name) or field_name not in others:
                continue
            value = _unique_value(field_name, row.fields[field_name])
            holder = others[field_name].get(value)
            if holder is not None and holder != record_id:
                return f"Another {spec.name} already has this {field_name.replace('_', ' ')} ({value})."
            if claimed.get((field_name, value), row.key) != row.key:
                return f"An earlier row of this file has the same {field_name.replace('_', ' ')} ({value})."
        return None

    current_tags: dict[int, set[str]] = {}
    if spec.model is Contact:
        ids_with_tags = [existing[row.key].pk for _, row in wave_rows if row.tags and row.key in existing]
        for contact_id, name in ContactTag.objects.filter(contact_id__in=ids_with_tags).values_list(
            "contact_id", "tag__name"
        ):
            current_tags.setdefault(contact_id, set()).add(name)

    for position, row in wave_rows:
        instance = existing.get(row.key)
        if instance is None:
            problem = conflict(row, None, spec.unique_fields)
            if problem:
                results[position] = RowResult(
                    row.row_number, Outcome.FAILED, reason=problem, problem=Problem.CONFLICT
                )
                continue
            if dry_run and row.key in created_keys:
                results[position] = RowResult(row.row_number, Outcome.UPDATED, matched=True)
                continue
            to_create.append((position, row))
            continue
        if mode == "skip":
            results[position] = RowResult(row.row_number, Outcome.SKIPPED, instance.pk, matched=True)
            continue
        if actor is not None and not access.can(actor, Verb.CHANGE, instance):
            results[position] = RowResult(
                row.row_number,
                Outcome.FAILED,
                instance.pk,
                reason=f"You may not change this {spec.name} (it belongs to someone outside your reach).",
                problem=Problem.DENIED,
                matched=True,
            )
            continue
        previous: dict[str, Any] = {}
        changed_names: list[str] = []
        for name, value in row.fields.items():
            # The key matched (case-insensitively for email): its stored spelling stays.
            if name in ("team_id", key):
                continue
            current = _raw(instance, name)
            if current == value or (mode == "fill_empty" and not _empty(current)):
                continue
            previous[name] = current
            changed_names.append(name)
        problem = conflict(row, instance.pk, changed_names)
        if problem:
            results[position] = RowResult(
                row.row_number,
                Outcome.FAILED,
                instance.pk,
                reason=problem,
                problem=Problem.CONFLICT,
                matched=True,
            )
            continue
        new_properties = dict(instance.properties or {})
        for name, value in row.properties.items():
            current = new_properties.get(name)
            if current == value or (mode == "fill_empty" and not _empty(current)):
                continue
            previous[f"{PROPERTY_PREFIX}{name}"] = current
            new_properties[name] = value
        missing_tags = [name for name in row.tags if name not in current_tags.get(instance.pk, set())]
        if missing_tags:
            previous["tags"] = sorted(current_tags.get(instance.pk, set()))
        if not previous:
            results[position] = RowResult(row.row_number, Outcome.SKIPPED, instance.pk, matched=True)
            continue
        if "owner_id" in previous:
            previous["team_id"] = instance.team_id
            instance.team_id = row.fields.get("team_id")
        if "email" in previous:
            previous["email_domain"] = instance.email_domain
            instance.email_domain = normalize.email_domain(row.fields["email"])
        for name in changed_names:
            setattr(instance, name, row.fields[name])
        instance.properties = new_properties
        previous["updated_at"] = instance.updated_at.isoformat()
        instance.updated_at = now
        to_update.append((position, row, instance, previous))
        if missing_tags:
            tag_rows.append((missing_tags, instance.pk))
        for field_name in spec.unique_fields:
            if field_name in changed_names:
                claimed[(field_name, _unique_value(field_name, row.fields[field_name]))] = row.key

    for position, row, instance, previous in to_update:
        results[position] = RowResult(
            row.row_number, Outcome.UPDATED, instance.pk, previous=previous, matched=True
        )
    if dry_run:
        for position, row in to_create:
            created_keys.add(row.key)
            results[position] = RowResult(row.row_number, Outcome.CREATED)
        return results

    default_owner = (actor.pk, actor.team_id) if actor is not None else (None, None)
    defaults = _defaults(spec.model)
    columns = tuple(defaults)
    insert = []
    for _position, row in to_create:
        values = dict(defaults)
        values.update(row.fields)
        if "owner_id" not in row.fields:
            values["owner_id"], values["team_id"] = default_owner
        if spec.model is Contact:
            values["lifecycle_stage"] = row.fields.get("lifecycle_stage") or LifecycleStage.LEAD
            values["email_domain"] = normalize.email_domain(values["email"])
        else:
            values["name"] = (
                row.fields.get("name") or row.fields.get("domain") or row.fields.get("external_id")
            )
        values["properties"] = row.properties
        values["created_at"] = values["updated_at"] = now
        insert.append(tuple(values[name] for name in columns))
        for field_name in spec.unique_fields:
            if values.get(field_name):
                claimed[(field_name, _unique_value(field_name, values[field_name]))] = row.key
    insert_rows(spec.model, columns, insert)
    # The new ids, by key: one indexed query instead of RETURNING (which executemany cannot give).
    created_ids = _ids_by_key(spec, key, {row.key for _, row in to_create})
    for position, row in to_create:
        results[position] = RowResult(row.row_number, Outcome.CREATED, created_ids[row.key])
        if row.tags:
            tag_rows.append((row.tags, created_ids[row.key]))

    if to_update:
        changed = []
        for _position, _row, instance, previous in to_update:
            names = {name for name in previous if not name.startswith((PROPERTY_PREFIX, "tags"))}
            if any(name.startswith(PROPERTY_PREFIX) for name in previous):
                names.add("properties")
            changed.append((instance, tuple(sorted(names))))
        _update_rows(spec.model, changed)

    if tag_rows:
        wanted = {name for tags, _ in tag_rows for name in tags}
        Tag.objects.bulk_create([Tag(name=name) for name in sorted(wanted)], ignore_conflicts=True)
        tag_ids = dict(Tag.objects.filter(name__in=wanted).values_list("name", "pk"))
        ContactTag.objects.bulk_create(
            [
                ContactTag(contact_id=record_id, tag_id=tag_ids[name])
                for tags, record_id in tag_rows
                for name in tags
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )

    source_type, source_id = context.source_type, context.source_id
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    record_field = "contact_id" if spec.model is Contact else "company_id"
    other_field = "company_id" if spec.model is Contact else "contact_id"
    activity_columns = (
        record_field,
        other_field,
        "kind",
        "occurred_at",
        "actor_id",
        "subject_type",
        "subject_id",
        "campaign_id",
        "body",
        "details",
    )
    activities = [
        (
            results[position].object_id,
            None,
            ActivityKind.IMPORTED,
            now,
            actor_id,
            source_type,
            source_id,
            None,
            "",
            {"created": True},
        )
        for position, _row in to_create
    ]
    activities += [
        (
            instance.pk,
            None,
            ActivityKind.IMPORTED,
            now,
            actor_id,
            source_type,
            source_id,
            None,
            "",
            {"created": False, "fields": sorted(name for name in previous if name != "updated_at")},
        )
        for _position, _row, instance, previous in to_update
    ]
    insert_rows(Activity, activity_columns, activities)
    if spec.model is Contact:
        stage_columns = (
            "contact_id",
            "from_stage",
            "to_stage",
            "changed_at",
            "actor_id",
            "cause_type",
            "cause_id",
        )
        stage_changes = [
            (
                results[position].object_id,
                "",
                row.fields.get("lifecycle_stage") or LifecycleStage.LEAD,
                now,
                actor_id,
                source_type,
                source_id,
            )
            for position, row in to_create
        ]
        stage_changes += [
            (
                instance.pk,
                previous["lifecycle_stage"],
                instance.lifecycle_stage,
                now,
                actor_id,
                source_type,
                source_id,
            )
            for _position, _row, instance, previous in to_update
            if "lifecycle_stage" in previous
        ]
        insert_rows(StageChange, stage_columns, stage_changes)
    touched = [results[position].object_id for position, _ in to_create]
    touched += [instance.pk for _, _, instance, _ in to_update]
    if touched:
        publish(f"contacts.{spec.name}.imported", ids=touched, source_type=source_type, source_id=source_id)
    return results


def upsert_contacts(
    *,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    key: str,
    mode: str,
    actor: User | None,
    source: tuple[str, int | None] = ("import", None),
    context: UpsertContext | None = None,
    dry_run: bool = False,
) -> list[RowResult]:
    """Create or update contacts from (row number, {field key: cell text}) rows, set-based; a result per row.

    `key` is "email" or "external_id"; `mode` "update", "skip" or "fill_empty". Blank cells never clear a
    value. Rows with the same key update each other in file order. `dry_run` looks everything up and
    decides every row but writes nothing. Call inside a transaction: the batch is all-or-nothing.
    """
    context = context or context_for(
        actor=actor, object_type="contact", source_type=source[0], source_id=source[1]
    )
    return _upsert(CONTACT_SPEC, rows, key, mode, context, dry_run)


def upsert_companies(
    *,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    key: str,
    mode: str,
    actor: User | None,
    source: tuple[str, int | None] = ("import", None),
    context: UpsertContext | None = None,
    dry_run: bool = False,
) -> list[RowResult]:
    """As `upsert_contacts`, for companies matched by "domain" or "external_id"."""
    context = context or context_for(
        actor=actor, object_type="company", source_type=source[0], source_id=source[1]
    )
    return _upsert(COMPANY_SPEC, rows, key, mode, context, dry_run)


def restore_records(
    *,
    object_type: str,
    changes: list[tuple[int, bool, dict[str, Any]]],
    actor: User | None,
    source: tuple[str, int | None],
) -> tuple[int, int]:
    """Undo a batch of an import: delete the records it created, put back each field it changed.

    `changes` are (record id, created, previous values). Returns (deleted, restored).
    """
    import datetime

    model = Contact if object_type == "contact" else Company
    created_ids = [pk for pk, created, _ in changes if created]
    updated = {pk: previous for pk, created, previous in changes if not created}
    deleted = 0
    if created_ids:
        # Deleted for good: they did not exist before the import. Their timeline and tags go with them.
        deleted = model.objects.filter(pk__in=created_ids).count()
        model.objects.filter(pk__in=created_ids).delete()
    restored_records = list(model.objects.filter(pk__in=list(updated)))
    names: set[str] = set()
    restore_tags: dict[int, list[str]] = {}
    for record in restored_records:
        previous = updated[record.pk]
        properties_now = dict(record.properties or {})
        for name, value in previous.items():
            if name == "tags":
                restore_tags[record.pk] = value
            elif name.startswith(PROPERTY_PREFIX):
                if value is None:
                    properties_now.pop(name[len(PROPERTY_PREFIX) :], None)
                else:
                    properties_now[name[len(PROPERTY_PREFIX) :]] = value
                names.add("properties")
            elif name == "updated_at":
                record.updated_at = datetime.datetime.fromisoformat(value)
                names.add("updated_at")
            else:
                setattr(record, name, value)
                names.add(name)
        record.properties = properties_now
    if restored_records and names:
        model.objects.bulk_update(restored_records, sorted(names), batch_size=500)
    if restore_tags:
        wanted = {(pk, name) for pk, tag_names in restore_tags.items() for name in tag_names}
        current = set(
            ContactTag.objects.filter(contact_id__in=list(restore_tags)).values_list(
                "contact_id", "tag__name"
            )
        )
        extra = current - wanted
        if extra:
            condition = Q()
            for pk, name in extra:
                condition |= Q(contact_id=pk, tag__name=name)
            ContactTag.objects.filter(condition).delete()
        missing = wanted - current
        if missing:
            tag_ids = dict(
                Tag.objects.filter(name__in={name for _, name in missing}).values_list("name", "pk")
            )
            ContactTag.objects.bulk_create(
                [ContactTag(contact_id=pk, tag_id=tag_ids[name]) for pk, name in missing if name in tag_ids],
                ignore_conflicts=True,
            )
    source_type, source_id = source
    if model is Contact and restored_records:
        StageChange.objects.filter(
            contact_id__in=[record.pk for record in restored_records],
            cause_type=source_type,
            cause_id=source_id,
        ).delete()
    now = timezone.now()
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    record_field = "contact_id" if model is Contact else "company_id"
    Activity.objects.bulk_create(
        [
            Activity(
                **{record_field: record.pk},
                kind=ActivityKind.IMPORT_UNDONE,
                occurred_at=now,
                actor_id=actor_id,
                subject_type=source_type,
                subject_id=source_id,
                details={"fields": sorted(name for name in updated[record.pk] if name != "updated_at")},
            )
            for record in restored_records
        ],
        batch_size=1000,
    )
    return deleted, len(restored_records)
