from huey.contrib.djhuey import db_task

from tandem.exports import services


@db_task()
def run_export_job(job_id: int) -> None:
    """Write a queued export's file; safe to run twice (the second run finds the job already claimed)."""
    services.run_export(job_id)
