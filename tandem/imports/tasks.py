"""Thin Huey tasks for imports: they take a job id and call the engine; each is safe to run twice.

The services queue these tasks; the tasks call the engine; the engine imports neither (no import cycle).
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tandem.imports import engine


@db_task()
def run_import(job_id: int) -> None:
    """Run (or resume) an import. A second runner finds the job leased and returns at once."""
    engine.run(job_id, worker=engine.default_worker())


@db_task()
def run_dry_run(job_id: int) -> None:
    """Check a big file in the background; the page polls the job until its report is stored."""
    engine.dry_run(job_id)


@db_task()
def run_undo(job_id: int, actor_id: int | None = None) -> None:
    """Undo (or resume undoing) an import. A second runner finds the undo leased and returns at once."""
    engine.undo(job_id, actor_id=actor_id, worker=engine.default_worker())


def resume_stalled() -> int:
    """Queue a run for every import, and an undo for every undo, whose runner died or whose task was lost."""
    stalled = engine.stalled_job_ids()
    for job_id in stalled["run"]:
        run_import(job_id)
    for job_id in stalled["undo"]:
        run_undo(job_id)
    return len(stalled["run"]) + len(stalled["undo"])


@db_periodic_task(crontab(minute="*"))
def resume_imports() -> int:
    """Re-queue imports and undos whose runner died (a lease that expired) or whose task was lost."""
    return resume_stalled()
