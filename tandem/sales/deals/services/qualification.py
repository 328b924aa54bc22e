"""The qualification checklist of a deal or a contact: six criteria, each a status and a short note, and
free-form needs. Two people may edit one checklist at once: each save carries what its editor saw, and only
the fields that editor changed are written, so neither loses the other's text; when both changed the same
field differently, the later save is refused for that field with the other's words, and keeps its own."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.sales.deals.models import Qualification, QualificationStatus

NEEDS_MAX_LENGTH = 5000


def fields() -> list[str]:
    """The checklist's editable columns, in the panel's order."""
    names = []
    for key, _, _ in Qualification.CRITERIA:
        names += [f"{key}_status", f"{key}_note"]
    return [*names, "needs"]


def _clean(name: str, value: Any) -> tuple[str, str]:
    """The value to store, or "" and the sentence refusing it."""
    text = str(value if value is not None else "").replace("\r\n", "\n").strip()
    if name.endswith("_status"):
        if text not in QualificationStatus.values:
            return "", "Choose unknown, partly or confirmed."
        return text, ""
    limit = NEEDS_MAX_LENGTH if name == "needs" else Qualification.NOTE_MAX_LENGTH
    if "\x00" in text:
        return "", "This text contains a character that cannot be stored."
    if len(text) > limit:
        return "", f"At most {limit:,} characters (this is {len(text):,})."
    return text, ""


def qualification_of(*, deal=None, contact=None) -> Qualification:
    """The stored checklist, or an unsaved empty one (every criterion unknown)."""
    lookup = {"deal": deal} if deal is not None else {"contact": contact}
    return Qualification.objects.filter(**lookup).first() or Qualification(**lookup)


@transaction.atomic
def save_qualification(
    *, actor, deal=None, contact=None, values: dict[str, Any], seen: dict[str, Any], request=None
) -> Qualification:
    """Write the fields `actor` changed: those whose value in `values` differs from what they saw (`seen`,
    the form's hidden copy of the values it was drawn with). Refused with PermissionDenied when the actor
    may not change the deal or contact, with ValidationError by field for a bad value or for a field someone
    else changed meanwhile to something else (nothing is written then)."""
    if (deal is None) == (contact is None):
        raise ValueError("A qualification belongs to a deal or to a contact.")
    record = deal if deal is not None else contact
    access.require(actor, Verb.CHANGE, record)
    if getattr(record, "deleted_at", None) is not None:
        raise ValidationError("This record is in the trash. Restore it before changing it.")
    lookup = {"deal": deal} if deal is not None else {"contact": contact}
    try:
        with transaction.atomic():
            current, _ = Qualification.objects.select_for_update().get_or_create(**lookup)
    except IntegrityError:
        # Two first saves at once: the other created the row; lock it.
        current = Qualification.objects.select_for_update().get(**lookup)
    errors: dict[str, str] = {}
    changes: dict[str, list[str]] = {}
    for name in fields():
        if name not in values:
            continue
        new, error = _clean(name, values[name])
        if error:
            errors[name] = error
            continue
        before, _ = _clean(name, seen.get(name, getattr(current, name)))
        stored = getattr(current, name)
        if new in (before, stored):
            continue  # not changed by this editor, or already what they want
        if stored != before:
            errors[name] = (
                f"Someone else changed this to “{stored[:80]}” meanwhile; your text is kept, save again."
            )
            continue
        changes[name] = [stored, new]
    if errors:
        raise ValidationError(errors)
    if not changes:
        return current
    for name, (_, new) in changes.items():
        setattr(current, name, new)
    current.updated_at = timezone.now()
    current.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    current.save()
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=current,
        changes=changes,
        event="qualification",
        request=request,
        extra={"deal_id": current.deal_id, "contact_id": current.contact_id},
    )
    return current
