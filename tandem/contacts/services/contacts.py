"""One contact at a time: create, update (only what changes, versioned), trash, restore, stage moves."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from tandem.contacts import events, normalize, properties
from tandem.contacts.models import (
    ActivityKind,
    Company,
    Contact,
    ContactTag,
    LeadStatus,
    LifecycleStage,
    StageChange,
    Tag,
)
from tandem.contacts.services import writes

# Bulk actions live in their own module; callers still find them here.
from tandem.contacts.services.contact_bulk_actions import BulkAction as BulkAction
from tandem.contacts.services.contact_bulk_actions import bulk_update_contacts as bulk_update_contacts
from tandem.contacts.services.fields import (
    clean_country,
    clean_owner,
    clean_text,
    creation_diff,
    email_columns,
    raise_if,
)
from tandem.contacts.services.timeline import record_activity
from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.events import publish
from tandem.core.models import User
from tandem.core.records import registry

# What a person may set on a contact. Team, timestamps, score and deletion are never taken from input:
# the team follows the owner, the score belongs to scoring rules.
TEXT_FIELDS = {
    "first_name": 100,
    "last_name": 100,
    "job_title": 150,
    "source": 100,
    "source_medium": 100,
    "source_campaign": 200,
    "source_referrer": 500,
    "source_landing_page": 500,
}
EDITABLE_FIELDS = [
    "email",
    *TEXT_FIELDS,
    "phone",
    "company",
    "country",
    "lifecycle_stage",
    "lead_status",
    "owner",
    "properties",
]
DUPLICATE_EMAIL = {"email": "Another contact already has this email address."}


def audited_fields() -> list[str]:
    """The columns this type's audit diffs cover: the catalogue's audited fields (Field.audited)."""
    return registry.get("contact").audited_attributes()


def clean_contact_values(
    actor: User | None, values: Mapping[str, Any], contact: Contact | None
) -> dict[str, Any]:
    """Validate the given subset of editable fields; returns model-ready values for exactly those keys."""
    errors: dict[str, str] = {}
    unknown = sorted(set(values) - set(EDITABLE_FIELDS))
    if unknown:
        errors[unknown[0]] = f"“{unknown[0]}” cannot be set on a contact."
    cleaned: dict[str, Any] = {}
    for name, max_length in TEXT_FIELDS.items():
        if name in values:
            cleaned[name] = clean_text(dict(values), name, max_length, errors)
    if "email" in values:
        try:
            cleaned["email"] = normalize.normalize_email(values["email"])
        except ValidationError as error:
            errors["email"] = error.messages[0]
    if "country" in values:
        cleaned["country"] = clean_country(values["country"], errors)
    if "phone" in values:
        country = cleaned.get("country", contact.country if contact else "")
        try:
            cleaned["phone"] = normalize.normalize_phone(values["phone"], str(country or ""))
        except ValidationError as error:
            errors["phone"] = error.messages[0]
    if "lifecycle_stage" in values:
        stage = values["lifecycle_stage"] or LifecycleStage.LEAD
        if stage not in LifecycleStage.values:
            errors["lifecycle_stage"] = f"“{str(stage)[:30]}” is not a lifecycle stage."
        cleaned["lifecycle_stage"] = stage
    if "lead_status" in values:
        status = values["lead_status"] or ""
        if status not in LeadStatus.values:
            errors["lead_status"] = f"“{str(status)[:30]}” is not a lead status."
        cleaned["lead_status"] = status
    if "company" in values:
        cleaned["company"] = _clean_company(values["company"], errors)
    if "owner" in values:
        cleaned["owner"] = clean_owner(actor, values["owner"], "contact", errors)
    if "properties" in values:
        try:
            cleaned["properties"] = properties.clean_values(
                "contact", contact.properties if contact else {}, values["properties"] or {}
            )
        except ValidationError as error:
            errors.update({key: messages[0] for key, messages in error.message_dict.items()})
    if "email" in cleaned and cleaned["email"] and "email" not in errors:
        duplicate = Contact.objects.filter(deleted_at__isnull=True).annotate(email_lower=Lower("email"))
        duplicate = duplicate.filter(email_lower=cleaned["email"].lower())
        if contact is not None:
            duplicate = duplicate.exclude(pk=contact.pk)
        if duplicate.exists():
            errors["email"] = "Another contact already has this email address."
    raise_if(errors)
    return cleaned


def _clean_company(raw: Any, errors: dict[str, str]) -> Company | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, Company):
        return raw if raw.deleted_at is None else None
    try:
        company = Company.objects.filter(pk=int(raw), deleted_at__isnull=True).first()
    except (TypeError, ValueError):
        company = None
    if company is None:
        errors["company"] = "Choose an existing company."
    return company


def _set_tags(contact: Contact, names: Iterable[str]) -> tuple[list[str], list[str]]:
    """Make the contact's tags exactly `names`; returns (added, removed)."""
    wanted = {normalize.normalize_tag(name) for name in names if normalize.normalize_tag(name)}
    current = set(contact.tags.values_list("name", flat=True))
    added, removed = sorted(wanted - current), sorted(current - wanted)
    if added:
        Tag.objects.bulk_create([Tag(name=name) for name in added], ignore_conflicts=True)
        tag_ids = Tag.objects.filter(name__in=added).values_list("id", flat=True)
        ContactTag.objects.bulk_create(
            [ContactTag(contact=contact, tag_id=tag_id) for tag_id in tag_ids], ignore_conflicts=True
        )
    if removed:
        ContactTag.objects.filter(contact=contact, tag__name__in=removed).delete()
    return added, removed


