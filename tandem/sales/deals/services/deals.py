"""Creating, editing, trashing and restoring deals, and the bulk bar's actions."""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tandem.contacts.models import Company, Contact
from tandem.contacts.services.fields import clean_owner, clean_text, creation_diff, parse_ids, raise_if
from tandem.contacts.services.writes import (
    StaleRecord,
    check_version,
    new_record,
    owner_assignments,
    propose_update,
    record_version,
    update_assignments,
    write_row,
)
from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.events import publish
from tandem.core.models import User
from tandem.core.records import registry
from tandem.sales.deals import events
from tandem.sales.deals.models import (
    Deal,
    DealContact,
    DealStageChange,
    ForecastCategory,
    Pipeline,
    Stage,
    StageKind,
)
from tandem.sales.deals.services.moves import (
    advance_lifecycle,
    apply_move,
    check_required,
    lock_deal,
    record_deal_activity,
)

__all__ = ["StaleRecord"]

EDITABLE_FIELDS = [
    "name",
    "amount",
    "currency",
    "expected_close_date",
    "company",
    "stage",
    "owner",
    "next_step",
    "next_step_date",
    "forecast_category",
    "primary_contact",
    "properties",
]
AUDITED = [
    "name",
    "amount",
    "currency",
    "expected_close_date",
    "company",
    "owner",
    "next_step",
    "next_step_date",
    "forecast_category",
]
MAX_AMOUNT = Decimal("999999999999.99")


# A stage deals may enter: neither it nor its pipeline archived (Settings → Pipelines).
IN_USE = {"archived_at__isnull": True, "pipeline__archived_at__isnull": True}


def deal_version(deal: Deal) -> str:
    return record_version(deal)


def _clean_amount(raw: Any, errors: dict[str, str]) -> Decimal | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, float):
        # A float has already lost cents (0.1 + 0.2); money arrives as text or a Decimal.
        errors["amount"] = 'Give the amount as a decimal number in text, e.g. "1250.00".'
        return None
    text = str(raw).strip().replace(" ", "").replace("\u00a0", "").replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        errors["amount"] = (
            f"“{str(raw)[:30]}” is not an amount; write digits with an optional point, e.g. 1250.00."
        )
        return None
    if not amount.is_finite() or amount < 0:
        errors["amount"] = "The amount must be zero or more."
        return None
    if amount > MAX_AMOUNT:
        errors["amount"] = "The amount is too large."
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors["amount"] = "Give the amount with at most two decimals."
        return None
    return amount.quantize(Decimal("0.01"))


def _clean_date(raw: Any, name: str, errors: dict[str, str]) -> datetime.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime.date):
        return raw
    try:
        return datetime.date.fromisoformat(str(raw).strip())
    except ValueError:
        errors[name] = f"“{str(raw)[:30]}” is not a date; use YYYY-MM-DD."
        return None


def _clean_record(model, raw: Any, name: str, label: str, errors: dict[str, str], actor):
    if raw in (None, ""):
        return None
    if isinstance(raw, model):
        record = raw
    else:
        try:
            record = model.objects.filter(pk=int(raw), deleted_at__isnull=True).first()
        except (TypeError, ValueError):
            record = None
    if record is None or (actor is not None and not access.can(actor, Verb.VIEW, record)):
        errors[name] = f"Choose a {label} that exists."
        return None
    return record


def clean_deal_values(actor: User | None, values: Mapping[str, Any], deal: Deal | None) -> dict[str, Any]:
    """Check and convert what a form, the API or the demo hands in; errors keyed by field, one sentence each."""
    errors: dict[str, str] = {}
    unknown = sorted(set(values) - set(EDITABLE_FIELDS))
    if unknown:
        errors[unknown[0]] = f"“{unknown[0]}” cannot be set on a deal."
    cleaned: dict[str, Any] = {}
    for name in ("name", "next_step"):
        if name in values:
            cleaned[name] = clean_text(dict(values), name, Deal._meta.get_field(name).max_length, errors)
    if ("name" in cleaned and not cleaned["name"] and "name" not in errors) or (
        deal is None and "name" not in values
    ):
        errors["name"] = "A deal needs a name."
    if "amount" in values:
        cleaned["amount"] = _clean_amount(values["amount"], errors)
    if "currency" in values:
        currency = str(values["currency"] or "").strip().upper()
        if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
            errors["currency"] = "Give the currency as its three-letter ISO code, e.g. EUR or USD."
        cleaned["currency"] = currency
    for name in ("expected_close_date", "next_step_date"):
        if name in values:
            cleaned[name] = _clean_date(values[name], name, errors)
    if "forecast_category" in values:
        category = values["forecast_category"] or ForecastCategory.PIPELINE
        if category not in ForecastCategory.values:
            errors["forecast_category"] = (
                f"“{str(category)[:30]}” is not a forecast category; choose pipeline, best case, commit or "
                "omitted."
            )
        cleaned["forecast_category"] = category
    if "company" in values:
        cleaned["company"] = _clean_record(Company, values["company"], "company", "company", errors, actor)
    if "primary_contact" in values:
        cleaned["primary_contact"] = _clean_record(
            Contact, values["primary_contact"], "primary_contact", "contact", errors, actor
        )
    if "owner" in values:
        cleaned["owner"] = clean_owner(actor, values["owner"], "deal", errors)
    if "stage" in values and values["stage"] not in (None, ""):
        stage = values["stage"]
        if not isinstance(stage, Stage):
            try:
                stage = Stage.objects.select_related("pipeline").filter(pk=int(stage), **IN_USE).first()
            except (TypeError, ValueError):
                stage = None
        if stage is None:
            errors["stage"] = "Choose one of the pipeline's stages."
        elif deal is not None and stage.pipeline_id != deal.pipeline_id:
            errors["stage"] = "That stage belongs to another pipeline; choose one of this deal's."
        elif stage.kind == StageKind.LOST and (deal is None or deal.stage_id != stage.pk):
            errors["stage"] = "Mark the deal lost with a reason instead (“Mark lost”)."
        else:
            cleaned["stage"] = stage
    if "properties" in values:
        try:
            cleaned["properties"] = registry.get("deal").properties.clean(
                deal.properties if deal else {}, values["properties"] or {}
            )
        except ValidationError as error:
            errors.update({key: messages[0] for key, messages in error.message_dict.items()})
    raise_if(errors)
    return cleaned


