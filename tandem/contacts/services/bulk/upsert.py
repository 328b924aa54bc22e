"""The set-based upsert: decide every row of a wave, then write creates, updates, tags and history in bulk."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.contacts import normalize
from tandem.contacts.models import (
    Company,
    Contact,
    ContactTag,
    LifecycleStage,
    Tag,
)
from tandem.contacts.services.bulk.cleaning import address_hashes, clean_company, clean_contact
from tandem.contacts.services.bulk.history import record_consents, record_history
from tandem.contacts.services.bulk.related import resolve_related
from tandem.contacts.services.bulk.rows import (
    CONFLICT_RETRIES,
    PROPERTY_PREFIX,
    WRITE_ONCE_FIELDS,
    CleanedRow,
    Outcome,
    Problem,
    RowResult,
    Spec,
    UpsertContext,
    WavePlan,
    context_for,
)
from tandem.contacts.services.bulk.sql import (
    defaults_for,
    ids_by_key,
    insert_rows,
    is_empty,
    lookup,
    stored_value,
    unique_value,
    update_rows,
)
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.models import User

CONTACT_SPEC = Spec(Contact, "contact", clean_contact, ("email", "external_id"), "contact")
COMPANY_SPEC = Spec(Company, "company", clean_company, ("domain", "external_id"), "company")


def _upsert(
    spec: Spec,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    key: str,
    mode: str,
    context: UpsertContext,
    dry_run: bool,
) -> list[RowResult]:
    cleaned = [spec.clean(row_number, values, key, context) for row_number, values in rows]
    resolve_related(spec, [row for row in cleaned if not row.errors], context, dry_run=dry_run)
    results: dict[int, RowResult] = {}
    waves: list[list[tuple[int, CleanedRow]]] = []
    seen: dict[str, int] = {}
    for position, row in enumerate(cleaned):
        if row.errors:
            problem = row.errors[0][0]
            reason = "; ".join(message for _, message in row.errors)
            results[position] = RowResult(row.row_number, Outcome.FAILED, reason=reason, problem=problem)
            continue
        # A key seen earlier in the batch goes to a later wave, so the later row updates the earlier one.
        wave = seen.get(row.key, 0)
        seen[row.key] = wave + 1
        if wave == len(waves):
            waves.append([])
        waves[wave].append((position, row))
    claimed: dict[tuple[str, Any], Any] = {}
    created_keys: set = set()
    for wave_rows in waves:
        for attempt in range(CONFLICT_RETRIES):
            try:
                with transaction.atomic():
                    wave_results = _apply(spec, wave_rows, key, mode, context, dry_run, claimed, created_keys)
                break
            except IntegrityError:
                # A concurrent import inserted one of these keys after our lookup: look again, and the rows
                # it took become updates.
                if attempt == CONFLICT_RETRIES - 1:
                    wave_results = {
                        position: RowResult(
                            row.row_number,
                            Outcome.FAILED,
                            reason="Another write changed this record at the same time; import the row again.",
                            problem=Problem.CONFLICT,
                        )
                        for position, row in wave_rows
                    }
        results.update(wave_results)
    for position, row in enumerate(cleaned):
        if row.company_action and results[position].outcome != Outcome.FAILED:
            results[position].company_action = row.company_action
            results[position].company_key = row.company_key
    return [results[position] for position in range(len(cleaned))]


def _apply(
    spec: Spec,
    wave_rows: list[tuple[int, CleanedRow]],
    key: str,
    mode: str,
    context: UpsertContext,
    dry_run: bool,
    claimed: dict,
    created_keys: set,
) -> dict[int, RowResult]:
    """One wave (no two rows with the same key): decide every row, then write it all set-based."""
    now = timezone.now()
    plan = _decide(spec, wave_rows, key, mode, context, dry_run, claimed, created_keys)
    for position, row, instance, previous in plan.to_update:
        plan.results[position] = RowResult(
            row.row_number, Outcome.UPDATED, instance.pk, previous=previous, matched=True
        )
    if dry_run:
        for position, row, instance, previous in plan.to_update:
            plan.results[position].changes = _changes(instance, row, previous)
        for position, row in plan.to_create:
            created_keys.add(row.key)
            plan.results[position] = RowResult(row.row_number, Outcome.CREATED)
        return plan.results
    _insert_created(spec, plan, key, context, claimed, now)
    _update_changed(spec, plan)
    _add_tags(plan.tag_rows)
    record_history(spec, plan, context, now)
    if spec.model is Contact:
        record_consents(plan, context, now)
    return plan.results


# Columns an update writes alongside the ones the file changed; they say nothing to the user.
_BOOKKEEPING = frozenset({"updated_at", "team_id", "email_domain", "address_hash", "name_key"})


def _changes(instance: Any, row: CleanedRow, previous: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [value now, value after the import]} of a decided update (values as stored)."""
    changes: dict[str, list[Any]] = {}
    for name, old in previous.items():
        if name in _BOOKKEEPING:
            continue
        if name.startswith(PROPERTY_PREFIX):
            new = (instance.properties or {}).get(name[len(PROPERTY_PREFIX) :])
        elif name == "tags":
            new = sorted(set(old or []) | set(row.tags))
        else:
            new = stored_value(instance, name)
        changes[name] = [old, new]
    return changes