def record_stage_change(
    *, contact: Contact, from_stage: str, to_stage: str, actor, cause_type: str, cause_id: int | None
) -> StageChange:
    change = StageChange.objects.create(
        contact=contact,
        from_stage=from_stage,
        to_stage=to_stage,
        changed_at=timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        cause_type=cause_type,
        cause_id=cause_id,
    )
    record_activity(
        kind=ActivityKind.STAGE_CHANGED,
        contact=contact,
        actor=actor,
        subject_type=cause_type,
        subject_id=cause_id,
        details={"from": from_stage, "to": to_stage},
    )
    publish(
        events.CONTACT_STAGE_CHANGED,
        **events.stage_changed_payload(
            contact_id=contact.pk,
            from_stage=from_stage,
            to_stage=to_stage,
            stage_change_id=change.pk,
            cause_type=cause_type,
            cause_id=cause_id,
        ),
    )
    return change


@transaction.atomic
def create_contact(
    *,
    actor: User | None,
    values: Mapping[str, Any],
    tags: Iterable[str] = (),
    cause_type: str = "user",
    cause_id: int | None = None,
    request=None,
) -> Contact:
    """Create a contact owned by `owner` (default: the actor), recording created + first stage."""
    if actor is not None:
        access.require_allowed(actor, "contact", Verb.CREATE)
    cleaned = clean_contact_values(actor, values, None)
    cleaned.setdefault("lifecycle_stage", LifecycleStage.LEAD)
    contact = writes.new_record(Contact, cleaned, actor, **email_columns(cleaned.get("email")))
    writes.save_new(contact, DUPLICATE_EMAIL)
    added_tags, _ = _set_tags(contact, tags)
    record_activity(
        kind=ActivityKind.CREATED,
        contact=contact,
        company=contact.company,
        actor=actor,
        subject_type=cause_type,
        subject_id=cause_id,
    )
    record_stage_change(
        contact=contact,
        from_stage="",
        to_stage=contact.lifecycle_stage,
        actor=actor,
        cause_type=cause_type,
        cause_id=cause_id,
    )
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        target=contact,
        request=request,
        changes={
            **creation_diff(contact, audited_fields()),
            **({"tags": [None, ", ".join(added_tags)]} if added_tags else {}),
        },
    )
    publish(events.CONTACT_CREATED, contact_id=contact.pk)
    return contact


