"""The daily sweep that marks sent quotes past their validity date expired."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tandem.sales.quotes import services


@db_periodic_task(crontab(minute="7", hour="0"))
def expire_quotes() -> int:
    return services.expire_overdue_quotes()
