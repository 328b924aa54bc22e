"""Stages on the read-side pages as on every record page (contacts.records.display: "MQL" in a badge), with
the full label ("Marketing qualified lead") as the tooltip wherever the short form shows."""

from django import template

from tandem.contacts.models import LifecycleStage
from tandem.contacts.records.display import stage_label as short_stage_label

register = template.Library()

_FULL_LABELS = dict(LifecycleStage.choices)


@register.filter
def stage_label(stage: str) -> str:
    """The stage as badges and lists spell it ("MQL", "Lead")."""
    return short_stage_label(stage)


@register.filter
def stage_full_label(stage: str) -> str:
    """The full label for a tooltip, or "" when the badge already shows it."""
    full = _FULL_LABELS.get(stage, stage)
    return "" if full == short_stage_label(stage) else full
