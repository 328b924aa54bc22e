"""Telling the person who started an import (or asked for its undo) that it has finished or stopped: the
`imports.import_finished` notification. Called by the engine in the transaction that records the outcome,
and only by the runner that held the job, so a task run twice tells them once (the key says so too).

Titles name only the job's own file, which its owner saw when they uploaded it. The wording of each outcome
is here once (`finished`, `failed`, `undone`, `undo_stopped`), for the engine and the demo generator."""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse

from tandem.imports.models import ImportJob
from tandem.notifications.kinds import NotificationKind
from tandem.notifications.services import notify

logger = logging.getLogger(__name__)

KIND = NotificationKind(
    key="imports.import_finished", label="An import I started has finished or failed", email_by_default=True
)


@dataclass(frozen=True)
class Notice:
    outcome: str  # what the key says happened: "finished", "failed:<stop time>", "undone", "undo_failed"
    title: str
    body: str


def _counts(job: ImportJob) -> str:
    parts = [
        f"{job.created_count:,} created",
        f"{job.updated_count:,} updated",
        f"{job.skipped_count:,} skipped",
        f"{job.failed_count:,} failed",
    ]
    return ", ".join(parts) + "."


def finished(job: ImportJob) -> Notice:
    return Notice("finished", f"Your import of {job.original_name} has finished", _counts(job))


def failed(job: ImportJob) -> Notice:
    # A failed import may be started again and fail again: each stop is its own notice (its stop time).
    stopped = int(job.finished_at.timestamp()) if job.finished_at else 0
    return Notice(
        f"failed:{stopped}",
        f"Your import of {job.original_name} stopped before the end",
        f"{job.error_message}\n{_counts(job)} Start it again from its page: it resumes where it stopped.",
    )


def undone(job: ImportJob) -> Notice:
    return Notice(
        "undone",
        f"The undo of your import of {job.original_name} has finished",
        "The records it created are gone and the fields it changed are back as they were.",
    )


def undo_stopped(job: ImportJob) -> Notice:
    return Notice(
        "undo_failed",
        f"The undo of your import of {job.original_name} stopped",
        f"{job.error_message}\nAsk for the undo again from the import's page: it goes on where it stopped.",
    )


def url_of(job: ImportJob) -> str:
    return reverse("imports:import_detail", args=[job.pk])


def key_of(job: ImportJob, notice: Notice) -> str:
    return f"import:{job.pk}:{notice.outcome}"


def tell(user, job: ImportJob, notice: Notice) -> None:
    """Notify `user` (None: nobody, e.g. the person who started it was deleted since)."""
    if user is None:
        return
    try:
        # A savepoint: a notice that cannot be written (or whose email the backend refuses) is logged and
        # dropped; it must never roll back, and so repeat, the import's own outcome.
        with transaction.atomic():
            notify(
                user=user,
                kind=KIND.key,
                title=notice.title,
                body=notice.body,
                url=url_of(job),
                key=key_of(job, notice),
            )
    except Exception:
        logger.exception("Import %s: could not notify user %s", job.pk, user.pk)


def import_finished(job: ImportJob) -> None:
    tell(job.created_by, job, finished(job))


def import_failed(job: ImportJob) -> None:
    tell(job.created_by, job, failed(job))


def undo_finished(job: ImportJob, actor) -> None:
    tell(actor, job, undone(job))


def undo_failed(job: ImportJob, actor) -> None:
    tell(actor, job, undo_stopped(job))
