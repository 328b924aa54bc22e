from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tandem.contacts import events, normalize, properties
from tandem.contacts.models import ActivityKind, Company, CompanySize, LifecycleStage
from tandem.contacts.services import writes
from tandem.contacts.services.fields import (
    clean_country,
    clean_owner,
    clean_text,
    creation_diff,
    parse_ids,
    raise_if,
)
from tandem.contacts.services.timeline import record_activities, record_activity
from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.events import publish
from tandem.core.models import User
from tandem.core.records import registry

TEXT_FIELDS = {"name": 200, "industry": 100}
EDITABLE_FIELDS = [
    "name",
    "domain",
    "industry",
    "size",
    "country",
    "phone",
    "lifecycle_stage",
    "owner",
    "properties",
]
# The funnel's order. What moves a company by itself (a won deal) only moves it forward along this; "other"
# is outside the funnel and never moved. A person may still set any stage (the form, the API, an import).
LIFECYCLE_ORDER = [
    LifecycleStage.SUBSCRIBER,
    LifecycleStage.LEAD,
    LifecycleStage.MQL,
    LifecycleStage.SQL,
    LifecycleStage.OPPORTUNITY,
    LifecycleStage.CUSTOMER,
    LifecycleStage.EVANGELIST,
]
DUPLICATE_DOMAIN = {"domain": "Another company already has this domain."}


def audited_fields() -> list[str]:
    """The columns this type's audit diffs cover: the catalogue's audited fields (Field.audited)."""
    return registry.get("company").audited_attributes()


def clean_company_values(
    actor: User | None, values: Mapping[str, Any], company: Company | None
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    unknown = sorted(set(values) - set(EDITABLE_FIELDS))
    if unknown:
        errors[unknown[0]] = f"“{unknown[0]}” cannot be set on a company."
    cleaned: dict[str, Any] = {}
    for name, max_length in TEXT_FIELDS.items():
        if name in values:
            cleaned[name] = clean_text(dict(values), name, max_length, errors)
    if "name" in cleaned and not cleaned["name"] and "name" not in errors:
        errors["name"] = "A company needs a name."
    if company is None and "name" not in values:
        errors["name"] = "A company needs a name."
    if "domain" in values:
        raw = str(values["domain"] or "").strip().lower()
        # People paste web addresses; keep the host only.
        for prefix in ("https://", "http://"):
            raw = raw.removeprefix(prefix)
        raw = raw.split("/")[0].removeprefix("www.")
        try:
            cleaned["domain"] = normalize.normalize_domain(raw)
        except ValidationError as error:
            errors["domain"] = error.messages[0]
        if cleaned.get("domain") and "." not in cleaned["domain"]:
            errors["domain"] = f"“{raw[:60]}” is not a domain name (e.g. example.com)."
    if "size" in values:
        size = values["size"] or ""
        if size not in CompanySize.values:
            errors["size"] = "Choose one of the listed sizes."
        cleaned["size"] = size
    if "lifecycle_stage" in values:
        stage = values["lifecycle_stage"] or LifecycleStage.LEAD
        if stage not in LifecycleStage.values:
            errors["lifecycle_stage"] = f"“{str(stage)[:30]}” is not a lifecycle stage."
        cleaned["lifecycle_stage"] = stage
    if "country" in values:
        cleaned["country"] = clean_country(values["country"], errors)
    if "phone" in values:
        country = cleaned.get("country", company.country if company else "")
        try:
            cleaned["phone"] = normalize.normalize_phone(values["phone"], str(country or ""))
        except ValidationError as error:
            errors["phone"] = error.messages[0]
    if "owner" in values:
        cleaned["owner"] = clean_owner(actor, values["owner"], "company", errors)
    if "properties" in values:
        try:
            cleaned["properties"] = properties.clean_values(
                "company", company.properties if company else {}, values["properties"] or {}
            )
        except ValidationError as error:
            errors.update({key: messages[0] for key, messages in error.message_dict.items()})
    if cleaned.get("domain") and "domain" not in errors:
        duplicate = Company.objects.filter(deleted_at__isnull=True, domain=cleaned["domain"])
        if company is not None:
            duplicate = duplicate.exclude(pk=company.pk)
        if duplicate.exists():
            errors["domain"] = "Another company already has this domain."
    raise_if(errors)
    return cleaned


@transaction.atomic
def create_company(*, actor: User | None, values: Mapping[str, Any], request=None) -> Company:
    if actor is not None:
        access.require_allowed(actor, "company", Verb.CREATE)
    cleaned = clean_company_values(actor, values, None)
    company = writes.new_record(Company, cleaned, actor)
    writes.save_new(company, DUPLICATE_DOMAIN)
    record_activity(kind=ActivityKind.CREATED, company=company, actor=actor)
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        target=company,
        request=request,
        changes=creation_diff(company, audited_fields()),
    )
    publish(events.COMPANY_CREATED, company_id=company.pk)
    return company


