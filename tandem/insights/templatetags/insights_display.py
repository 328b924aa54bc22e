from django import template

from tandem.insights.selectors import stage_short_label

register = template.Library()


@register.filter
def stage_label(stage: str) -> str:
    """A lifecycle stage's label short enough for a badge ("MQL" rather than "Marketing qualified lead")."""
    return stage_short_label(stage)
