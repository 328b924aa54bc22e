"""Thin Huey tasks for imports: they take a job id and call one service; each is safe to run twice."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tandem.imports import services


@db_task()
def run_import(job_id: int) -> None:
    """Run (or resume) an import. A second runner finds the job leased and returns at once."""
    services.process_import(job_id)


@db_task()
def run_dry_run(job_id: int) -> None:
    """Check a big file in the background; the page polls the job until its report is stored."""
    services.process_dry_run(job_id)


@db_task()
def run_undo(job_id: int, actor_id: int | None = None) -> None:
    services.process_undo(job_id, actor_id=actor_id)


@db_periodic_task(crontab(minute="*/5"))
def resume_imports() -> int:
    """Re-queue imports whose runner died (a lease that expired while running) or whose task was lost."""
    return services.resume_stalled_imports()