@transaction.atomic
def update_company(
    *,
    actor: User | None,
    company: Company,
    values: Mapping[str, Any],
    request=None,
    expected_version: str | None = None,
    cause_type: str = "user",
    cause_id: int | None = None,
) -> Company:
    """Change the given fields, writing only what changes (services.writes); with `expected_version` a
    company changed meanwhile is refused with StaleRecord. `company` is refreshed to the stored row. A
    stage move gets its own timeline entry and event, with its cause (a user, the API, a deal)."""
    current = writes.lock_live(actor, company)
    cleaned = clean_company_values(actor, values, current)
    update = writes.propose_update(actor, current, cleaned, audited_fields())
    if not update.changes:
        company.refresh_from_db()
        return company
    writes.check_version(current, expected_version)
    writes.save_update(
        current,
        writes.update_assignments(update),
        expected_version=expected_version,
        duplicate_error=DUPLICATE_DOMAIN,
    )
    company.refresh_from_db()
    before = current.lifecycle_stage
    if before != company.lifecycle_stage:
        record_company_stage_change(
            company=company,
            from_stage=before,
            to_stage=company.lifecycle_stage,
            actor=actor,
            cause_type=cause_type,
            cause_id=cause_id,
        )
    writes.record_update(
        actor=actor,
        record=company,
        changes=update.changes,
        # A stage move has its own entry (above).
        timeline_changes={name: pair for name, pair in update.changes.items() if name != "lifecycle_stage"},
        event=events.COMPANY_UPDATED,
        request=request,
        subject_type=cause_type,
        subject_id=cause_id,
    )
    return company


def record_company_stage_change(
    *, company: Company, from_stage: str, to_stage: str, actor, cause_type: str, cause_id: int | None
) -> None:
    """A company's stage move on its timeline (the contacts' "Stage: lead → customer" entry) and its event."""
    record_activity(
        kind=ActivityKind.STAGE_CHANGED,
        company=company,
        actor=actor,
        subject_type=cause_type,
        subject_id=cause_id,
        details={"from": from_stage, "to": to_stage},
    )
    publish(
        events.COMPANY_STAGE_CHANGED,
        company_id=company.pk,
        from_stage=from_stage,
        to_stage=to_stage,
        cause_type=cause_type,
        cause_id=cause_id,
    )


@transaction.atomic
def advance_company_lifecycle(
    *, company_id: int, target: str, cause_type: str, cause_id: int | None = None
) -> bool:
    """Move a live company forward to `target` (a won deal: customer), never backwards and never out of
    "other"; True when it moved. The system's move (actor None): the rep who won the deal may not be allowed
    to edit the company, and the move is the deal's consequence, recorded with the deal as its cause."""
    if target not in LIFECYCLE_ORDER:
        raise ValueError(f"{target!r} is not a stage a company moves forward to.")
    behind = [stage.value for stage in LIFECYCLE_ORDER[: LIFECYCLE_ORDER.index(target)]]
    # Locked before the stage is read, so a person's change at the same moment is never undone.
    company = (
        Company.objects.select_for_update()
        .filter(pk=company_id, deleted_at__isnull=True, lifecycle_stage__in=behind)
        .first()
    )
    if company is None:
        return False
    update_company(
        actor=None,
        company=company,
        values={"lifecycle_stage": target},
        cause_type=cause_type,
        cause_id=cause_id,
    )
    return True


