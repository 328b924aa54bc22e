"""How the spine's values read in templates, the same as in lists and timelines ("MQL", not two names)."""

from django import template

from tandem.contacts.records.display import stage_label as _stage_label

register = template.Library()


@register.filter
def stage_label(stage: str) -> str:
    return _stage_label(stage)
