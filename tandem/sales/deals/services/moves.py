"""Moving a deal between stages, winning and losing it, and what follows: the stage history, the timeline
entries on its company and contacts, the event, and the contacts' lifecycle moving forward."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tandem.contacts.models import Contact, LifecycleStage
from tandem.contacts.services import advance_company_lifecycle, update_contact
from tandem.contacts.services.timeline import record_activity
from tandem.contacts.services.writes import check_version, next_updated_at
from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.events import publish
from tandem.sales.deals import events
from tandem.sales.deals.models import Deal, DealContact, DealStageChange, LossReason, Stage, StageKind
from tandem.sales.playbooks.models import Objection

# The lifecycle a deal pushes its contacts along; a contact already further (or "other") is never moved back.
LIFECYCLE_RANK = [
    LifecycleStage.SUBSCRIBER,
    LifecycleStage.LEAD,
    LifecycleStage.MQL,
    LifecycleStage.SQL,
    LifecycleStage.OPPORTUNITY,
    LifecycleStage.CUSTOMER,
    LifecycleStage.EVANGELIST,
]
KIND_FOR_STATUS = {StageKind.OPEN: "deal_moved", StageKind.WON: "deal_won", StageKind.LOST: "deal_lost"}


def missing_fields(deal: Deal, stage: Stage) -> list[str]:
    """The labels of the fields `stage` requires that `deal` has no value for, in the stage's order."""
    missing = []
    for name in stage.required_fields or []:
        label = Stage.REQUIRABLE.get(name)
        if label is None:
            continue
        value = getattr(deal, f"{name}_id" if name == "company" else name)
        if value in (None, ""):
            missing.append(label)
    return missing


def check_required(deal: Deal, stage: Stage) -> None:
    missing = missing_fields(deal, stage)
    if missing:
        raise ValidationError(
            {"stage": f"Fill in the {' and '.join(missing)} before moving the deal to {stage.name}."}
        )


def advance_lifecycle(*, deal: Deal, contact_ids: list[int], target: str) -> list[int]:
    """Move the given contacts forward to `target` (opportunity, customer), never backwards; returns the ids
    moved. It goes through the contacts service, so the stage history, timeline and event are the spine's.
    The actor is the system (None): a rep who may move the deal may not be allowed to edit the contact,
    and the move is the deal's consequence, recorded with the deal as its cause."""
    rank = LIFECYCLE_RANK.index(target)
    moved = []
    behind = [stage.value for stage in LIFECYCLE_RANK[:rank]]
    for contact in Contact.objects.filter(
        pk__in=contact_ids, deleted_at__isnull=True, lifecycle_stage__in=behind
    ):
        update_contact(
            actor=None,
            contact=contact,
            values={"lifecycle_stage": target},
            cause_type="deal",
            cause_id=deal.pk,
        )
        moved.append(contact.pk)
    return moved


def deal_contact_ids(deal: Deal) -> tuple[list[int], int | None]:
    """(every contact of the deal, the primary one or None)."""
    rows = list(DealContact.objects.filter(deal=deal).values_list("contact_id", "is_primary"))
    return [pk for pk, _ in rows], next((pk for pk, primary in rows if primary), None)


def record_deal_activity(*, deal: Deal, kind: str, actor, details: dict[str, Any]) -> None:
    """One timeline entry for the deal: a row of its own (no contact, no company: the deal's page shows it
    whatever the deal's links, even with none), and a copy on its company and on each of its live contacts
    for their timelines (Activity rows with the deal as subject: the spine's timeline knows nothing of deals
    beyond the registered kind)."""
    contact_ids, _ = deal_contact_ids(deal)
    details = {"deal": deal.name, **details}
    # One moment for every copy: the deal's own timeline shows the event once (`timeline.deal_timeline`).
    now = timezone.now()
    record_activity(
        kind=kind, actor=actor, occurred_at=now, subject_type="deal", subject_id=deal.pk, details=details
    )
    if deal.company_id:
        record_activity(
            kind=kind,
            company=deal.company,
            actor=actor,
            occurred_at=now,
            subject_type="deal",
            subject_id=deal.pk,
            details=details,
        )
    for contact in Contact.objects.filter(pk__in=contact_ids, deleted_at__isnull=True).order_by("id"):
        record_activity(
            kind=kind,
            contact=contact,
            actor=actor,
            occurred_at=now,
            subject_type="deal",
            subject_id=deal.pk,
            details=details,
        )


