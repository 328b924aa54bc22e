from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tandem.core import events


@db_task()
def deliver_events() -> int:
    """Drain the outbox after a commit that published: until empty, or for events.DRAIN_TIME_BUDGET."""
    return events.drain()


@db_periodic_task(crontab(minute="*"))
def sweep_events() -> int:
    """Catch events whose after-commit delivery was lost (worker down, handler failed, budget spent)."""
    return events.drain()
