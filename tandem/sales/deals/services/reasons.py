"""The admin's list of loss reasons (Settings → Loss reasons)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.sales.deals.models import LossReason

DEFAULT_LOSS_REASONS = ["Price", "Timing", "No decision", "Competitor", "Missing feature", "Other"]


@transaction.atomic
def save_loss_reasons(*, actor, labels: list[str], request=None) -> list[LossReason]:
    """Make the active reasons exactly `labels`, in that order. A reason left out is retired (kept for the
    deals that name it, no longer offered), one named again comes back. Admins only."""
    access.require_allowed(actor, "loss_reason", Verb.CHANGE)
    cleaned = []
    for label in labels:
        label = " ".join(str(label or "").split())
        if not label:
            continue
        if len(label) > 100:
            raise ValidationError({"labels": f"“{label[:40]}…” is longer than 100 characters."})
        if label.casefold() in (item.casefold() for item in cleaned):
            raise ValidationError({"labels": f"“{label}” is listed twice."})
        cleaned.append(label)
    if not cleaned:
        raise ValidationError({"labels": "Keep at least one reason, so a lost deal can say why."})
    existing = {reason.label.casefold(): reason for reason in LossReason.objects.select_for_update()}
    kept = []
    for order, label in enumerate(cleaned):
        reason = existing.pop(label.casefold(), None) or LossReason(label=label)
        reason.label, reason.order, reason.active = label, order, True
        reason.save()
        kept.append(reason)
    LossReason.objects.filter(pk__in=[reason.pk for reason in existing.values()]).update(active=False)
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=kept[0],
        changes={"loss_reasons": [None, ", ".join(cleaned)]},
        request=request,
        event="loss_reasons",
    )
    return kept