def apply_move(
    *,
    actor,
    current: Deal,
    stage: Stage,
    request=None,
    extra: dict[str, Any] | None = None,
    objections: list[Objection] | None = None,
) -> Deal:
    """Move the locked row `current` into `stage` (checks done by the caller) with everything that follows.
    `extra` are closing columns written in the same UPDATE (loss reason, competitor, note)."""
    now = timezone.now()
    from_stage = current.stage
    closing = stage.kind != StageKind.OPEN
    assignments: dict[str, Any] = {
        "stage": stage,
        "status": stage.kind,
        "stage_entered_at": now,
        "closed_at": now if closing else None,
        **(extra or {}),
    }
    if not closing:
        # Reopening a deal clears how it was closed.
        assignments.update(won_reason="", loss_reason=None, close_note="")
    Deal.objects.filter(pk=current.pk).update(**assignments, updated_at=next_updated_at(current.updated_at))
    current.refresh_from_db()
    # The objections met belong to a loss: set with it, cleared when the deal is won or reopened.
    met_before = sorted(current.objections_met.values_list("text", flat=True))
    current.objections_met.set(objections if stage.kind == StageKind.LOST and objections else [])
    met_after = (
        sorted(objection.text for objection in objections or []) if stage.kind == StageKind.LOST else []
    )
    change = DealStageChange.objects.create(
        deal=current,
        from_stage=from_stage,
        to_stage=stage,
        changed_at=now,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_deal_activity(
        deal=current,
        kind=KIND_FOR_STATUS[stage.kind],
        actor=actor,
        details={"from": from_stage.name, "to": stage.name},
    )
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=current,
        changes={
            "stage": [from_stage.name, stage.name],
            **{k: [None, str(v)] for k, v in (extra or {}).items() if v},
            **(
                {"objections_met": [", ".join(met_before), ", ".join(met_after)]}
                if met_before != met_after
                else {}
            ),
        },
        request=request,
        event="stage_moved",
    )
    publish(
        events.DEAL_STAGE_CHANGED,
        deal_id=current.pk,
        from_stage_id=from_stage.pk,
        to_stage_id=stage.pk,
        stage_change_id=change.pk,
        status=stage.kind,
    )
    contact_ids, primary_id = deal_contact_ids(current)
    if stage.kind == StageKind.WON:
        advance_lifecycle(deal=current, contact_ids=contact_ids, target=LifecycleStage.CUSTOMER)
        if current.company_id:
            advance_company_lifecycle(
                company_id=current.company_id,
                target=LifecycleStage.CUSTOMER,
                cause_type="deal",
                cause_id=current.pk,
            )
    elif stage.kind == StageKind.OPEN and primary_id is not None:
        advance_lifecycle(deal=current, contact_ids=[primary_id], target=LifecycleStage.OPPORTUNITY)
    return current


def lock_deal(actor, deal: Deal) -> Deal:
    """The deal's row locked until commit, refused when the actor may not change it or it is in the trash."""
    access.require(actor, Verb.CHANGE, deal)
    # The row alone, no join: PostgreSQL re-checks a locked join after the wait against the other mover's
    # new stage id and would drop the row ("no longer exists") instead of handing it over.
    current = Deal.objects.select_for_update().filter(pk=deal.pk).first()
    if current is None:
        raise ValidationError("This deal no longer exists.")
    access.require(actor, Verb.CHANGE, current)
    if current.deleted_at is not None:
        raise ValidationError("This deal is in the trash. Restore it before changing it.")
    return current


def _stage(raw: Any, pipeline_id: int) -> Stage:
    if isinstance(raw, Stage):
        stage = raw
    else:
        try:
            stage = Stage.objects.filter(pk=int(raw), archived_at__isnull=True).first()
        except (TypeError, ValueError):
            stage = None
    if stage is None:
        raise ValidationError({"stage": "Choose one of the pipeline's stages."})
    if stage.pipeline_id != pipeline_id:
        raise ValidationError({"stage": "That stage belongs to another pipeline; choose one of this deal's."})
    return stage


