"""Telling the person who started an import (or asked for its undo) that it has finished or stopped: the
`imports.import_finished` notification. Called by the engine in the transaction that records the outcome,
and only by the runner that held the job, so a task run twice tells them once (the key says so too).

Titles name only the job's own file, which its owner saw when they uploaded it."""

import logging

from django.db import transaction
from django.urls import reverse

from tandem.imports.models import ImportJob
from tandem.notifications.kinds import NotificationKind
from tandem.notifications.services import notify

logger = logging.getLogger(__name__)

KIND = NotificationKind(
    key="imports.import_finished", label="An import I started has finished or failed", email_by_default=True
)


def _counts(job: ImportJob) -> str:
    parts = [
        f"{job.created_count:,} created",
        f"{job.updated_count:,} updated",
        f"{job.skipped_count:,} skipped",
        f"{job.failed_count:,} failed",
    ]
    return ", ".join(parts) + "."


def _tell(user, job: ImportJob, *, outcome: str, title: str, body: str) -> None:
    if user is None:  # the person who started it was deleted since
        return
    try:
        # A savepoint: a notice that cannot be written (or whose email the backend refuses) is logged and
        # dropped; it must never roll back, and so repeat, the import's own outcome.
        with transaction.atomic():
            notify(
                user=user,
                kind=KIND.key,
                title=title,
                body=body,
                url=reverse("imports:import_detail", args=[job.pk]),
                key=f"import:{job.pk}:{outcome}",
            )
    except Exception:
        logger.exception("Import %s: could not notify user %s", job.pk, user.pk)


def import_finished(job: ImportJob) -> None:
    _tell(
        job.created_by,
        job,
        outcome="finished",
        title=f"Your import of {job.original_name} has finished",
        body=_counts(job),
    )


def import_failed(job: ImportJob) -> None:
    # A failed import may be started again and fail again: each stop is its own notice (its stop time).
    stopped = int(job.finished_at.timestamp()) if job.finished_at else 0
    _tell(
        job.created_by,
        job,
        outcome=f"failed:{stopped}",
        title=f"Your import of {job.original_name} stopped before the end",
        body=f"{job.error_message}\n{_counts(job)} Start it again from its page: it resumes where it stopped.",
    )


def undo_finished(job: ImportJob, actor) -> None:
    _tell(
        actor,
        job,
        outcome="undone",
        title=f"The undo of your import of {job.original_name} has finished",
        body="The records it created are gone and the fields it changed are back as they were.",
    )


def undo_failed(job: ImportJob, actor) -> None:
    _tell(
        actor,
        job,
        outcome="undo_failed",
        title=f"The undo of your import of {job.original_name} stopped",
        body=f"{job.error_message}\nAsk for the undo again from the import's page: it goes on where it stopped.",
    )
