from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tandem.contacts import services


@db_periodic_task(crontab(hour="3", minute="17"))
def purge_trash() -> tuple[int, int]:
    """Nightly: records trashed more than TANDEM_TRASH_DAYS ago are deleted for good."""
    return services.purge_trash()


@db_periodic_task(crontab(minute="*"))
def fill_missing_address_hashes() -> int:
    """Each minute: contacts written without their suppression key get it (normally none)."""
    return services.fill_missing_address_hashes()