@transaction.atomic
def delete_company(*, actor: User | None, company: Company, request=None) -> Company:
    """Move to the trash. Its contacts stay, still linked, so a restore brings the whole picture back."""
    return writes.trash(actor=actor, record=company, event=events.COMPANY_DELETED, request=request)


@transaction.atomic
def restore_company(*, actor: User | None, company: Company, request=None) -> Company:
    """Bring a company back from the trash, unless a live company has taken its domain meanwhile."""

    def conflict() -> str:
        if company.domain and Company.objects.filter(deleted_at__isnull=True, domain=company.domain).exists():
            return (
                f"Another company now uses {company.domain}. Change that company before restoring this one."
            )
        return ""

    return writes.restore(
        actor=actor, record=company, conflict=conflict, event=events.COMPANY_RESTORED, request=request
    )


@transaction.atomic
def bulk_update_companies(
    *, actor: User, company_ids: Iterable[int], action: str, value: Any = None, request=None
) -> int:
    """Assign an owner to, or trash, many companies at once; only those the actor may touch."""
    ids = parse_ids(company_ids, "company_ids")
    if not ids:
        raise ValidationError({"company_ids": "Select at least one company."})
    now = timezone.now()
    details_by_id: dict[int, dict[str, Any]] = {}
    if action == "assign_owner":
        errors: dict[str, str] = {}
        owner = clean_owner(actor, value, "company", errors)
        if owner is None:
            raise ValidationError(errors or {"value": "Choose the new owner."})
        # Only the companies this reassignment grants the actor nothing new on (access.can_reassign).
        scoped = access.scope_reassignable(actor, Company.objects.filter(deleted_at__isnull=True), owner)
        targets = list(
            scoped.filter(pk__in=ids).exclude(owner=owner).values_list("pk", "name", "owner_id", "team_id")
        )
        target_ids = [row[0] for row in targets]
        Company.objects.filter(pk__in=target_ids).update(**writes.owner_assignments(owner), updated_at=now)
        # Each company's own before/after, as a single update records it (ids; the timeline names them).
        details_by_id = {
            pk: {"changes": {"owner": [old, owner.pk], "team": [old_team, owner.team_id]}}
            for pk, _, old, old_team in targets
        }
        rows = [(pk, name, details_by_id[pk]["changes"]) for pk, name, _, _ in targets]
        kind, details, audit_action = ActivityKind.UPDATED, {}, audit.Action.UPDATE
    elif action == "delete":
        scoped = access.scope_queryset(actor, Verb.DELETE, Company.objects.filter(deleted_at__isnull=True))
        targets = list(scoped.filter(pk__in=ids).values_list("pk", "name"))
        target_ids = [row[0] for row in targets]
        Company.objects.filter(pk__in=target_ids).update(deleted_at=now)
        rows = [(pk, name, None) for pk, name in targets]
        kind, details, audit_action = ActivityKind.DELETED, {}, audit.Action.DELETE
    else:
        raise ValidationError({"action": "Choose what to do with the selected companies."})
    record_activities(
        kind=kind,
        object_type="company",
        record_ids=target_ids,
        actor=actor,
        occurred_at=now,
        subject_type="bulk",
        details=details,
        details_by_id=details_by_id,
    )
    audit.record_many(actor=actor, action=audit_action, model=Company, targets=rows, event=f"bulk_{action}")
    if target_ids:
        publish(events.COMPANY_BULK_UPDATED, company_ids=target_ids, action=action)
    return len(target_ids)
