"""Import writes: upload, mapping, dry run, the background run (chunked, resumable), undo, the bad-rows CSV.

The run streams the file from `processed_rows` onwards in chunks; each chunk is one transaction that writes
its records (through tandem.contacts.services.bulk), its ImportChange and ImportRowError rows and the job's
counters together, so a killed worker resumes exactly at the last commit and never imports a row twice.
"""

import csv
import io
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from tandem.contacts import properties as contact_properties
from tandem.core import access, audit, leases, spreadsheets
from tandem.core.access import Verb
from tandem.imports import engine, tasks
from tandem.imports.models import (
    KEYS_BY_OBJECT_TYPE,
    FileKind,
    ImportJob,
    ImportRowError,
    MatchKey,
    Mode,
    ObjectType,
    Status,
)

logger = logging.getLogger(__name__)

CHUNK_SIZE = engine.CHUNK_SIZE
LEASE_DURATION = engine.LEASE_DURATION
# Files up to this size are checked while the user waits; bigger ones in the background.
INLINE_DRY_RUN_BYTES = 2 * 1024 * 1024
EXAMPLES_PER_KIND = 20
UPLOAD_COPY_BLOCK = 1024 * 1024


def _readers():
    # Imported late: the reader and mapping modules are the import front's, and tests may run without them.
    from tandem.imports import readers

    return readers


def _mapping_module():
    from tandem.imports import mapping

    return mapping


def _max_upload_bytes() -> int:
    return int(getattr(settings, "TANDEM_IMPORT_MAX_BYTES", 1024 * 1024 * 1024))


def upload_directory() -> Path:
    return Path(settings.VAR_DIR) / "imports"


@transaction.atomic
def create_import(*, actor, object_type: str, uploaded_file) -> ImportJob:
    """Save the upload under VAR_DIR/imports/<uuid>, read its shape, guess the mapping; status "uploaded".

    Raises ValidationError with a sentence the user can act on (too big, unreadable, not CSV or XLSX).
    """
    if object_type not in ObjectType.values:
        raise ValidationError({"object_type": "Choose contacts or companies."})
    access.require_allowed(actor, object_type, Verb.CREATE)
    size = getattr(uploaded_file, "size", None)
    limit = _max_upload_bytes()
    if size is not None and size > limit:
        raise ValidationError({"file": f"The file is larger than {limit // (1024 * 1024):,} MB."})
    directory = upload_directory()
    directory.mkdir(parents=True, exist_ok=True)
    stored_path = directory / uuid.uuid4().hex
    written = 0
    try:
        with open(stored_path, "wb") as destination:
            chunks = (
                uploaded_file.chunks()
                if hasattr(uploaded_file, "chunks")
                else iter(lambda: uploaded_file.read(UPLOAD_COPY_BLOCK), b"")
            )
            for block in chunks:
                written += len(block)
                if written > limit:
                    raise ValidationError({"file": f"The file is larger than {limit // (1024 * 1024):,} MB."})
                destination.write(block)
        original_name = os.path.basename(str(getattr(uploaded_file, "name", "") or "upload"))[:255]
        readers = _readers()
        try:
            info = readers.inspect_file(stored_path, original_name)
        except readers.ImportFileError as error:
            raise ValidationError({"file": str(error)}) from error
    except BaseException:
        stored_path.unlink(missing_ok=True)
        raise
    definitions = list(contact_properties.definitions_for(object_type).values())
    guessed = _mapping_module().guess_mapping(list(info.headers), object_type, definitions)
    job = ImportJob.objects.create(
        created_by=actor,
        object_type=object_type,
        original_name=original_name,
        stored_path=str(stored_path),
        size_bytes=written,
        file_kind=info.kind,
        encoding=info.encoding or "",
        delimiter=info.delimiter or "",
        headers=list(info.headers),
        mapping=dict(guessed),
        key=KEYS_BY_OBJECT_TYPE[object_type][0],
        mode=Mode.UPDATE,
        status=Status.UPLOADED,
    )
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        target=job,
        event="import_uploaded",
        extra={"file": original_name, "size_bytes": written},
    )
    return job


def allowed_targets(object_type: str) -> set[str]:
    """Every field key a column may be mapped to: the bulk upsert's fields and each custom property."""
    from tandem.contacts.services import bulk

    fields = bulk.CONTACT_FIELDS if object_type == ObjectType.CONTACT else bulk.COMPANY_FIELDS
    names = contact_properties.definitions_for(object_type)
    return set(fields) | {f"{bulk.PROPERTY_PREFIX}{name}" for name in names}