# First touch: where the person first came from. Written once: an update only fills an empty one.
FIRST_TOUCH_FIELDS = ["source", "source_medium", "source_campaign", "source_referrer", "source_landing_page"]


def check_first_touch(current: Contact, cleaned: Mapping[str, Any]) -> None:
    """Refuse changing a first-touch field that already has a value (filling an empty one is fine)."""
    errors = {
        name: "The first touch is kept as first recorded; it cannot be changed."
        for name in FIRST_TOUCH_FIELDS
        if name in cleaned and getattr(current, name) and cleaned[name] != getattr(current, name)
    }
    raise_if(errors)


@transaction.atomic
def update_contact(
    *,
    actor: User | None,
    contact: Contact,
    values: Mapping[str, Any],
    tags: Iterable[str] | None = None,
    cause_type: str = "user",
    cause_id: int | None = None,
    request=None,
    expected_version: str | None = None,
) -> Contact:
    """Change the given fields; records the diff on the timeline and in the audit log, and any stage move.

    Only what changes is written (services.writes): concurrent edits of other fields or other custom
    properties survive, and the team follows the owner in the same statement. With `expected_version`
    (record_version of what the client read) a contact changed meanwhile is refused with StaleRecord and
    nothing is written. First-touch fields are write-once. `contact` is refreshed to the stored row.
    """
    current = writes.lock_live(actor, contact)
    cleaned = clean_contact_values(actor, values, current)
    check_first_touch(current, cleaned)
    update = writes.propose_update(actor, current, cleaned, audited_fields())
    before, changes = update.before, update.changes
    if tags is not None:
        added, removed = _set_tags(current, tags)
        if added or removed:
            changes["tags"] = [", ".join(removed) or None, ", ".join(added) or None]
    if not changes:
        contact.refresh_from_db()
        return contact
    writes.check_version(current, expected_version)
    assignments = writes.update_assignments(update, write_once=FIRST_TOUCH_FIELDS)
    if "email" in assignments:
        assignments.update(email_columns(update.proposed.email))
    writes.save_update(
        current, assignments, expected_version=expected_version, duplicate_error=DUPLICATE_EMAIL
    )
    contact.refresh_from_db()
    if before["lifecycle_stage"] != contact.lifecycle_stage:
        record_stage_change(
            contact=contact,
            from_stage=before["lifecycle_stage"],
            to_stage=contact.lifecycle_stage,
            actor=actor,
            cause_type=cause_type,
            cause_id=cause_id,
        )
    writes.record_update(
        actor=actor,
        record=contact,
        changes=changes,
        # A stage move has its own entry (above).
        timeline_changes={name: pair for name, pair in changes.items() if name != "lifecycle_stage"},
        event=events.CONTACT_UPDATED,
        request=request,
        subject_type=cause_type,
        subject_id=cause_id,
    )
    return contact


@transaction.atomic
def delete_contact(*, actor: User | None, contact: Contact, request=None) -> Contact:
    """Move to the trash: hidden everywhere, restorable for TANDEM_TRASH_DAYS, then purged."""
    return writes.trash(actor=actor, record=contact, event=events.CONTACT_DELETED, request=request)


@transaction.atomic
def restore_contact(*, actor: User | None, contact: Contact, request=None) -> Contact:
    """Bring a contact back from the trash, unless a live contact has taken its email meanwhile."""

    def conflict() -> str:
        if (
            contact.email
            and Contact.objects.filter(deleted_at__isnull=True, email__iexact=contact.email).exists()
        ):
            return f"Another contact now uses {contact.email}. Merge or change that contact before restoring this one."
        return ""

    return writes.restore(
        actor=actor, record=contact, conflict=conflict, event=events.CONTACT_RESTORED, request=request
    )
