"""Settings → Pipelines: create, rename, reorder, archive pipelines and edit their stages (name, win
probability, rotting days, required fields, kind), admins only. The rules a pipeline keeps, each refused
with a sentence: it has at least one open, one won and one lost stage (closing a deal needs them); stage
names are unique in it; a stage holding deals keeps its kind (the deals' status is that kind) and is only
removed when its deals move to another stage of the same kind in the same transaction. A removed stage
that deals ever passed through is archived, not deleted: their history still names it."""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.sales.deals.models import Deal, DealStageChange, Pipeline, Stage, StageKind

NAME_MAX_LENGTH = 100
MAX_STAGES = 30
MAX_ROTTING_DAYS = 3650


@dataclass
class StageInput:
    """One row of the stages form, as typed."""

    id: Any = None  # an existing stage of the pipeline, or None for a new one
    name: str = ""
    probability: Any = 0
    rotting_days: Any = None
    required_fields: list[str] = field(default_factory=list)
    kind: str = StageKind.OPEN
    remove: bool = False
    move_to: Any = None  # where the deals of a removed stage go: another kept stage's id


def _require(actor) -> None:
    access.require_allowed(actor, "pipeline", Verb.CHANGE)


def _int(raw: Any) -> int | None:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        return None


def _clean_name(raw: Any, what: str) -> tuple[str, str]:
    text = " ".join(str(raw or "").split())
    if not text:
        return "", f"Give the {what} a name."
    if len(text) > NAME_MAX_LENGTH:
        return "", f"A {what} name can be at most {NAME_MAX_LENGTH} characters."
    if "\x00" in text:
        return "", "The name contains a character that cannot be stored."
    return text, ""


def _summary(stages) -> str:
    return " · ".join(f"{stage.name} ({stage.kind}, {stage.probability} %)" for stage in stages)


