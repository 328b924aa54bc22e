"""How the spine's own values read on every screen (one place, so a stage reads the same everywhere)."""

import functools

import phonenumbers

from tandem.contacts.models import LifecycleStage

# Short names where the full stage label is too long for a badge ("Marketing qualified lead").
STAGE_SHORT_LABELS = {LifecycleStage.MQL: "MQL", LifecycleStage.SQL: "SQL"}


def stage_label(stage: str | None) -> str:
    if not stage:
        return "—"
    return STAGE_SHORT_LABELS.get(stage) or dict(LifecycleStage.choices).get(stage, stage)


@functools.lru_cache(maxsize=4096)
def phone_label(stored: str) -> str:
    """A stored E.164 number as people write it (+49 30 123456); links keep the E.164 form."""
    if not stored:
        return ""
    try:
        number = phonenumbers.parse(stored, None)
    except phonenumbers.NumberParseException:
        return stored
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
