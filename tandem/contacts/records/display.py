"""How the spine's own values read on every screen (one place, so a stage reads the same everywhere)."""

from tandem.contacts.models import LifecycleStage

# Short names where the full stage label is too long for a badge ("Marketing qualified lead").
STAGE_SHORT_LABELS = {LifecycleStage.MQL: "MQL", LifecycleStage.SQL: "SQL"}


def stage_label(stage: str | None) -> str:
    if not stage:
        return "—"
    return STAGE_SHORT_LABELS.get(stage) or dict(LifecycleStage.choices).get(stage, stage)