@transaction.atomic
def save_pipeline(
    *, actor, pipeline: Pipeline | None, name: str, stages: list[StageInput], request=None
) -> Pipeline:
    """Create a pipeline (`pipeline` None) or rename it and replace its stages with `stages`, in their order.
    Refused as a whole (ValidationError keyed "name", "stages" or "stage.<row>.<field>", nothing written)
    when a rule is broken; the deals of removed stages move in the same transaction."""
    _require(actor)
    errors: dict[str, str] = {}
    if pipeline is not None:
        pipeline = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    clean_name, error = _clean_name(name, "pipeline")
    if error:
        errors["name"] = error
    elif Pipeline.objects.filter(name__iexact=clean_name).exclude(pk=getattr(pipeline, "pk", None)).exists():
        errors["name"] = f"Another pipeline is already called “{clean_name}”."
    existing = (
        {
            stage.pk: stage
            for stage in Stage.objects.select_for_update().filter(pipeline=pipeline, archived_at__isnull=True)
        }
        if pipeline is not None
        else {}
    )
    holding = (
        dict(
            Deal.objects.filter(stage_id__in=existing)
            .order_by()
            .values_list("stage_id")
            .annotate(total=Count("id"))
        )
        if existing
        else {}
    )
    rows: list[tuple[int, StageInput, dict[str, Any]]] = []
    seen_ids: set[int] = set()
    for index, row in enumerate(stages):
        stage_id = _int(row.id) if row.id not in (None, "") else None
        if stage_id is None and not str(row.name or "").strip() and not row.remove:
            continue  # a spare empty row of the form
        prefix = f"stage.{index}"
        if stage_id is not None and (stage_id not in existing or stage_id in seen_ids):
            errors["stages"] = "The stages changed since you opened this page; reload it and try again."
            continue
        if stage_id is not None:
            seen_ids.add(stage_id)
        values: dict[str, Any] = {"id": stage_id}
        if row.remove:
            if stage_id is None:
                continue  # a new row ticked for removal: nothing to do
            rows.append((index, row, values))
            continue
        values["name"], error = _clean_name(row.name, "stage")
        if error:
            errors[f"{prefix}.name"] = error
        probability = _int(row.probability if row.probability not in (None, "") else 0)
        if probability is None or not 0 <= probability <= 100:
            errors[f"{prefix}.probability"] = "A whole number from 0 to 100."
        values["probability"] = probability
        rotting = None
        if row.rotting_days not in (None, ""):
            rotting = _int(row.rotting_days)
            if rotting is None or not 1 <= rotting <= MAX_ROTTING_DAYS:
                errors[f"{prefix}.rotting_days"] = (
                    f"Leave empty, or a whole number of days from 1 to {MAX_ROTTING_DAYS:,}."
                )
        values["rotting_days"] = rotting
        required = [name for name in dict.fromkeys(row.required_fields or [])]
        unknown = [name for name in required if name not in Stage.REQUIRABLE]
        if unknown:
            errors[f"{prefix}.required_fields"] = "Choose required fields from the list."
        values["required_fields"] = [name for name in Stage.REQUIRABLE if name in required]
        if row.kind not in StageKind.values:
            errors[f"{prefix}.kind"] = "Choose open, won or lost."
        values["kind"] = row.kind
        if stage_id is not None and row.kind != existing[stage_id].kind and holding.get(stage_id):
            errors[f"{prefix}.kind"] = (
                f"{existing[stage_id].name} holds {holding[stage_id]} deal{'s' if holding[stage_id] != 1 else ''}: "
                "its kind cannot change (their status is that kind). Add a new stage instead."
            )
        rows.append((index, row, values))
    if len(seen_ids) != len(existing) and "stages" not in errors:
        errors["stages"] = "The stages changed since you opened this page; reload it and try again."
    kept = [values for _, row, values in rows if not row.remove]
    if len(kept) > MAX_STAGES:
        errors["stages"] = f"A pipeline can have at most {MAX_STAGES} stages."
    names = [values.get("name", "").casefold() for values in kept if values.get("name")]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        errors.setdefault("stages", "Two stages cannot have the same name: rename one of them.")
    kinds = {values.get("kind") for values in kept}
    missing = [
        label
        for kind, label in ((StageKind.OPEN, "open"), (StageKind.WON, "won"), (StageKind.LOST, "lost"))
        if kind not in kinds
    ]
    if missing:
        errors.setdefault(
            "stages",
            "A pipeline needs at least one open, one won and one lost stage (deals are closed into them); "
            f"add a{'n' if missing[0] == 'open' else ''} {' and a '.join(missing)} stage.",
        )
    # Where the deals of each removed stage go: another kept, existing stage of the same kind.
    kept_existing = {values["id"]: values for values in kept if values["id"] is not None}
    moves: dict[int, int] = {}
    for index, row, values in rows:
        if not row.remove or not holding.get(values["id"]):
            continue
        stage = existing[values["id"]]
        target = _int(row.move_to) if row.move_to not in (None, "") else None
        count = holding[stage.pk]
        noun = f"{count} deal{'s' if count != 1 else ''}"
        if target is None:
            errors[f"stage.{index}.move_to"] = f"{stage.name} holds {noun}: choose the stage they move to."
        elif target not in kept_existing:
            errors[f"stage.{index}.move_to"] = (
                f"Move the {noun} of {stage.name} to a stage that stays (save new stages first)."
            )
        elif kept_existing[target]["kind"] != stage.kind:
            errors[f"stage.{index}.move_to"] = (
                f"Move the {noun} of {stage.name} to another {stage.kind} stage."
            )
        else:
            moves[stage.pk] = target
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    before = _summary(existing[key] for key in sorted(existing, key=lambda key: existing[key].order))
    created = pipeline is None
    if created:
        last = Pipeline.objects.aggregate(last=Max("order"))["last"]
        pipeline = Pipeline.objects.create(
            name=clean_name,
            order=(last or 0) + 1,
            is_default=not Pipeline.objects.filter(archived_at__isnull=True).exists(),
        )
        old_name = ""
    else:
        old_name = pipeline.name
        if pipeline.name != clean_name:
            pipeline.name = clean_name
            pipeline.save(update_fields=["name"])
    for source, target in moves.items():
        _move_deals(actor=actor, source=existing[source], target=existing[target], now=now)
    # Orders are unique per pipeline: lift them all out of the way, then write the final ones.
    Stage.objects.filter(pipeline=pipeline).update(order=F("order") + 100_000)
    position = 0
    final = []
    for _, row, values in rows:
        if row.remove:
            continue
        stage = existing.get(values["id"]) or Stage(pipeline=pipeline)
        stage.name, stage.probability, stage.rotting_days = (
            values["name"],
            values["probability"],
            values["rotting_days"],
        )
        stage.required_fields, stage.kind, stage.order = values["required_fields"], values["kind"], position
        stage.save()
        final.append(stage)
        position += 1
    removed = [existing[values["id"]] for _, row, values in rows if row.remove]
    used = (
        set(
            DealStageChange.objects.filter(Q(from_stage__in=removed) | Q(to_stage__in=removed))
            .values_list("from_stage_id", "to_stage_id")
            .distinct()
            .iterator()
        )
        if removed
        else set()
    )
    used_ids = {stage_id for pair in used for stage_id in pair}
    for stage in removed:
        if stage.pk in used_ids:
            stage.archived_at, stage.order = now, position
            stage.save(update_fields=["archived_at", "order"])
            position += 1
        else:
            stage.delete()
    archived = Stage.objects.filter(
        pipeline=pipeline, archived_at__isnull=False, order__gte=100_000
    ).order_by("order")
    for stage in archived:
        stage.order = position
        stage.save(update_fields=["order"])
        position += 1
    changes: dict[str, list[str]] = {}
    if old_name != clean_name:
        changes["name"] = [old_name, clean_name]
    after = _summary(final)
    if before != after:
        changes["stages"] = [before, after]
    if moves:
        changes["deals_moved"] = [
            "",
            ", ".join(f"{existing[s].name} → {existing[t].name}" for s, t in moves.items()),
        ]
    if changes:
        audit.record(
            actor=actor,
            action=audit.Action.CREATE if created else audit.Action.UPDATE,
            target=pipeline,
            changes=changes,
            event="pipeline_settings",
            request=request,
        )
    return pipeline


