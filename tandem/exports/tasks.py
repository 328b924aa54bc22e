from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tandem.exports import services


@db_task()
def run_export_job(job_id: int) -> None:
    """Write a queued export's file; safe to run twice (the second run finds the job already claimed)."""
    services.run_export(job_id)


@db_periodic_task(crontab(minute="23"))
def expire_exports() -> tuple[int, int]:
    """Hourly: fail exports whose worker died, delete files older than TANDEM_EXPORT_DAYS (7 by default)."""
    return services.expire_exports()
