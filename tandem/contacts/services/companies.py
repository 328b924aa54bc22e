from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.contacts import events, normalize, properties
from tandem.contacts.models import Activity, ActivityKind, Company, CompanySize
from tandem.contacts.services import writes
from tandem.contacts.services.fields import (
    check_reassignment,
    clean_country,
    clean_owner,
    clean_text,
    creation_diff,
    parse_ids,
    raise_if,
    snapshot,
)
from tandem.contacts.services.timeline import record_activity
from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.events import publish
from tandem.core.models import User
from tandem.core.records import registry

TEXT_FIELDS = {"name": 200, "industry": 100}
EDITABLE_FIELDS = ["name", "domain", "industry", "size", "country", "phone", "owner", "properties"]


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
    cleaned.setdefault("owner", actor)
    company = Company(**cleaned)
    company.team_id = company.owner.team_id if company.owner else None
    try:
        with transaction.atomic():
            company.save()
    except IntegrityError as error:
        raise ValidationError({"domain": "Another company already has this domain."}) from error
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
) -> Company:
    """Change the given fields, writing only what changes (services.writes); with `expected_version` a
    company changed meanwhile is refused with StaleRecord. `company` is refreshed to the stored row."""
    if actor is not None:
        access.require(actor, Verb.CHANGE, company)
    # Fresh and locked, so the diff and the audit row describe what this update really changes.
    current = Company.objects.select_for_update().filter(pk=company.pk).first()
    if current is None:
        raise ValidationError("This company no longer exists.")
    if actor is not None:
        access.require(actor, Verb.CHANGE, current)
    if current.deleted_at is not None:
        raise ValidationError("This company is in the trash. Restore it before editing.")
    cleaned = clean_company_values(actor, values, current)
    before = snapshot(current, audited_fields())
    before_properties = dict(current.properties or {})
    after_properties = cleaned.get("properties", before_properties)
    # The row as this update would leave it, to diff against `current` (never saved itself).
    proposed = Company(**{f.attname: getattr(current, f.attname) for f in Company._meta.concrete_fields})
    for name, value in cleaned.items():
        if name != "properties":
            setattr(proposed, name, value)
    if "owner" in cleaned:
        proposed.team_id = proposed.owner.team_id if proposed.owner else None
        check_reassignment(actor, current, proposed.owner)
    changes = audit.diff(before, snapshot(proposed, audited_fields()))
    changes.update(
        audit.diff(
            {f"properties.{k}": v for k, v in before_properties.items()},
            {f"properties.{k}": after_properties.get(k) for k in {*before_properties, *after_properties}},
        )
    )
    if not changes:
        company.refresh_from_db()
        return company
    writes.check_version(current, expected_version)
    assignments: dict[str, Any] = {}
    for name in cleaned:
        if name == "properties":
            continue
        attname = Company._meta.get_field(name).attname
        if getattr(current, attname) == getattr(proposed, attname):
            continue
        if name == "owner":
            assignments.update(writes.owner_assignments(proposed.owner))
        else:
            assignments[attname] = getattr(proposed, attname)
    patch = writes.properties_patch(before_properties, after_properties)
    if patch is not None:
        assignments["properties"] = patch
    try:
        with transaction.atomic():
            writes.write_row(Company, current, assignments, expected_version=expected_version)
    except IntegrityError as error:
        raise ValidationError({"domain": "Another company already has this domain."}) from error
    company.refresh_from_db()
    from tandem.contacts.services.contacts import audit_ready

    record_activity(
        kind=ActivityKind.UPDATED, company=company, actor=actor, details={"changes": audit_ready(changes)}
    )
    audit.record(actor=actor, action=audit.Action.UPDATE, target=company, changes=changes, request=request)
    publish(events.COMPANY_UPDATED, company_id=company.pk, fields=sorted(changes))
    return company


@transaction.atomic
def delete_company(*, actor: User | None, company: Company, request=None) -> Company:
    """Move to the trash. Its contacts stay, still linked, so a restore brings the whole picture back."""
    if actor is not None:
        access.require(actor, Verb.DELETE, company)
    if company.deleted_at is not None:
        return company
    company.deleted_at = timezone.now()
    company.save(update_fields=["deleted_at"])
    record_activity(kind=ActivityKind.DELETED, company=company, actor=actor)
    audit.record(actor=actor, action=audit.Action.DELETE, target=company, request=request)
    publish(events.COMPANY_DELETED, company_id=company.pk)
    return company


@transaction.atomic
def restore_company(*, actor: User | None, company: Company, request=None) -> Company:
    if actor is not None:
        access.require(actor, Verb.DELETE, company)
    if company.deleted_at is None:
        return company
    if company.domain and Company.objects.filter(deleted_at__isnull=True, domain=company.domain).exists():
        raise ValidationError(
            f"Another company now uses {company.domain}. Change that company before restoring this one."
        )
    company.deleted_at = None
    company.updated_at = timezone.now()
    company.save(update_fields=["deleted_at", "updated_at"])
    record_activity(kind=ActivityKind.RESTORED, company=company, actor=actor)
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=company,
        request=request,
        changes={"deleted_at": ["trash", None]},
        event="restored",
    )
    publish(events.COMPANY_RESTORED, company_id=company.pk)
    return company


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
    Activity.objects.bulk_create(
        [
            Activity(
                company_id=pk,
                kind=kind,
                occurred_at=now,
                actor=actor,
                subject_type="bulk",
                details=details_by_id.get(pk, details),
            )
            for pk in target_ids
        ],
        batch_size=1000,
    )
    audit.record_many(actor=actor, action=audit_action, model=Company, targets=rows, event=f"bulk_{action}")
    if target_ids:
        publish(events.COMPANY_BULK_UPDATED, company_ids=target_ids, action=action)
    return len(target_ids)
