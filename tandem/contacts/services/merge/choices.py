"""Which value the survivor of a merge keeps, field by field: the fields offered, the defaults (the value
that is there, the further lifecycle stage), checking a person's choices and applying them."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from tandem.contacts.models import Company, Contact, LifecycleStage
from tandem.contacts.services.fields import check_reassignment, clean_owner, raise_if, snapshot
from tandem.core import audit

SURVIVOR, OTHER = "survivor", "other"
# The fields a person chooses between, in the order the merge page shows them.
CONTACT_MERGE_FIELDS = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "job_title",
    "company",
    "country",
    "lifecycle_stage",
    "lead_status",
    "owner",
    "external_id",
    "source",
    "source_medium",
    "source_campaign",
    "source_referrer",
    "source_landing_page",
]
COMPANY_MERGE_FIELDS = ["name", "domain", "industry", "size", "country", "phone", "owner", "external_id"]


def merge_fields(object_type: str) -> list[str]:
    return CONTACT_MERGE_FIELDS if object_type == "contact" else COMPANY_MERGE_FIELDS


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def field_value(record: Contact | Company, name: str) -> Any:
    """A field's stored value (ids for foreign keys), or a custom property's value for "properties.<key>"."""
    if name.startswith("properties."):
        return (record.properties or {}).get(name.removeprefix("properties."))
    return getattr(record, record._meta.get_field(name).attname)


def _stage_rank(stage: str) -> int:
    # "Other" is off the funnel: any real stage is further along.
    return -1 if stage == LifecycleStage.OTHER else LifecycleStage.values.index(stage)


def choice_keys(object_type: str, survivor, other) -> list[str]:
    """Every choice the merge page offers: the fields, then each custom property either record has."""
    keys = sorted({*(survivor.properties or {}), *(other.properties or {})})
    return [*merge_fields(object_type), *(f"properties.{key}" for key in keys)]


def default_choices(object_type: str, survivor, other) -> dict[str, str]:
    """The survivor's value, or the other's where the survivor has none; the further lifecycle stage."""
    choices = {}
    for name in choice_keys(object_type, survivor, other):
        mine, theirs = field_value(survivor, name), field_value(other, name)
        take_other = _is_empty(mine) and not _is_empty(theirs)
        if name == "lifecycle_stage":
            take_other = _stage_rank(theirs) > _stage_rank(mine)
        choices[name] = OTHER if take_other else SURVIVOR
    return choices


def clean_choices(object_type: str, survivor, other, choices: Mapping[str, str]) -> dict[str, str]:
    """Every choice, the person's where given and valid, the default elsewhere; an unknown key or side is refused."""
    keys = choice_keys(object_type, survivor, other)
    unknown = sorted(set(choices) - set(keys))
    if unknown:
        raise ValidationError({unknown[0]: f"“{unknown[0][:60]}” cannot be chosen in a merge."})
    bad = sorted(name for name, side in choices.items() if side not in (SURVIVOR, OTHER))
    if bad:
        raise ValidationError({bad[0]: "Choose the value of one of the two records."})
    return {**default_choices(object_type, survivor, other), **choices}


def apply_choices(actor, object_type: str, survivor, other, choices: dict[str, str]) -> list[str]:
    """Set the chosen values on the survivor (not saved); returns the columns to save."""
    columns = []
    for name in merge_fields(object_type):
        if choices[name] != OTHER:
            continue
        attname = survivor._meta.get_field(name).attname
        value = getattr(other, attname)
        if name == "owner" and value != survivor.owner_id and actor is not None:
            errors: dict[str, str] = {}
            clean_owner(actor, other.owner, object_type, errors)
            raise_if(errors)
            check_reassignment(actor, survivor, other.owner)
        setattr(survivor, attname, value)
        columns.append(attname)
    if "owner_id" in columns:
        survivor.team_id = survivor.owner.team_id if survivor.owner_id else None
        columns.append("team_id")
    merged_properties = {}
    for key in sorted({*(survivor.properties or {}), *(other.properties or {})}):
        source = other if choices[f"properties.{key}"] == OTHER else survivor
        value = (source.properties or {}).get(key)
        if value is not None:
            merged_properties[key] = value
    if merged_properties != survivor.properties:
        survivor.properties = merged_properties
        columns.append("properties")
    return columns


def merge_changes(before: dict, before_properties: dict, record, audited: list[str]) -> dict[str, list[Any]]:
    """What a merge (or its undo) changed on the survivor, custom properties as "properties.<key>"."""
    changes = audit.diff(before, snapshot(record, audited))
    changes.update(
        audit.diff(
            {f"properties.{key}": value for key, value in before_properties.items()},
            {
                f"properties.{key}": record.properties.get(key)
                for key in {*before_properties, *record.properties}
            },
        )
    )
    return changes