@transaction.atomic
def set_mapping(*, actor, job: ImportJob, mapping: dict[str, str], key: str, mode: str) -> ImportJob:
    """Choose what each column becomes, the match key and what happens to existing records.

    A new mapping makes any earlier dry-run report stale, so the job goes back to "uploaded".
    """
    _require_owner(actor, job)
    if job.status not in (Status.UPLOADED, Status.READY, Status.DRY_RUN):
        raise ValidationError("This import has started; its mapping can no longer change.")
    errors: dict[str, str] = {}
    known = allowed_targets(job.object_type)
    cleaned: dict[str, str] = {}
    used: dict[str, str] = {}
    for raw_index, raw_target in (mapping or {}).items():
        try:
            index = int(raw_index)
        except (TypeError, ValueError):
            errors["mapping"] = f"“{str(raw_index)[:20]}” is not a column."
            continue
        if not 0 <= index < len(job.headers):
            errors["mapping"] = f"The file has no column {index + 1}."
            continue
        target = str(raw_target or "").strip()
        if not target:
            cleaned[str(index)] = ""
            continue
        if target not in known:
            errors[f"mapping.{index}"] = f"“{target[:60]}” is not a field you can import into."
            continue
        if target in used:
            errors[f"mapping.{index}"] = (
                f"“{job.headers[index]}” and “{used[target]}” are both mapped to the same field; "
                "map each field once."
            )
            continue
        used[target] = job.headers[index]
        cleaned[str(index)] = target
    if "id" in used and key != "id" and not errors:
        errors["key"] = (
            f"“{used['id']}” holds record ids, which only match records: choose Record ID as the match key, "
            "or leave that column out."
        )
    if key not in KEYS_BY_OBJECT_TYPE[job.object_type]:
        errors["key"] = "Choose how rows are matched to existing records."
    elif key not in used and not errors:
        # "record ID" for Tandem's id; the other keys by their field name, as before ("external id").
        name = "record ID" if key == MatchKey.RECORD_ID else key.replace("_", " ")
        errors["key"] = f"Map a column to {name} to match records by it."
    if mode not in Mode.values:
        errors["mode"] = "Choose what happens to records that already exist."
    if errors:
        raise ValidationError(errors)
    job.mapping = cleaned
    job.key = key
    job.mode = mode
    job.status = Status.UPLOADED
    job.dry_run_report = None
    job.save(update_fields=["mapping", "key", "mode", "status", "dry_run_report"])
    return job


def _require_owner(actor, job: ImportJob) -> None:
    """Only the user who uploaded a file (or an admin) may act on its import."""
    from tandem.imports.selectors import visible_imports

    if actor is not None and not visible_imports(actor).filter(pk=job.pk).exists():
        raise PermissionDenied("You may not change this import.")


def _check_mapped(job: ImportJob) -> None:
    if job.key not in set(job.mapping.values()):
        raise ValidationError("Map a column to the match key before checking or starting the import.")


def run_dry_run(*, actor, job: ImportJob) -> dict[str, Any]:
    """Check the whole file without writing a record; the report is stored on job.dry_run_report.

    Files up to INLINE_DRY_RUN_BYTES are checked now and the report returned; bigger ones are checked by
    a Huey task (status "dry_run" until done, then "ready") and {} is returned: the page polls the job.
    """
    _require_owner(actor, job)
    _check_mapped(job)
    if job.status not in (Status.UPLOADED, Status.READY, Status.FAILED) or job.started_at is not None:
        raise ValidationError("This import has started; there is nothing left to check.")
    updated = ImportJob.objects.filter(pk=job.pk, status=job.status).update(
        status=Status.DRY_RUN, dry_run_report=None, error_message=""
    )
    if not updated:
        raise ValidationError("This import changed meanwhile; reload the page.")
    job.status = Status.DRY_RUN
    if job.size_bytes <= INLINE_DRY_RUN_BYTES:
        report = process_dry_run(job.pk)
        job.refresh_from_db()
        return report or {}
    transaction.on_commit(lambda: tasks.run_dry_run(job.pk))
    return {}


def process_dry_run(job_id: int) -> dict[str, Any] | None:
    """The dry run's work (inline or in a task): stream the file, validate per chunk, store the report."""
    return engine.dry_run(job_id)


