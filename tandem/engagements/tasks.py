from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tandem.engagements import services


@db_periodic_task(crontab(minute="*/15"))
def send_task_reminders() -> int:
    """Remind assignees of tasks due today or overdue: once per task and due date, however often it runs."""
    return services.send_due_reminders()
