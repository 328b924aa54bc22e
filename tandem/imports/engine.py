"""The import's background work: the dry run, the chunked resumable run, and undo.

Each chunk of the run is one transaction holding the records' writes, the ImportChange and ImportRowError
rows and the job's counters and resume point (`processed_rows`). A killed runner therefore leaves the job
at the last committed chunk; the next runner (after the lease expires, or an operator's take-over) reads
the file again from that row and no row is imported twice.

Duplicate keys inside the file: the later row updates the record the earlier row created or updated (as a
second import of that row would), and the dry run reports them as duplicates inside the file.
"""

import itertools
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from tandem.contacts.models import Company
from tandem.contacts.services import bulk
from tandem.core import leases, spreadsheets
from tandem.core.models import User
from tandem.imports import notices
from tandem.imports.models import (
    ImportChange,
    ImportCreatedCompany,
    ImportJob,
    ImportRowError,
    ObjectType,
    Status,
)

logger = logging.getLogger(__name__)

CHUNK_SIZE = 2_000
UNDO_BATCH_SIZE = 2_000
EXAMPLES_PER_KIND = 20
# A runner renews its lease after every chunk; a lease this old belongs to a dead runner.
LEASE_DURATION = timedelta(minutes=5)


class LeaseLost(Exception):
    """Another runner took the job over (ours was presumed dead); stop without writing."""


def _readers():
    from tandem.imports import readers

    return readers


def _chunks(iterator: Iterator, size: int) -> Iterator[list]:
    while True:
        chunk = list(itertools.islice(iterator, size))
        if not chunk:
            return
        yield chunk


def _rows(job: ImportJob, start: int = 0) -> Iterator[tuple[int, list[str]]]:
    """The file's data rows from the `start`-th on (0-based), each as (row number, cells)."""
    rows = _readers().iter_rows(
        job.stored_path, kind=job.file_kind, encoding=job.encoding, delimiter=job.delimiter
    )
    return itertools.islice(rows, start, None)


def _mapped(job: ImportJob, chunk: list[tuple[int, list[str]]]) -> list[tuple[int, dict[str, str]]]:
    """Each row as {target field: cell}. In a file Tandem exported, a cell the export neutralised against
    formulas ("'=x") is read as what it was ("=x"): the quote was the export's, not the person's. In any
    other file a cell is taken as written, as the form and the API take it."""
    columns = [(int(index), target) for index, target in job.mapping.items() if target]
    if _mapping_module().is_tandem_export(job.headers):
        unneutralise = spreadsheets.unneutralise
        return [
            (
                row_number,
                {
                    target: unneutralise(cells[index]) if index < len(cells) else ""
                    for index, target in columns
                },
            )
            for row_number, cells in chunk
        ]
    return [
        (row_number, {target: cells[index] if index < len(cells) else "" for index, target in columns})
        for row_number, cells in chunk
    ]


def _mapping_module():
    from tandem.imports import mapping

    return mapping


def _upsert(job: ImportJob, context, rows, *, dry_run: bool) -> list[bulk.RowResult]:
    function = bulk.upsert_contacts if job.object_type == ObjectType.CONTACT else bulk.upsert_companies
    return function(
        rows=rows, key=job.key, mode=job.mode, actor=job.created_by, context=context, dry_run=dry_run
    )


def _context(job: ImportJob):
    return bulk.context_for(
        actor=job.created_by, object_type=job.object_type, source_type="import", source_id=job.pk
    )


# ------------------------------------------------------------------------------------------------ dry run


def _empty_report() -> dict[str, Any]:
    report: dict[str, Any] = {
        "total_rows": 0,
        "to_create": 0,
        "to_update": 0,
        "to_skip": 0,
        "invalid_rows": 0,
        "duplicates_in_file": 0,
        "matches_in_database": 0,
        "companies_to_create": 0,
        "rows_linked_to_companies": 0,
    }
    # What the updates will change: how many records per field, and a sample of rows with old -> new.
    report["fields_to_change"] = {}
    report["update_samples"] = []
    for problem in (
        bulk.Problem.INVALID_EMAIL,
        bulk.Problem.BAD_PHONE,
        bulk.Problem.MISSING_KEY,
        bulk.Problem.INVALID,
        bulk.Problem.DENIED,
        bulk.Problem.CONFLICT,
    ):
        report[problem] = 0
    report["examples"] = {}
    return report


def _example(report: dict[str, Any], kind: str, row_number: int, reason: str) -> None:
    examples = report["examples"].setdefault(kind, [])
    if len(examples) < EXAMPLES_PER_KIND:
        examples.append({"row": row_number, "reason": reason})


