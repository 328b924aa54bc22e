"""Exports: start one (a small CSV streams at once, anything else is prepared in the background) and run
the background ones. Every export is a row in ExportJob and one audit entry: who, which filter, how many
rows, which format."""

import datetime
import logging
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.exports import columns as export_columns
from tandem.exports import selectors, writers
from tandem.exports.models import ExportJob

logger = logging.getLogger(__name__)

# A background export still "running" this long after it started lost its worker (restart, kill).
STALE_AFTER = datetime.timedelta(hours=2)
# Files are deleted this many days after they were made (exports hold personal data; they are not archives).
DEFAULT_KEEP_DAYS = 7

SHEET_TITLES = {ExportJob.ObjectType.CONTACT: "Contacts", ExportJob.ObjectType.COMPANY: "Companies"}


def export_directory() -> Path:
    directory = Path(settings.VAR_DIR) / "exports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def download_name(job: ExportJob) -> str:
    """The name the browser saves the file under, e.g. contacts-2026-11-28.csv."""
    plural = "contacts" if job.object_type == ExportJob.ObjectType.CONTACT else "companies"
    return f"{plural}-{timezone.localdate(job.created_at):%Y-%m-%d}.{job.file_format}"


def file_path(job: ExportJob) -> Path | None:
    if not job.has_file:
        return None
    return export_directory() / Path(job.file_name).name


@dataclass
class ExportStart:
    """What starting an export gave: the job, and for a small CSV the file's bytes to stream at once."""

    job: ExportJob
    stream: Iterator[bytes] | None = None


def _audit(job: ExportJob, *, filter_labels: list[str], request=None) -> None:
    audit.record(
        actor=job.user,
        action=audit.Action.ACCESS,
        target=job,
        event="export",
        request=request,
        extra={
            "object_type": job.object_type,
            "query": job.query,
            "filters": filter_labels,
            "columns": job.columns,
            "rows": job.row_count,
            "format": job.file_format,
        },
    )


def csv_stream(scope: selectors.ExportScope, columns: list[export_columns.ExportColumn]) -> Iterator[bytes]:
    """The CSV of a scope's records: what a direct download sends, and what the export_1m benchmark reads."""
    return writers.csv_stream(
        export_columns.headers(columns), selectors.export_chunks(scope.queryset, columns)
    )


def start_export(
    *,
    actor,
    object_type: str,
    query: str,
    column_keys: list[str],
    file_format: str,
    request=None,
    stream_small_csv: bool = True,
) -> ExportStart:
    """Export the records of `object_type` that `actor` may see and that match the list query `query`.

    A CSV of up to DIRECT_DOWNLOAD_LIMIT rows comes back as a byte stream (read chunk by chunk as the
    response is sent); anything larger, and every XLSX, is queued and the job returned. Raises
    PermissionDenied if the role may not view the type, ValidationError for an unknown type or format.
    With stream_small_csv=False every export is queued (the API: a client polls the job, then downloads).
    """
    if object_type not in ExportJob.ObjectType.values:
        raise ValidationError("Only contacts and companies can be exported.")
    if file_format not in ExportJob.Format.values:
        raise ValidationError("Choose CSV or XLSX.")
    access.require_allowed(actor, object_type, Verb.VIEW)
    query = query[:4000]
    scope = selectors.export_scope(actor, object_type, query)
    columns = export_columns.choose(object_type, column_keys, scope.definitions)
    count, capped = selectors.capped_count(scope)
    now = timezone.now()
    job = ExportJob(
        user=actor, object_type=object_type, query=query, columns=[column.key for column in columns],
        file_format=file_format, created_at=now,
    )  # fmt: skip
    if stream_small_csv and file_format == ExportJob.Format.CSV and not capped:
        job.delivery = ExportJob.Delivery.DOWNLOAD
        job.status = ExportJob.Status.FINISHED
        job.row_count = job.processed_rows = count
        job.started_at = job.finished_at = now
        with transaction.atomic():
            job.save()
            _audit(job, filter_labels=scope.filter_labels, request=request)
        return ExportStart(job, csv_stream(scope, columns))
    with transaction.atomic():
        job.save()
        from tandem.exports import tasks

        job_id = job.pk
        transaction.on_commit(lambda: tasks.run_export_job(job_id))
    return ExportStart(job)


def run_export(job_id: int) -> ExportJob | None:
    """Write a queued export's file (in the background). Claims the job first, so a second run of the same
    task does nothing; the file is written under a temporary name and renamed when complete, so a half
    file is never offered for download. Returns None when the job was not waiting."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    file_name = f"{job.object_type}-{job.pk}-{secrets.token_hex(8)}.{job.file_format}"
    final = export_directory() / file_name
    partial = final.with_name(file_name + ".partial")
    try:
        scope = selectors.export_scope(job.user, job.object_type, job.query)
        columns = export_columns.choose(job.object_type, job.columns, scope.definitions)
        # One count so the progress bar has an end; the file's real row count replaces it when done.
        ExportJob.objects.filter(pk=job.pk).update(row_count=scope.queryset.count())

        def progress(rows: int) -> None:
            ExportJob.objects.filter(pk=job.pk).update(processed_rows=rows)

        headers = export_columns.headers(columns)
        chunks = selectors.export_chunks(scope.queryset, columns)
        if job.file_format == ExportJob.Format.XLSX:
            written = writers.write_xlsx(partial, SHEET_TITLES[job.object_type], headers, chunks, progress)
        else:
            written = writers.write_csv(partial, headers, chunks, progress)
        os.replace(partial, final)
    except Exception as error:
        logger.exception("Export %s failed", job.pk)
        partial.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            error=f"The export stopped with an error: {type(error).__name__}. Try again, or ask an admin.",
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
        return job
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.FINISHED,
        row_count=written,
        processed_rows=written,
        file_name=file_name,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    _audit(job, filter_labels=scope.filter_labels)
    return job


def keep_days() -> int:
    return int(getattr(settings, "TANDEM_EXPORT_DAYS", DEFAULT_KEEP_DAYS))


def expire_exports(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """Housekeeping: mark exports whose worker died as failed, and delete files older than keep_days().

    Returns (jobs marked failed, files deleted). The job rows stay, as the record of who exported what.
    """
    now = now or timezone.now()
    stale = ExportJob.objects.filter(
        status=ExportJob.Status.RUNNING, started_at__lt=now - STALE_AFTER
    ).update(
        status=ExportJob.Status.FAILED,
        error="The export stopped before it finished (its worker was restarted). Start it again.",
        finished_at=now,
    )
    deleted = 0
    old = ExportJob.objects.filter(
        status=ExportJob.Status.FINISHED, created_at__lt=now - datetime.timedelta(days=keep_days())
    ).exclude(file_name="")
    for job in old.only("pk", "file_name", "status").iterator():
        (export_directory() / Path(job.file_name).name).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(file_name="")
        deleted += 1
    return stale, deleted
