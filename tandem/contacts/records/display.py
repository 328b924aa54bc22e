"""How the spine's own values read on every screen (one place, so a stage reads the same everywhere)."""

import functools

from django.conf import settings

from tandem.contacts.models import LifecycleStage
from tandem.core import display

# Short names where the full stage label is too long for a badge ("Marketing qualified lead").
STAGE_SHORT_LABELS = {LifecycleStage.MQL: "MQL", LifecycleStage.SQL: "SQL"}


def stage_label(stage: str | None) -> str:
    if not stage:
        return "—"
    return STAGE_SHORT_LABELS.get(stage) or dict(LifecycleStage.choices).get(stage, stage)


def phone_label(stored: str) -> str:
    """A stored E.164 number as people write it, as on every other page (core.display.formatted_phone):
    "(415) 555-0132" in the default region, "+49 30 123456" otherwise; links keep the E.164 form."""
    if not stored:
        return ""
    return _formatted_phone(stored, settings.TANDEM_DEFAULT_PHONE_REGION)


@functools.lru_cache(maxsize=4096)
def _formatted_phone(stored: str, region: str) -> str:
    # Called once per list row: parsing a number costs more than the rest of its cell, and a list page
    # repeats few distinct numbers. The region is part of the key so a changed setting is never stale.
    return display.formatted_phone(stored)
