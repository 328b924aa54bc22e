"""What the bulk path works with: the field keys a column may target, a row's outcome and problem, the
per-batch context."""

from dataclasses import dataclass, field
from typing import Any

from tandem.contacts import properties as contact_properties
from tandem.contacts.models import (
    PropertyDefinition,
)
from tandem.core import access
from tandem.core.access import Scope, Verb
from tandem.core.models import User
from tandem.core.records.fields import PROPERTY_PREFIX  # noqa: F401 (the one spelling, re-exported here)

# The field keys a column may be mapped to (custom properties are "property:<name>").
CONTACT_FIELDS = (
    "id",  # Tandem's own id (an export's "Record ID"): only as the match key, never written
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
    # Marketing-email consent evidence (Mailchimp's OPTIN_TIME, CONFIRM_TIME, CONFIRM_IP / OPTIN_IP).
    "marketing_consent_at",
    "marketing_consent_confirmed_at",
    "marketing_consent_ip",
)
# First-touch fields: how a contact first came. Set once, then never overwritten (only an empty one is filled).
WRITE_ONCE_FIELDS = frozenset({"source", "source_medium", "source_campaign"})
COMPANY_FIELDS = (
    "id",
    "name",
    "domain",
    "external_id",
    "industry",
    "size",
    "country",
    "phone",
    "lifecycle_stage",
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
    # For a contact row naming a company: "linked" to an existing one, "created" (or to be created in a dry
    # run), or "" (not linked); and the company's key ("domain:…" / "name:…") to count new companies once.
    company_action: str = ""
    company_key: str = ""
    # Dry run only, for an update: {field: [value now, value after the import]}, to show what will change.
    changes: dict[str, list[Any]] = field(default_factory=dict)


@dataclass
class CleanedRow:
    row_number: int
    key: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    company_action: str = ""
    company_key: str = ""
    # {"given_at", "confirmed_at", "ip_address"}: consent evidence, written after the record.
    consent: dict[str, Any] = field(default_factory=dict)


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
    # Ids of the companies this context's batches created (a contact row naming a new company); the caller
    # takes them (and empties the list) to record them for undo.
    created_company_ids: list[int] = field(default_factory=list)


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


@dataclass(frozen=True)
class Spec:
    model: type
    object_type: str
    clean: Any
    # The live-unique fields: a row's value for the one that is not the key must not belong to another record.
    unique_fields: tuple[str, ...]
    name: str


@dataclass
class WavePlan:
    """What a wave will do: a result for each decided row, the rows to create, the records to update (with
    their previous values) and the tags to add."""

    results: dict[int, RowResult] = field(default_factory=dict)
    to_create: list[tuple[int, CleanedRow]] = field(default_factory=list)
    to_update: list[tuple[int, CleanedRow, Any, dict[str, Any]]] = field(default_factory=list)
    tag_rows: list[tuple[list[str], int]] = field(default_factory=list)
