from django import template

from tandem.contacts.models import LifecycleStage
from tandem.insights.selectors import stage_short_label

register = template.Library()

_FULL_LABELS = dict(LifecycleStage.choices)


@register.filter
def stage_label(stage: str) -> str:
    """A lifecycle stage as every page spells it: the full label ("Marketing qualified lead")."""
    return _FULL_LABELS.get(stage, stage)


@register.filter
def stage_abbreviation(stage: str) -> str:
    """The stage's short form ("MQL") for a tooltip, or "" when it has none."""
    short = stage_short_label(stage)
    return "" if short == _FULL_LABELS.get(stage, stage) else short