def default_stage() -> Stage:
    pipelines = Pipeline.objects.filter(archived_at__isnull=True)
    pipeline = pipelines.filter(is_default=True).first() or pipelines.first()
    stage = (
        pipeline.stages.filter(kind=StageKind.OPEN, archived_at__isnull=True).first() if pipeline else None
    )
    if stage is None:
        raise ValidationError({"stage": "Set up a pipeline with an open stage before adding deals."})
    return stage


@transaction.atomic
def create_deal(
    *, actor: User | None, values: Mapping[str, Any], role: str = "decision_maker", request=None
) -> Deal:
    """Create a deal in the given stage (default: the default pipeline's first open stage), owned by the
    actor unless an owner is given. The primary contact's first-touch source is copied onto the deal, the
    contact moves forward to opportunity, and the first stage is the first row of the deal's history."""
    if actor is not None:
        access.require_allowed(actor, "deal", Verb.CREATE)
    cleaned = clean_deal_values(actor, values, None)
    primary = cleaned.pop("primary_contact", None)
    stage = cleaned.pop("stage", None) or default_stage()
    cleaned.setdefault("currency", "EUR")
    deal = new_record(Deal, cleaned, actor)
    deal.stage, deal.pipeline_id, deal.status = stage, stage.pipeline_id, stage.kind
    if deal.company_id is None and primary is not None and primary.company_id:
        deal.company_id = primary.company_id
    deal.source = primary.source if primary is not None else ""
    check_required(deal, stage)
    now = timezone.now()
    deal.stage_entered_at = deal.created_at = deal.updated_at = now
    deal.closed_at = now if stage.kind != StageKind.OPEN else None
    deal.save()
    if primary is not None:
        DealContact.objects.create(deal=deal, contact=primary, role=role, is_primary=True)
    DealStageChange.objects.create(
        deal=deal, from_stage=None, to_stage=stage, changed_at=now, actor=actor if actor is not None else None
    )
    record_deal_activity(deal=deal, kind="deal_created", actor=actor, details={"to": stage.name})
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        target=deal,
        request=request,
        changes={**creation_diff(deal, AUDITED), "stage": [None, stage.name]},
    )
    publish(events.DEAL_CREATED, deal_id=deal.pk)
    if primary is not None and stage.kind == StageKind.OPEN:
        advance_lifecycle(deal=deal, contact_ids=[primary.pk], target="opportunity")
    return deal


@transaction.atomic
def update_deal(
    *,
    actor: User | None,
    deal: Deal,
    values: Mapping[str, Any],
    request=None,
    expected_version: str | None = None,
) -> Deal:
    """Change the given fields, writing only the columns that change; with `expected_version` a deal changed
    meanwhile is refused with StaleRecord and nothing is written. A new stage is a move (move_deal's rules
    and traces). `deal` is refreshed to the stored row."""
    current = (
        lock_deal(actor, deal) if actor is not None else Deal.objects.select_for_update().get(pk=deal.pk)
    )
    cleaned = clean_deal_values(actor, values, current)
    stage = cleaned.pop("stage", None)
    primary = cleaned.pop("primary_contact", None) if "primary_contact" in cleaned else False
    update = propose_update(actor, current, cleaned, AUDITED)
    moving = stage is not None and stage.pk != current.stage_id
    current_primary_id = (
        current.deal_contacts.filter(is_primary=True).values_list("contact_id", flat=True).first()
    )
    primary_changes = primary is not False and (primary.pk if primary else None) != current_primary_id
    if not update.changes and not moving and not primary_changes:
        deal.refresh_from_db()
        return deal
    check_version(current, expected_version)
    if update.changes:
        assignments = update_assignments(update)
        write_row(Deal, current, assignments, expected_version=expected_version)
        current.refresh_from_db()
        audit.record(
            actor=actor, action=audit.Action.UPDATE, target=current, changes=update.changes, request=request
        )
        publish(events.DEAL_UPDATED, deal_id=current.pk, fields=sorted(update.changes))
    if primary_changes:
        _set_primary(current, primary)
    if moving:
        check_required(current, stage)
        apply_move(actor=actor, current=current, stage=stage, request=request)
    deal.refresh_from_db()
    return deal


