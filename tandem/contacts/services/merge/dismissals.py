"""Telling the duplicates page that two records are not the same."""

from django.core.exceptions import ValidationError

from tandem.contacts.models import DismissedDuplicate, MergeRecord
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.models import User


def dismiss_duplicate(*, actor: User | None, object_type: str, first, second) -> DismissedDuplicate:
    """Remember that two records are not the same, so the duplicates page stops suggesting the pair.
    Anyone who may see both and may change records of the type may say so; idempotent."""
    if first.pk == second.pk or object_type not in MergeRecord.ObjectType.values:
        raise ValidationError("Choose two different records.")
    if actor is not None:
        access.require(actor, Verb.VIEW, first)
        access.require(actor, Verb.VIEW, second)
        access.require_allowed(actor, object_type, Verb.CHANGE)
    low, high = sorted([first.pk, second.pk])
    dismissal, _ = DismissedDuplicate.objects.get_or_create(
        object_type=object_type,
        first_id=low,
        second_id=high,
        defaults={"dismissed_by": actor if getattr(actor, "is_authenticated", False) else None},
    )
    return dismissal