@transaction.atomic
def move_deal(*, actor, deal: Deal, stage: Any, expected_version: str | None = None, request=None) -> Deal:
    """Move `deal` into `stage` (a Stage or its id) of its pipeline. Refused with a sentence when the stage
    requires fields the deal lacks, when the stage is a closing one needing a reason (use close_deal for
    lost), or with StaleRecord when `expected_version` is given and the deal changed since. Two people moving
    one deal at once: the row lock orders them, the last move wins and both are in the history. Moving into
    the stage it is in changes nothing. `deal` is refreshed to the stored row."""
    current = lock_deal(actor, deal)
    check_version(current, expected_version)
    target = _stage(stage, current.pipeline_id)
    if target.pk == current.stage_id:
        deal.refresh_from_db()
        return deal
    if target.kind == StageKind.LOST:
        raise ValidationError({"stage": "Mark the deal lost with a reason instead (“Mark lost”)."})
    check_required(current, target)
    apply_move(actor=actor, current=current, stage=target, request=request)
    deal.refresh_from_db()
    return deal


@transaction.atomic
def close_deal(
    *,
    actor,
    deal: Deal,
    outcome: str,
    reason: Any = None,
    competitor: str = "",
    note: str = "",
    objections: Any = None,
    expected_version: str | None = None,
    request=None,
) -> Deal:
    """Mark `deal` won or lost (`outcome`): it moves to its pipeline's won or lost stage. Lost needs a reason
    from the admin's list (a LossReason or its id) and may name the objections the deal met (Objections or
    their ids, from the playbook's library: the objection page counts the lost deals that met each); won
    takes an optional free-text reason. Won deals make the deal's contacts and its company customers."""
    current = lock_deal(actor, deal)
    check_version(current, expected_version)
    if outcome not in (StageKind.WON, StageKind.LOST):
        raise ValidationError({"outcome": "Choose won or lost."})
    target = (
        current.pipeline.stages.filter(kind=outcome, archived_at__isnull=True).order_by("order", "id").first()
    )
    if target is None:
        raise ValidationError({"outcome": f"The pipeline {current.pipeline.name} has no {outcome} stage."})
    competitor = str(competitor or "").strip()
    note = str(note or "").strip()
    errors = {}
    if len(competitor) > Deal._meta.get_field("competitor").max_length:
        errors["competitor"] = "At most 100 characters."
    if len(note) > 5000:
        errors["note"] = "At most 5,000 characters."
    extra: dict[str, Any] = {"competitor": competitor, "close_note": note}
    if outcome == StageKind.LOST:
        loss_reason = reason if isinstance(reason, LossReason) else None
        if loss_reason is None and reason not in (None, ""):
            try:
                loss_reason = LossReason.objects.filter(pk=int(reason), active=True).first()
            except (TypeError, ValueError):
                loss_reason = None
        if loss_reason is None:
            errors["reason"] = "Choose why the deal was lost."
        extra.update(loss_reason=loss_reason, won_reason="")
        met = objections_from(objections)
        if isinstance(met, str):
            errors["objections"] = met
    else:
        won_reason = str(reason or "").strip()
        if len(won_reason) > 200:
            errors["reason"] = "At most 200 characters."
        extra.update(won_reason=won_reason, loss_reason=None)
    if errors:
        raise ValidationError(errors)
    if target.pk == current.stage_id:
        raise ValidationError({"outcome": f"This deal is already {outcome}."})
    check_required(current, target)
    apply_move(
        actor=actor,
        current=current,
        stage=target,
        request=request,
        extra=extra,
        objections=met if outcome == StageKind.LOST else None,
    )
    deal.refresh_from_db()
    return deal


MAX_OBJECTIONS_MET = 20


def objections_from(raw: Any) -> list[Objection] | str:
    """The objections named by `raw` (Objections or ids, repeated ones once), or the sentence refusing them."""
    items = list(raw or [])
    if len(items) > MAX_OBJECTIONS_MET:
        return f"Choose at most {MAX_OBJECTIONS_MET} objections."
    ids = set()
    for item in items:
        if isinstance(item, Objection):
            ids.add(item.pk)
            continue
        try:
            ids.add(int(item))
        except (TypeError, ValueError):
            return "Choose objections from the playbook's list."
    found = list(Objection.objects.filter(pk__in=ids).order_by("text", "id"))
    if len(found) != len(ids):
        return "One of the objections no longer exists; choose again."
    return found