def _set_primary(deal: Deal, contact: Contact | None) -> None:
    DealContact.objects.filter(deal=deal, is_primary=True).update(is_primary=False)
    if contact is not None:
        link, created = DealContact.objects.get_or_create(
            deal=deal, contact=contact, defaults={"is_primary": True, "role": "decision_maker"}
        )
        if not created:
            DealContact.objects.filter(pk=link.pk).update(is_primary=True)


@transaction.atomic
def delete_deal(*, actor: User | None, deal: Deal, request=None) -> Deal:
    """Move to the trash: hidden everywhere, restorable until purged."""
    if actor is not None:
        access.require(actor, Verb.DELETE, deal)
    if deal.deleted_at is not None:
        return deal
    deal.deleted_at = timezone.now()
    deal.save(update_fields=["deleted_at"])
    audit.record(actor=actor, action=audit.Action.DELETE, target=deal, request=request)
    publish(events.DEAL_DELETED, deal_id=deal.pk)
    return deal


@transaction.atomic
def restore_deal(*, actor: User | None, deal: Deal, request=None) -> Deal:
    if actor is not None:
        access.require(actor, Verb.DELETE, deal)
    if deal.deleted_at is None:
        return deal
    deal.deleted_at = None
    deal.updated_at = timezone.now()
    deal.save(update_fields=["deleted_at", "updated_at"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=deal,
        request=request,
        changes={"deleted_at": ["trash", None]},
        event="restored",
    )
    publish(events.DEAL_RESTORED, deal_id=deal.pk)
    return deal


@transaction.atomic
def bulk_update_deals(
    *, actor: User, deal_ids: Iterable[int], action: str, value: Any = None, request=None
) -> int:
    """Assign an owner to, move to a stage, or trash many deals at once; only those the actor may touch.
    A move goes deal by deal through the same path as move_deal (its history, timeline and event), and
    skips deals of another pipeline or missing the stage's required fields."""
    ids = parse_ids(deal_ids, "deal_ids")
    if not ids:
        raise ValidationError({"deal_ids": "Select at least one deal."})
    live = Deal.objects.filter(deleted_at__isnull=True, pk__in=ids)
    if action == "assign_owner":
        errors: dict[str, str] = {}
        owner = clean_owner(actor, value, "deal", errors)
        if owner is None:
            raise ValidationError(errors or {"value": "Choose the new owner."})
        scoped = access.scope_reassignable(actor, live, owner).exclude(owner=owner)
        targets = list(scoped.values_list("pk", "name", "owner_id"))
        Deal.objects.filter(pk__in=[row[0] for row in targets]).update(
            **owner_assignments(owner), updated_at=timezone.now()
        )
        rows = [(pk, name, {"owner": [old, owner.pk]}) for pk, name, old in targets]
        audit.record_many(
            actor=actor, action=audit.Action.UPDATE, model=Deal, targets=rows, event="bulk_assign_owner"
        )
    elif action == "move_stage":
        try:
            stage = Stage.objects.filter(pk=int(value), **IN_USE).first()
        except (TypeError, ValueError):
            stage = None
        if stage is None or stage.kind == StageKind.LOST:
            raise ValidationError({"value": "Choose an open or won stage to move the deals to."})
        targets = []
        scoped = access.scope_queryset(actor, Verb.CHANGE, live).filter(pipeline_id=stage.pipeline_id)
        for deal in scoped.exclude(stage=stage).select_for_update(of=("self",)):
            try:
                check_required(deal, stage)
            except ValidationError:
                continue
            apply_move(actor=actor, current=deal, stage=stage, request=request)
            targets.append((deal.pk,))
    elif action == "delete":
        scoped = access.scope_queryset(actor, Verb.DELETE, live)
        targets = list(scoped.values_list("pk", "name"))
        Deal.objects.filter(pk__in=[row[0] for row in targets]).update(deleted_at=timezone.now())
        audit.record_many(
            actor=actor,
            action=audit.Action.DELETE,
            model=Deal,
            targets=[(pk, name, None) for pk, name in targets],
            event="bulk_delete",
        )
    else:
        raise ValidationError({"action": "Choose what to do with the selected deals."})
    target_ids = [row[0] for row in targets]
    if target_ids:
        publish(events.DEAL_BULK_UPDATED, deal_ids=target_ids, action=action)
    return len(target_ids)
