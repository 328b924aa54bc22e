"""Telling the person who asked for a background export that its file is ready, or that it failed: the
`exports.export_ready` notification. Called in the transaction that records the outcome, by the runner that
held the job only (a direct download needs no notice: the browser already has the file).

Titles name only the kind of records and the format, which the export's owner chose."""

import logging

from django.db import transaction
from django.urls import reverse

from tandem.exports.models import ExportJob
from tandem.notifications.kinds import NotificationKind
from tandem.notifications.services import notify

logger = logging.getLogger(__name__)

KIND = NotificationKind(
    key="exports.export_ready",
    label="An export I asked for is ready to download, or failed",
    email_by_default=True,
)


def _tell(job: ExportJob, *, outcome: str, title: str, body: str) -> None:
    try:
        # A savepoint: a notice that cannot be written is logged and dropped; it must never roll back (and so
        # repeat) the export's own outcome.
        with transaction.atomic():
            notify(
                user=job.user,
                kind=KIND.key,
                title=title,
                body=body,
                url=reverse("exports:export_detail", args=[job.pk]),
                key=f"export:{job.pk}:{outcome}",
            )
    except Exception:
        logger.exception("Export %s: could not notify user %s", job.pk, job.user_id)


def _what(job: ExportJob) -> str:
    return f"{job.get_object_type_display().lower()} ({job.file_format.upper()})"


def export_ready(job: ExportJob, *, keep_days: int) -> None:
    rows = job.row_count or 0
    _tell(
        job,
        outcome="ready",
        title=f"Your export of {_what(job)} is ready",
        body=f"{rows:,} {'row' if rows == 1 else 'rows'}. The file is kept for {keep_days} days.",
    )


def export_failed(job: ExportJob) -> None:
    _tell(job, outcome="failed", title=f"Your export of {_what(job)} failed", body=job.error)