@transaction.atomic
def start_import(*, actor, job: ImportJob) -> ImportJob:
    """Queue the run; the task starts once this transaction commits. One audit row for the whole import."""
    _require_owner(actor, job)
    _check_mapped(job)
    # A failed import may be started again: it resumes after the last committed chunk.
    updated = ImportJob.objects.filter(
        Q(status__in=[Status.UPLOADED, Status.READY]) | Q(status=Status.FAILED, started_at__isnull=False),
        pk=job.pk,
    ).update(status=Status.QUEUED, error_message="", lease_until=None)
    if not updated:
        raise ValidationError("This import has already been started.")
    job.refresh_from_db()
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=job,
        event="import_started",
        extra={"file": job.original_name, "object_type": job.object_type, "mode": job.mode, "key": job.key},
    )
    job_id = job.pk
    transaction.on_commit(lambda: tasks.run_import(job_id))
    return job


def process_import(job_id: int, *, worker: str | None = None) -> ImportJob | None:
    """Run or resume an import to the end; returns None when another runner holds the job."""
    return engine.run(job_id, worker=worker or engine.default_worker())


@transaction.atomic
def undo_import(*, actor, job: ImportJob) -> ImportJob:
    """Remove what the import created and put back every field it changed; runs in the background.

    An undo whose runner died (its lease expired) may be asked for again: it resumes where it stopped."""
    _require_owner(actor, job)
    # Also a run whose runner died (lease expired): undo takes the job, and a late runner finds it gone.
    now = timezone.now()
    queued = leases.queue(
        ImportJob.objects.filter(
            Q(status__in=[Status.DONE, Status.FAILED])
            | Q(status=Status.RUNNING, lease_until__lt=now)
            | Q(status=Status.UNDOING, lease_until__lt=now),
            pk=job.pk,
            started_at__isnull=False,
        ),
        duration=LEASE_DURATION,
        status=Status.UNDOING,
        error_message="",
        finished_at=Coalesce(F("finished_at"), now),
    )
    if not queued:
        raise ValidationError("Only a finished, failed or stopped import can be undone, once.")
    job.refresh_from_db()
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=job,
        event="import_undone",
        extra={"file": job.original_name, "object_type": job.object_type},
    )
    job_id, actor_id = job.pk, getattr(actor, "pk", None)
    transaction.on_commit(lambda: tasks.run_undo(job_id, actor_id))
    return job


def process_undo(job_id: int, *, actor_id: int | None = None) -> ImportJob | None:
    return engine.undo(job_id, actor_id=actor_id)


def error_rows_csv(job: ImportJob) -> Iterator[str]:
    """The bad rows as CSV lines: "Row" (the row number as the spreadsheet showed it), the file's own columns,
    and "Error"; ready to fix and import again (the Row column is not imported). The first line starts with a
    UTF-8 byte order mark, without which Excel reads the file in a legacy code page.

    Cells that a spreadsheet would run as a formula get a leading quote, as in exports.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([spreadsheets.neutralise_cell(cell) for cell in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(["Row", *job.headers, "Error"])
    last_id = 0
    width = len(job.headers)
    while True:
        batch = list(
            ImportRowError.objects.filter(job=job, id__gt=last_id)
            .order_by("id")
            .values_list("id", "row_number", "values", "reason")[:1000]
        )
        if not batch:
            return
        for row_id, row_number, values, reason in batch:
            cells = list(values or [])
            cells = cells[:width] + [""] * max(0, width - len(cells))
            yield line([row_number, *cells, reason])
            last_id = row_id


def error_rows_file_name(job: ImportJob) -> str:
    """The bad-rows download's file name: the upload's name (letters, digits, - and _ only) + "-errors.csv"."""
    stem = job.original_name.rsplit(".", 1)[0] or "import"
    safe_stem = "".join(character if character.isalnum() or character in "-_" else "_" for character in stem)
    return f"{safe_stem[:80]}-errors.csv"


__all__ = [
    "CHUNK_SIZE",
    "FileKind",
    "create_import",
    "error_rows_csv",
    "process_dry_run",
    "process_import",
    "process_undo",
    "run_dry_run",
    "set_mapping",
    "start_import",
    "undo_import",
]


def resume_stalled_imports() -> int:
    """Queue a run for every import, and an undo for every undo, whose runner died or whose task was lost."""
    return tasks.resume_stalled()
