from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tandem.contacts.models import Activity, ActivityKind, Company, Contact
from tandem.core import access, timeline
from tandem.core.access import Verb
from tandem.core.events import publish

NOTE_MAX_LENGTH = 10_000


def record_activity(
    *,
    kind: str,
    contact: Contact | None = None,
    company: Company | None = None,
    actor=None,
    occurred_at=None,
    subject_type: str = "",
    subject_id: int | None = None,
    campaign_id: int | None = None,
    body: str = "",
    details: dict[str, Any] | None = None,
) -> Activity:
    """Append one touch to the timeline. The only way rows enter the Activity table one at a time. `kind`
    must be registered (tandem/core/timeline.py) by the app that owns it."""
    timeline.require_kind(kind)
    return Activity.objects.create(
        contact=contact,
        company=company,
        kind=kind,
        occurred_at=occurred_at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        subject_type=subject_type,
        subject_id=subject_id,
        campaign_id=campaign_id,
        body=body,
        details=details or {},
    )


def record_activities(
    *,
    kind: str,
    object_type: str,
    record_ids: list[int],
    actor,
    occurred_at,
    subject_type: str,
    details: dict[str, Any],
    details_by_id: dict[int, dict[str, Any]] | None = None,
) -> None:
    """One touch on each of many records' timelines (a bulk action), in batched INSERTs. `object_type` is
    the Activity foreign key ("contact" or "company"); `details_by_id` gives a record its own details."""
    timeline.require_kind(kind)
    details_by_id = details_by_id or {}
    Activity.objects.bulk_create(
        [
            Activity(
                **{f"{object_type}_id": pk},
                kind=kind,
                occurred_at=occurred_at,
                actor=actor,
                subject_type=subject_type,
                details=details_by_id.get(pk, details),
            )
            for pk in record_ids
        ],
        batch_size=1000,
    )


@transaction.atomic
def add_note(*, actor, body: str, contact: Contact | None = None, company: Company | None = None) -> Activity:
    """A note on a contact's or company's timeline, by someone who may change that record."""
    record = contact or company
    if record is None:
        raise ValidationError({"body": "A note belongs to a contact or a company."})
    if actor is not None:
        access.require(actor, Verb.CHANGE, record)
    text = (body or "").strip()
    if not text:
        raise ValidationError({"body": "Write something before adding the note."})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError({"body": f"A note can be at most {NOTE_MAX_LENGTH:,} characters."})
    activity = record_activity(
        kind=ActivityKind.NOTE,
        contact=contact,
        company=company if company is not None else (contact.company if contact else None),
        actor=actor,
        body=text,
    )
    publish("contacts.note.added", activity_id=activity.pk)
    return activity