def _other_holders(
    spec: Spec, wave_rows: list[tuple[int, CleanedRow]], key: str
) -> dict[str, dict[Any, Any]]:
    """For each unique field that is not the key: {value the wave's rows give it: id of the record holding it}."""
    others: dict[str, dict[Any, Any]] = {}
    for field_name in spec.unique_fields:
        if field_name == key:
            continue
        values = {
            unique_value(field_name, row.fields[field_name])
            for _, row in wave_rows
            if row.fields.get(field_name)
        }
        others[field_name] = {
            value: record.pk for value, record in lookup(spec, field_name, values, lock=False).items()
        }
    return others


def _current_tags(spec: Spec, wave_rows: list[tuple[int, CleanedRow]], existing: dict) -> dict[int, set[str]]:
    """The tags of the matched contacts whose rows bring tags, one query."""
    current_tags: dict[int, set[str]] = {}
    if spec.model is Contact:
        ids_with_tags = [existing[row.key].pk for _, row in wave_rows if row.tags and row.key in existing]
        for contact_id, name in ContactTag.objects.filter(contact_id__in=ids_with_tags).values_list(
            "contact_id", "tag__name"
        ):
            current_tags.setdefault(contact_id, set()).add(name)
    return current_tags


def _field_changes(instance: Any, row: CleanedRow, key: str, mode: str) -> tuple[dict[str, Any], list[str]]:
    """({field: value before}, [changed fields]) of the row's plain fields. A blank cell never reaches here;
    "fill_empty" and the write-once first-touch fields only fill what is empty."""
    previous: dict[str, Any] = {}
    changed_names: list[str] = []
    for name, value in row.fields.items():
        # The key matched (case-insensitively for email): its stored spelling stays.
        if name in ("team_id", key):
            continue
        current = stored_value(instance, name)
        if current == value or (
            (mode == "fill_empty" or name in WRITE_ONCE_FIELDS) and not is_empty(current)
        ):
            continue
        previous[name] = current
        changed_names.append(name)
    return previous, changed_names


def _property_changes(instance: Any, row: CleanedRow, mode: str, previous: dict[str, Any]) -> dict[str, Any]:
    """The record's properties after the row, key by key; each changed one's old value goes into `previous`."""
    new_properties = dict(instance.properties or {})
    for name, value in row.properties.items():
        current = new_properties.get(name)
        if current == value or (mode == "fill_empty" and not is_empty(current)):
            continue
        previous[f"{PROPERTY_PREFIX}{name}"] = current
        new_properties[name] = value
    return new_properties


