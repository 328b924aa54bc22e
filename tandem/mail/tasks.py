"""Thin Huey tasks for mail delivery: they take no row data, only "deliver what is due now".

`deliver_mail` is queued after each commit that wrote a message (tandem.mail.services.ledger); the periodic
`deliver_due_mail` catches the rest every minute: scheduled sends, retries after their backoff, and rows a
dead worker held. Two runs at once are safe: each claims its own rows.
"""

from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tandem.mail.delivery import deliver_due

# A run stops after this long and leaves the rest to the next one, so it never outlives the next minute's.
TIME_BUDGET = timedelta(seconds=50)


@db_task()
def deliver_mail() -> int:
    """Deliver the mail that is due; returns how many messages were handled."""
    return deliver_due(time_budget=TIME_BUDGET).handled


@db_periodic_task(crontab(minute="*"))
def deliver_due_mail() -> int:
    """Every minute: scheduled sends, retries whose backoff passed, and rows whose worker died."""
    return deliver_due(time_budget=TIME_BUDGET).handled
