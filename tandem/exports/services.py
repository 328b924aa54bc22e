"""Exports: start one (a small CSV streams at once, anything else is queued for the background, where
tandem.exports.engine writes it through its tasks). Every export is a row in ExportJob and one audit entry:
who, which filter, how many rows, which format."""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tandem.core import access
from tandem.core.access import Verb
from tandem.exports import columns as export_columns
from tandem.exports import engine, selectors, tasks, writers
from tandem.exports.models import ExportJob

logger = logging.getLogger(__name__)

# The background side lives in the engine; these names are part of this module's contract too.
export_directory = engine.export_directory
run_export = engine.run_export
expire_exports = engine.expire_exports
keep_days = engine.keep_days


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


def csv_stream(scope: selectors.ExportScope, columns: list[export_columns.ExportColumn]) -> Iterator[bytes]:
    """The CSV of a scope's records: what a direct download sends, and what the export_1m benchmark reads."""
    return writers.csv_stream(
        export_columns.headers(columns), selectors.export_chunks(scope.queryset, columns, sort=scope.sort)
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
            engine.audit_export(job, filter_labels=scope.filter_labels, request=request)
        return ExportStart(job, csv_stream(scope, columns))
    with transaction.atomic():
        job.save()
        job_id = job.pk
        transaction.on_commit(lambda: tasks.run_export_job(job_id))
    return ExportStart(job)