def _decide(
    spec: Spec,
    wave_rows: list[tuple[int, CleanedRow]],
    key: str,
    mode: str,
    context: UpsertContext,
    dry_run: bool,
    claimed: dict,
    created_keys: set,
) -> WavePlan:
    """Look the wave's records up (one query per unique field) and decide each row: create, update (with
    the fields that change and their old values), skip, or fail with a reason. Writes nothing."""
    now = timezone.now()
    actor = context.actor
    existing = lookup(spec, key, {row.key for _, row in wave_rows}, lock=not dry_run)
    others = _other_holders(spec, wave_rows, key)
    current_tags = _current_tags(spec, wave_rows, existing)
    plan = WavePlan()
    results, to_create, to_update, tag_rows = plan.results, plan.to_create, plan.to_update, plan.tag_rows

    def conflict(row: CleanedRow, record_id: int | None, names: Iterable[str]) -> str | None:
        for field_name in names:
            if field_name == key or not row.fields.get(field_name) or field_name not in others:
                continue
            value = unique_value(field_name, row.fields[field_name])
            holder = others[field_name].get(value)
            if holder is not None and holder != record_id:
                return f"Another {spec.name} already has this {field_name.replace('_', ' ')} ({value})."
            if claimed.get((field_name, value), row.key) != row.key:
                return f"An earlier row of this file has the same {field_name.replace('_', ' ')} ({value})."
        return None

    if key == "id":
        # Matched by Tandem's own id: a row updates a record the actor may see, never creates one.
        existing = {
            record_id: record
            for record_id, record in existing.items()
            if actor is None or access.can(actor, Verb.VIEW, record)
        }
        _refuse_unknown_ids(spec, wave_rows, existing, actor, results)
    for position, row in wave_rows:
        if position in results:
            continue
        instance = existing.get(row.key)
        if instance is None:
            problem = conflict(row, None, spec.unique_fields)
            if problem:
                results[position] = RowResult(
                    row.row_number, Outcome.FAILED, reason=problem, problem=Problem.CONFLICT
                )
                continue
            if dry_run and row.key in created_keys:
                results[position] = RowResult(row.row_number, Outcome.UPDATED, matched=True)
                continue
            to_create.append((position, row))
            continue
        if mode == "skip":
            results[position] = RowResult(row.row_number, Outcome.SKIPPED, instance.pk, matched=True)
            continue
        if actor is not None and not access.can(actor, Verb.CHANGE, instance):
            results[position] = RowResult(
                row.row_number,
                Outcome.FAILED,
                instance.pk,
                reason=f"You may not change this {spec.name} (it belongs to someone outside your reach).",
                problem=Problem.DENIED,
                matched=True,
            )
            continue
        previous, changed_names = _field_changes(instance, row, key, mode)
        problem = conflict(row, instance.pk, changed_names)
        if problem:
            results[position] = RowResult(
                row.row_number,
                Outcome.FAILED,
                instance.pk,
                reason=problem,
                problem=Problem.CONFLICT,
                matched=True,
            )
            continue
        if "owner_id" in previous and not _may_give(actor, instance, row):
            results[position] = RowResult(
                row.row_number,
                Outcome.FAILED,
                instance.pk,
                reason=f"You may not give this {spec.name} to that owner: it would let you do more with it "
                "than you may now.",
                problem=Problem.DENIED,
                matched=True,
            )
            continue
        new_properties = _property_changes(instance, row, mode, previous)
        missing_tags = [name for name in row.tags if name not in current_tags.get(instance.pk, set())]
        if missing_tags:
            previous["tags"] = sorted(current_tags.get(instance.pk, set()))
        if not previous:
            results[position] = RowResult(row.row_number, Outcome.SKIPPED, instance.pk, matched=True)
            continue
        if "owner_id" in previous:
            previous["team_id"] = instance.team_id
            instance.team_id = row.fields.get("team_id")
        if "email" in previous:
            previous["email_domain"] = instance.email_domain
            instance.email_domain = normalize.email_domain(row.fields["email"])
            # The suppression key follows the address, so not_suppressed() sees imported changes at once.
            previous["address_hash"] = instance.address_hash
            instance.address_hash = _address_hash(row.fields["email"])
        if "name" in previous and spec.model is Company:
            # The name key follows the name (these writes bypass the ORM that would keep it).
            previous["name_key"] = instance.name_key
            instance.name_key = normalize.company_name_key(row.fields["name"])
        for name in changed_names:
            setattr(instance, name, row.fields[name])
        instance.properties = new_properties
        previous["updated_at"] = instance.updated_at.isoformat()
        instance.updated_at = now
        to_update.append((position, row, instance, previous))
        if missing_tags:
            tag_rows.append((missing_tags, instance.pk))
        for field_name in spec.unique_fields:
            if field_name in changed_names:
                claimed[(field_name, unique_value(field_name, row.fields[field_name]))] = row.key

    return plan


def _refuse_unknown_ids(
    spec: Spec,
    wave_rows: list[tuple[int, CleanedRow]],
    existing: dict,
    actor: User | None,
    results: dict[int, RowResult],
) -> None:
    """A failed result for each row whose record id names no live record the actor may see: one that is in
    the trash (and the actor may see) says so; any other, as one that does not exist, says nothing more, so
    that an import cannot tell which ids exist out of the actor's sight. One query for the wave."""
    missing = {row.key for _, row in wave_rows if row.key not in existing}
    if not missing:
        return
    trashed = spec.model.objects.filter(pk__in=missing, deleted_at__isnull=False)
    if actor is not None:
        trashed = access.scope_queryset(actor, Verb.VIEW, trashed)
    trashed_ids = set(trashed.values_list("pk", flat=True))
    for position, row in wave_rows:
        if row.key in existing:
            continue
        if row.key in trashed_ids:
            reason = (
                f"{spec.name.capitalize()} {row.key} is in the trash: restore it before importing into it."
            )
        else:
            reason = f"No {spec.name} has the record id {row.key} (or it is not yours to see)."
        results[position] = RowResult(row.row_number, Outcome.FAILED, reason=reason, problem=Problem.INVALID)


