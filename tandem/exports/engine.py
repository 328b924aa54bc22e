"""The background side of exports: write a queued export's file under a lease, re-queue an export whose
worker died, and the housekeeping. The services queue tasks, the tasks call this module, and this module
imports neither (no import cycle).
"""

import datetime
import logging
import os
import secrets
import socket
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tandem.core import audit, leases
from tandem.exports import columns as export_columns
from tandem.exports import notices, selectors, writers
from tandem.exports.models import ExportJob

logger = logging.getLogger(__name__)

# A background export still "running" this long after it started, with no lease (started before exports had
# leases), lost its worker: it is marked failed.
STALE_AFTER = datetime.timedelta(hours=2)
# A runner renews its lease after every chunk it writes; a lease this old belongs to a dead runner.
LEASE_DURATION = datetime.timedelta(minutes=5)
# Files are deleted this many days after they were made (exports hold personal data; they are not archives).
DEFAULT_KEEP_DAYS = 7

SHEET_TITLES = {ExportJob.ObjectType.CONTACT: "Contacts", ExportJob.ObjectType.COMPANY: "Companies"}


class LeaseLost(Exception):
    """Another runner took the export over (this one was presumed dead): stop, leave the file to it."""


def export_directory() -> Path:
    directory = Path(settings.VAR_DIR) / "exports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def default_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def audit_export(job: ExportJob, *, filter_labels: list[str], request=None) -> None:
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


def run_export(job_id: int, *, worker: str = "") -> ExportJob | None:
    """Write a queued export's file (in the background). Claims the job first, so a second run of the same
    task does nothing; the file is written under a temporary name and renamed when complete, so a half
    file is never offered for download. Returns None when the job was not waiting."""
    worker = worker or default_worker()
    # Queued, or running under a lease that expired (its worker died): the file is written again from the
    # start, under a new name, so the dead runner's half file is never offered.
    claimed = leases.claim(
        ExportJob.objects.filter(pk=job_id, status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING]),
        worker=worker,
        duration=LEASE_DURATION,
        status=ExportJob.Status.RUNNING,
        started_at=timezone.now(),
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
            if not leases.renew(
                ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING),
                worker=worker,
                duration=LEASE_DURATION,
                processed_rows=rows,
            ):
                raise LeaseLost

        headers = export_columns.headers(columns)
        chunks = selectors.export_chunks(scope.queryset, columns, sort=scope.sort)
        if job.file_format == ExportJob.Format.XLSX:
            written = writers.write_xlsx(partial, SHEET_TITLES[job.object_type], headers, chunks, progress)
        else:
            written = writers.write_csv(partial, headers, chunks, progress)
        os.replace(partial, final)
    except LeaseLost:
        logger.warning("Export %s: lease lost to another runner; stopping.", job.pk)
        partial.unlink(missing_ok=True)
        return None
    except Exception as error:
        logger.exception("Export %s failed", job.pk)
        partial.unlink(missing_ok=True)
        # The outcome and its notice in one transaction, by the runner that still held the job only.
        with transaction.atomic():
            released = leases.release(
                ExportJob.objects.filter(pk=job.pk),
                worker=worker,
                status=ExportJob.Status.FAILED,
                error=f"The export stopped with an error: {type(error).__name__}. Try again, or ask an admin.",
                finished_at=timezone.now(),
            )
            job.refresh_from_db()
            if released:
                notices.export_failed(job)
        return job
    with transaction.atomic():
        finished = leases.release(
            ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING),
            worker=worker,
            status=ExportJob.Status.FINISHED,
            row_count=written,
            processed_rows=written,
            file_name=file_name,
            finished_at=timezone.now(),
        )
        if finished:
            job.refresh_from_db()
            audit_export(job, filter_labels=scope.filter_labels)
            notices.export_ready(job, keep_days=keep_days())
    if not finished:  # taken over at the very end: the other runner writes (and audits) its own file
        final.unlink(missing_ok=True)
        return None
    return job


def keep_days() -> int:
    return int(getattr(settings, "TANDEM_EXPORT_DAYS", DEFAULT_KEEP_DAYS))


def stalled_export_ids() -> list[int]:
    """Background exports whose runner died (lease expired): the sweep queues each again."""
    return list(
        leases.stale(ExportJob.objects.filter(status=ExportJob.Status.RUNNING)).values_list("pk", flat=True)
    )


def expire_exports(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """Housekeeping: mark exports whose worker died as failed, and delete files older than keep_days().

    Returns (jobs marked failed, files deleted). The job rows stay, as the record of who exported what.
    """
    now = now or timezone.now()
    stale_jobs = ExportJob.objects.filter(
        status=ExportJob.Status.RUNNING, lease_until__isnull=True, started_at__lt=now - STALE_AFTER
    )
    stale_ids = list(stale_jobs.values_list("pk", flat=True))
    with transaction.atomic():
        stale = stale_jobs.filter(pk__in=stale_ids).update(
            status=ExportJob.Status.FAILED,
            error="The export stopped before it finished (its worker was restarted). Start it again.",
            finished_at=now,
        )
        # Those this sweep failed (a runner may have claimed one between the two statements).
        for job in ExportJob.objects.filter(
            pk__in=stale_ids, status=ExportJob.Status.FAILED, finished_at=now
        ):
            notices.export_failed(job)
    deleted = 0
    old = ExportJob.objects.filter(
        status=ExportJob.Status.FINISHED, created_at__lt=now - datetime.timedelta(days=keep_days())
    ).exclude(file_name="")
    for job in old.only("pk", "file_name", "status").iterator():
        (export_directory() / Path(job.file_name).name).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(file_name="")
        deleted += 1
    return stale, deleted
