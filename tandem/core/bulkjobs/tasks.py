"""Thin Huey tasks for bulk jobs: they take a job id and call the engine; each is safe to run twice."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tandem.core.bulkjobs import engine


@db_task()
def run_bulk_job(job_id: int) -> None:
    """Run (or resume) a bulk job. A second runner finds the job leased and returns at once."""
    engine.run(job_id, worker=engine.default_worker())


def resume_stalled() -> int:
    """Queue a run for every bulk job whose runner died or whose task was lost."""
    stalled = engine.stalled_job_ids()
    for job_id in stalled:
        run_bulk_job(job_id)
    return len(stalled)


@db_periodic_task(crontab(minute="*"))
def resume_bulk_jobs() -> int:
    """Re-queue bulk jobs whose runner died (a lease that expired) or whose task was lost."""
    return resume_stalled()