def _may_give(actor: User | None, instance: Any, row: CleanedRow) -> bool:
    """Whether the actor may give this matched record the row's new owner (access.can_reassign: a new owner
    may not widen what the actor can do with it, or a sales user could import a file making a teammate's
    contacts their own, then delete them). The record is already loaded (and locked) by the wave's lookup,
    so the rule is applied to it in memory: no query per row, none per owner."""
    if actor is None:
        return True
    owner_id = row.fields.get("owner_id")
    new_owner = User(pk=owner_id, team_id=row.fields.get("team_id")) if owner_id is not None else None
    return access.can_reassign(actor, instance, new_owner)


def _address_hash(email: str | None) -> str:
    return address_hashes([email])[0]


def _insert_created(spec: Spec, plan: WavePlan, key: str, context: UpsertContext, claimed: dict, now) -> None:
    """INSERT the new records with one executemany, then read their ids back by key (one indexed query)."""
    actor = context.actor
    results, to_create, tag_rows = plan.results, plan.to_create, plan.tag_rows
    default_owner = (actor.pk, actor.team_id) if actor is not None else (None, None)
    defaults = defaults_for(spec.model)
    columns = tuple(defaults)
    insert = []
    for _position, row in to_create:
        values = dict(defaults)
        values.update(row.fields)
        if "owner_id" not in row.fields:
            values["owner_id"], values["team_id"] = default_owner
        if spec.model is Contact:
            values["lifecycle_stage"] = row.fields.get("lifecycle_stage") or LifecycleStage.LEAD
            values["email_domain"] = normalize.email_domain(values["email"])
            values["address_hash"] = _address_hash(values["email"])
        else:
            values["name"] = (
                row.fields.get("name") or row.fields.get("domain") or row.fields.get("external_id")
            )
            values["name_key"] = normalize.company_name_key(values["name"])
        values["properties"] = row.properties
        values["created_at"] = values["updated_at"] = now
        insert.append(tuple(values[name] for name in columns))
        for field_name in spec.unique_fields:
            if values.get(field_name):
                claimed[(field_name, unique_value(field_name, values[field_name]))] = row.key
    insert_rows(spec.model, columns, insert)
    # The new ids, by key: one indexed query instead of RETURNING (which executemany cannot give).
    created_ids = ids_by_key(spec, key, {row.key for _, row in to_create})
    for position, row in to_create:
        results[position] = RowResult(row.row_number, Outcome.CREATED, created_ids[row.key])
        if row.tags:
            tag_rows.append((row.tags, created_ids[row.key]))


def _update_changed(spec: Spec, plan: WavePlan) -> None:
    """UPDATE each changed record's changed columns only, grouped by the set of columns."""
    to_update = plan.to_update
    if to_update:
        changed = []
        for _position, _row, instance, previous in to_update:
            names = {name for name in previous if not name.startswith((PROPERTY_PREFIX, "tags"))}
            if any(name.startswith(PROPERTY_PREFIX) for name in previous):
                names.add("properties")
            changed.append((instance, tuple(sorted(names))))
        update_rows(spec.model, changed)


def _add_tags(tag_rows: list[tuple[list[str], int]]) -> None:
    """Create the tags no record has yet, then link them; tags are added, never removed."""
    if tag_rows:
        wanted = {name for tags, _ in tag_rows for name in tags}
        Tag.objects.bulk_create([Tag(name=name) for name in sorted(wanted)], ignore_conflicts=True)
        tag_ids = dict(Tag.objects.filter(name__in=wanted).values_list("name", "pk"))
        ContactTag.objects.bulk_create(
            [
                ContactTag(contact_id=record_id, tag_id=tag_ids[name])
                for tags, record_id in tag_rows
                for name in tags
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )


def upsert_contacts(
    *,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    key: str,
    mode: str,
    actor: User | None,
    source: tuple[str, int | None] = ("import", None),
    context: UpsertContext | None = None,
    dry_run: bool = False,
) -> list[RowResult]:
    """Create or update contacts from (row number, {field key: cell text}) rows, set-based; a result per row.

    `key` is "email" or "external_id"; `mode` "update", "skip" or "fill_empty". Blank cells never clear a
    value. Rows with the same key update each other in file order. `dry_run` looks everything up and
    decides every row but writes nothing. Call inside a transaction: the batch is all-or-nothing.
    """
    context = context or context_for(
        actor=actor, object_type="contact", source_type=source[0], source_id=source[1]
    )
    return _upsert(CONTACT_SPEC, rows, key, mode, context, dry_run)


def upsert_companies(
    *,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    key: str,
    mode: str,
    actor: User | None,
    source: tuple[str, int | None] = ("import", None),
    context: UpsertContext | None = None,
    dry_run: bool = False,
) -> list[RowResult]:
    """As `upsert_contacts`, for companies matched by "domain" or "external_id"."""
    context = context or context_for(
        actor=actor, object_type="company", source_type=source[0], source_id=source[1]
    )
    return _upsert(COMPANY_SPEC, rows, key, mode, context, dry_run)