def dry_run(job_id: int) -> dict[str, Any] | None:
    """Decide every row without writing one; store the report on the job and mark it "ready".

    Streams the file; each chunk is validated and looked up set-based (the same code as the run, with
    `dry_run=True`). Keys seen earlier in the file are kept as 64-bit hashes (~40 MB at a million rows).
    """
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id, status=Status.DRY_RUN).first()
    if job is None:
        return None
    report = _empty_report()
    seen: set[int] = set()
    new_companies: set[str] = set()
    context = _context(job)
    try:
        for chunk in _chunks(_rows(job), CHUNK_SIZE):
            rows = _mapped(job, chunk)
            with transaction.atomic():
                results = _upsert(job, context, rows, dry_run=True)
            keys = _keys(job, rows)
            for result, key_value in zip(results, keys, strict=True):
                report["total_rows"] += 1
                if result.outcome == bulk.Outcome.FAILED:
                    report["invalid_rows"] += 1
                    report[result.problem] += 1
                    _example(report, result.problem, result.row_number, result.reason)
                    continue
                if result.company_action:
                    report["rows_linked_to_companies"] += 1
                    if result.company_action == "created":
                        new_companies.add(result.company_key)
                        report["companies_to_create"] = len(new_companies)
                fingerprint = hash(key_value)
                duplicate = fingerprint in seen
                seen.add(fingerprint)
                if duplicate:
                    report["duplicates_in_file"] += 1
                    _example(
                        report,
                        "duplicates_in_file",
                        result.row_number,
                        f"The same {job.key.replace('_', ' ')} as an earlier row ({key_value}); "
                        "this row updates that one.",
                    )
                if duplicate:
                    # A repeat of an earlier row is a duplicate in the file, not another record to update.
                    continue
                if result.matched:
                    report["matches_in_database"] += 1
                if result.outcome == bulk.Outcome.CREATED:
                    report["to_create"] += 1
                elif result.outcome == bulk.Outcome.SKIPPED:
                    report["to_skip"] += 1
                else:
                    report["to_update"] += 1
                    _note_changes(report, result)
    except _readers().ImportFileError as error:
        ImportJob.objects.filter(pk=job.pk).update(status=Status.FAILED, error_message=str(error))
        return None
    except Exception as error:
        # Never leave the page polling a check that is no longer running.
        logger.exception("Dry run of import %s failed", job_id)
        ImportJob.objects.filter(pk=job.pk).update(
            status=Status.FAILED, error_message=f"The check stopped: {error}"[:2000]
        )
        return None
    _name_related(report)
    ImportJob.objects.filter(pk=job.pk, status=Status.DRY_RUN).update(
        status=Status.READY, dry_run_report=report, total_rows=report["total_rows"]
    )
    return report


def _note_changes(report: dict[str, Any], result) -> None:
    for name in result.changes:
        report["fields_to_change"][name] = report["fields_to_change"].get(name, 0) + 1
    if result.changes and len(report["update_samples"]) < EXAMPLES_PER_KIND:
        report["update_samples"].append(
            {
                "row": result.row_number,
                "changes": {name: [_shown(old), _shown(new)] for name, (old, new) in result.changes.items()},
            }
        )


# Foreign keys the upsert writes as a column ("company_id"), reported under the field's name with the related
# record's id and name, so a reader sees "Acme" and a program still gets the id.
RELATED_COLUMNS = {"company_id": "company", "owner_id": "owner"}


def _name_related(report: dict[str, Any]) -> None:
    """Rename the report's foreign-key columns to their field and give each value as {id, name}: one query
    per related model for all the samples (at most EXAMPLES_PER_KIND rows), never one per row."""
    ids: dict[str, set[int]] = {column: set() for column in RELATED_COLUMNS}
    for sample in report["update_samples"]:
        for column in RELATED_COLUMNS:
            ids[column].update(value for value in sample["changes"].get(column, []) if isinstance(value, int))
    names = {
        "company_id": dict(Company.objects.filter(pk__in=ids["company_id"]).values_list("pk", "name")),
        "owner_id": {user.pk: user.display_name for user in User.objects.filter(pk__in=ids["owner_id"])},
    }
    for column, field in RELATED_COLUMNS.items():
        if column in report["fields_to_change"]:
            report["fields_to_change"][field] = report["fields_to_change"].pop(column)
        for sample in report["update_samples"]:
            if column in sample["changes"]:
                sample["changes"][field] = [
                    {"id": value, "name": names[column].get(value, "")} if isinstance(value, int) else None
                    for value in sample["changes"].pop(column)
                ]


