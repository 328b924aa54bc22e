"""Telling the person who asked for a background export that its file is ready, or that it failed: the
`exports.export_ready` notification. Called in the transaction that records the outcome, by the runner that
held the job only (a direct download needs no notice: the browser already has the file).

Titles name only the kind of records and the format, which the export's owner chose. The wording of each
outcome is here once (`ready`, `failed`), for the engine and the demo generator."""

import logging
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Notice:
    outcome: str  # "ready" or "failed"
    title: str
    body: str


def _what(job: ExportJob) -> str:
    return f"{job.get_object_type_display().lower()} ({job.file_format.upper()})"


def ready(job: ExportJob, *, keep_days: int) -> Notice:
    rows = job.row_count or 0
    return Notice(
        "ready",
        f"Your export of {_what(job)} is ready",
        f"{rows:,} {'row' if rows == 1 else 'rows'}. The file is kept for {keep_days} days.",
    )


def failed(job: ExportJob) -> Notice:
    return Notice("failed", f"Your export of {_what(job)} failed", job.error)


def url_of(job: ExportJob) -> str:
    return reverse("exports:export_detail", args=[job.pk])


def key_of(job: ExportJob, notice: Notice) -> str:
    return f"export:{job.pk}:{notice.outcome}"


def tell(job: ExportJob, notice: Notice) -> None:
    try:
        # A savepoint: a notice that cannot be written is logged and dropped; it must never roll back (and so
        # repeat) the export's own outcome.
        with transaction.atomic():
            notify(
                user=job.user,
                kind=KIND.key,
                title=notice.title,
                body=notice.body,
                url=url_of(job),
                key=key_of(job, notice),
            )
    except Exception:
        logger.exception("Export %s: could not notify user %s", job.pk, job.user_id)


def export_ready(job: ExportJob, *, keep_days: int) -> None:
    tell(job, ready(job, keep_days=keep_days))


def export_failed(job: ExportJob) -> None:
    tell(job, failed(job))