def _move_deals(*, actor, source: Stage, target: Stage, now) -> None:
    """Every deal of `source` (live or in the trash) into `target`, set-based, each with its history row."""
    deal_ids = list(Deal.objects.filter(stage=source).values_list("pk", flat=True))
    Deal.objects.filter(pk__in=deal_ids).update(stage=target, stage_entered_at=now, updated_at=now)
    DealStageChange.objects.bulk_create(
        [
            DealStageChange(deal_id=deal_id, from_stage=source, to_stage=target, changed_at=now, actor=actor)
            for deal_id in deal_ids
        ],
        batch_size=1000,
    )


@transaction.atomic
def archive_pipeline(*, actor, pipeline: Pipeline, archived: bool = True, request=None) -> Pipeline:
    """Take a pipeline off the board and the deal form (or bring it back). The default pipeline and one with
    open deals stay: the sentence says what to do first."""
    _require(actor)
    pipeline = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    if archived:
        if pipeline.is_default:
            raise ValidationError("Make another pipeline the default before archiving this one.")
        open_deals = Deal.objects.filter(
            pipeline=pipeline, status=StageKind.OPEN, deleted_at__isnull=True
        ).count()
        if open_deals:
            raise ValidationError(
                f"{pipeline.name} has {open_deals} open deal{'s' if open_deals != 1 else ''}: "
                "close them or move them to another pipeline first."
            )
    if bool(pipeline.archived_at) == archived:
        return pipeline
    pipeline.archived_at = timezone.now() if archived else None
    pipeline.save(update_fields=["archived_at"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=pipeline,
        changes={"archived": [str(not archived), str(archived)]},
        event="pipeline_settings",
        request=request,
    )
    return pipeline


@transaction.atomic
def make_default_pipeline(*, actor, pipeline: Pipeline, request=None) -> Pipeline:
    _require(actor)
    pipeline = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    if pipeline.archived_at is not None:
        raise ValidationError("Restore this pipeline before making it the default.")
    if pipeline.is_default:
        return pipeline
    previous = Pipeline.objects.filter(is_default=True).first()
    Pipeline.objects.filter(is_default=True).update(is_default=False)
    Pipeline.objects.filter(pk=pipeline.pk).update(is_default=True)
    pipeline.is_default = True
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=pipeline,
        changes={"default": [previous.name if previous else "", pipeline.name]},
        event="pipeline_settings",
        request=request,
    )
    return pipeline


@transaction.atomic
def move_pipeline(*, actor, pipeline: Pipeline, direction: str, request=None) -> None:
    """Swap a pipeline with its neighbour above ("up") or below ("down") in the board's pipeline list."""
    _require(actor)
    if direction not in ("up", "down"):
        raise ValidationError("Move a pipeline up or down.")
    ordered = list(Pipeline.objects.select_for_update().order_by("order", "id"))
    index = next((i for i, item in enumerate(ordered) if item.pk == pipeline.pk), None)
    if index is None:
        raise ValidationError("This pipeline no longer exists.")
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered):
        if item.order != position:
            Pipeline.objects.filter(pk=item.pk).update(order=position)
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=pipeline,
        changes={"order": [str(index + 1), str(other + 1)]},
        event="pipeline_settings",
        request=request,
    )