def _shown(value: Any) -> Any:
    """A value as the report (JSON) keeps it: text, numbers, lists of text, or None."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return str(value)


def _keys(job: ImportJob, rows: list[tuple[int, dict[str, str]]]) -> list[str]:
    """Each row's match key as the upsert compares it (approximately: trimmed; addresses and domains
    lower-cased, external ids as written)."""
    case_insensitive = job.key in ("email", "domain")
    keys = [str(values.get(job.key) or "").strip() for _, values in rows]
    return [key.lower() for key in keys] if case_insensitive else keys


# ---------------------------------------------------------------------------------------------------- run


def claim(job_id: int, worker: str, *, take_over: bool = False) -> bool:
    """Take the job for this runner with one conditional UPDATE: queued, or running under a stale lease (or
    under this worker's own name). `take_over` ignores the lease: an operator says the old runner is dead."""
    return leases.claim(
        ImportJob.objects.filter(Q(status=Status.QUEUED) | Q(status=Status.RUNNING), pk=job_id),
        worker=worker,
        duration=LEASE_DURATION,
        take_over=take_over,
        status=Status.RUNNING,
        started_at=Coalesce(F("started_at"), timezone.now()),
    )


def stalled_job_ids() -> dict[str, list[int]]:
    """Runs and undos whose runner died (lease expired) or whose task was lost: {"run": ids, "undo": ids}."""
    now = timezone.now()
    runs = ImportJob.objects.filter(
        Q(status=Status.RUNNING, lease_until__lt=now)
        | Q(status=Status.QUEUED, lease_until__isnull=True, created_at__lt=now - LEASE_DURATION)
        | Q(status=Status.QUEUED, lease_until__lt=now)
    )
    undos = leases.stale(ImportJob.objects.filter(status=Status.UNDOING))
    return {
        "run": list(runs.values_list("pk", flat=True)),
        "undo": list(undos.values_list("pk", flat=True)),
    }


def _count_rows(job: ImportJob) -> int:
    return sum(1 for _ in _rows(job))


def run(job_id: int, *, worker: str, take_over: bool = False) -> ImportJob | None:
    if not claim(job_id, worker, take_over=take_over):
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        if not job.total_rows:
            job.total_rows = _count_rows(job)
            ImportJob.objects.filter(pk=job.pk).update(total_rows=job.total_rows)
        context = _context(job)
        for chunk in _chunks(_rows(job, job.processed_rows), CHUNK_SIZE):
            _run_chunk(job, context, chunk, worker)
    except LeaseLost:
        logger.warning("Import %s: lease lost to another runner; stopping.", job_id)
        return None
    except Exception as error:
        logger.exception("Import %s failed", job_id)
        # The outcome and its notice in one transaction, by the runner that still held the job only.
        with transaction.atomic():
            released = leases.release(
                ImportJob.objects.filter(pk=job.pk),
                worker=worker,
                status=Status.FAILED,
                error_message=f"The import stopped: {error}"[:2000],
                finished_at=timezone.now(),
            )
            job.refresh_from_db()
            if released:
                notices.import_failed(job)
        return job
    with transaction.atomic():
        released = leases.release(
            ImportJob.objects.filter(pk=job.pk), worker=worker, status=Status.DONE, finished_at=timezone.now()
        )
        job.refresh_from_db()
        if released:
            notices.import_finished(job)
    return job


@transaction.atomic
def _run_chunk(job: ImportJob, context, chunk: list[tuple[int, list[str]]], worker: str) -> None:
    # Renew the lease and check it is still ours, in the chunk's own transaction: a runner whose lease
    # was taken over cannot commit a chunk the new runner will also import.
    renewed = leases.renew(
        ImportJob.objects.filter(pk=job.pk, status=Status.RUNNING), worker=worker, duration=LEASE_DURATION
    )
    if not renewed:
        raise LeaseLost
    # The resume point as committed: a chunk already counted by someone else is never done twice.
    committed = ImportJob.objects.filter(pk=job.pk).values_list("processed_rows", flat=True).get()
    if committed != job.processed_rows:
        raise LeaseLost
    results = _upsert(job, context, _mapped(job, chunk), dry_run=False)
    cells_by_row = dict(chunk)
    # record id -> [created, previous values]; a record touched twice keeps the values from before the first.
    changes: dict[int, list] = {}
    errors: list[tuple] = []
    counts = {outcome: 0 for outcome in (bulk.Outcome.CREATED, bulk.Outcome.UPDATED, bulk.Outcome.SKIPPED)}
    failed = 0
    for result in results:
        if result.outcome == bulk.Outcome.FAILED:
            failed += 1
            errors.append((job.pk, result.row_number, result.reason, cells_by_row[result.row_number]))
            continue
        counts[result.outcome] += 1
        if result.outcome == bulk.Outcome.SKIPPED:
            continue
        change = changes.get(result.object_id)
        if change is None:
            changes[result.object_id] = [result.outcome == bulk.Outcome.CREATED, dict(result.previous)]
        else:
            change[1] = {**result.previous, **change[1]}
    _merge_earlier_changes(job, changes)
    bulk.insert_rows(
        ImportChange,
        ("job_id", "object_id", "created", "previous"),
        [(job.pk, object_id, created, previous) for object_id, (created, previous) in changes.items()],
    )
    bulk.insert_rows(ImportRowError, ("job_id", "row_number", "reason", "values"), errors)
    # Companies created for rows naming a new one: kept with the job so that undo can remove them.
    bulk.insert_rows(
        ImportCreatedCompany, ("job_id", "company_id"), [(job.pk, pk) for pk in context.created_company_ids]
    )
    context.created_company_ids.clear()
    ImportJob.objects.filter(pk=job.pk).update(
        processed_rows=F("processed_rows") + len(chunk),
        created_count=F("created_count") + counts[bulk.Outcome.CREATED],
        updated_count=F("updated_count") + counts[bulk.Outcome.UPDATED],
        skipped_count=F("skipped_count") + counts[bulk.Outcome.SKIPPED],
        failed_count=F("failed_count") + failed,
    )
    job.processed_rows += len(chunk)


def _merge_earlier_changes(job: ImportJob, changes: dict[int, list]) -> None:
    """A record this import touched in an earlier chunk keeps that chunk's ImportChange (the state before the
    import); fields changed only now are added to it. The chunk's own entries for such records are dropped."""
    if not changes:
        return
    earlier = list(ImportChange.objects.filter(job=job, object_id__in=list(changes)))
    for change in earlier:
        _created, previous = changes.pop(change.object_id)
        if change.created:
            continue
        merged = {**previous, **change.previous}
        if merged != change.previous:
            change.previous = merged
            change.save(update_fields=["previous"])


# --------------------------------------------------------------------------------------------------- undo


def undo(
    job_id: int, *, actor_id: int | None = None, worker: str = "", take_over: bool = False
) -> ImportJob | None:
    """Put back what the import changed, batch by batch, under a lease as the run does; each batch's
    ImportChange rows are deleted with it, so an undo whose runner died resumes where it stopped (the sweep
    re-queues it once its lease expires). Returns None when another runner holds the undo."""
    worker = worker or default_worker()
    if not leases.claim(
        ImportJob.objects.filter(pk=job_id, status=Status.UNDOING),
        worker=worker,
        duration=LEASE_DURATION,
        take_over=take_over,
    ):
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    # The timeline names who undid it (the audit row too); without one, the user who ran the import.
    actor = User.objects.filter(pk=actor_id).first() if actor_id else job.created_by
    try:
        _undo_batches(job, actor, worker)
    except LeaseLost:
        logger.warning("Undo of import %s: lease lost to another runner; stopping.", job_id)
        return None
    except Exception as error:
        # E.g. a restored address another contact has taken since: say so; the rest can be undone again.
        logger.exception("Undo of import %s stopped", job_id)
        with transaction.atomic():
            released = leases.release(
                ImportJob.objects.filter(pk=job.pk, status=Status.UNDOING),
                worker=worker,
                status=Status.FAILED,
                error_message=f"The undo stopped: {error}"[:2000],
            )
            job.refresh_from_db()
            if released:
                notices.undo_failed(job, actor)
        return job
    with transaction.atomic():
        released = leases.release(
            ImportJob.objects.filter(pk=job.pk), worker=worker, status=Status.UNDONE, undone_at=timezone.now()
        )
        job.refresh_from_db()
        if released:
            notices.undo_finished(job, actor)
    return job


def default_worker() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def _undo_batches(job: ImportJob, actor, worker: str) -> None:
    while True:
        with transaction.atomic():
            # As a run's chunk: a runner whose lease was taken over commits nothing more.
            if not leases.renew(
                ImportJob.objects.filter(pk=job.pk, status=Status.UNDOING),
                worker=worker,
                duration=LEASE_DURATION,
            ):
                raise LeaseLost
            batch = list(
                ImportChange.objects.filter(job=job)
                .order_by("id")
                .values_list("id", "object_id", "created", "previous")[:UNDO_BATCH_SIZE]
            )
            if not batch:
                _remove_created_companies(job)
                return
            bulk.restore_records(
                object_type=job.object_type,
                changes=[(object_id, created, previous) for _, object_id, created, previous in batch],
                actor=actor,
                source=("import", job.pk),
            )
            ImportChange.objects.filter(id__in=[row[0] for row in batch]).delete()


def _remove_created_companies(job: ImportJob) -> None:
    """The companies the import created, once its contacts are gone: deleted unless a contact is linked to
    one now (someone chose it since). Runs in the undo's last transaction, so a resumed undo does it once."""
    from tandem.contacts.models import Company

    company_ids = list(ImportCreatedCompany.objects.filter(job=job).values_list("company_id", flat=True))
    if company_ids:
        Company.objects.filter(pk__in=company_ids, contacts__isnull=True).delete()
        ImportCreatedCompany.objects.filter(job=job).delete()
