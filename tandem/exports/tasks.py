"""Thin Huey tasks for exports: they take a job id and call the engine; each is safe to run twice."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tandem.exports import engine


@db_task()
def run_export_job(job_id: int) -> None:
    """Write a queued export's file; safe to run twice (the second run finds the job leased)."""
    engine.run_export(job_id, worker=engine.default_worker())


@db_periodic_task(crontab(minute="*"))
def resume_exports() -> int:
    """Start again every background export whose worker died (its lease expired)."""
    stalled = engine.stalled_export_ids()
    for job_id in stalled:
        run_export_job(job_id)
    return len(stalled)


@db_periodic_task(crontab(minute="23"))
def expire_exports() -> tuple[int, int]:
    """Hourly: fail exports whose worker died, delete files older than TANDEM_EXPORT_DAYS (7 by default)."""
    return engine.expire_exports()
