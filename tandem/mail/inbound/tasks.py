"""The poller's schedule: every minute, every enabled mailbox (imported from MailConfig.ready(), so the
worker registers it without a `tasks` module of the mail app's own)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_periodic_task(crontab(minute="*"))
def poll_inbound_mailboxes() -> int:
    """Read new mail of every enabled mailbox; a mailbox another worker holds is left to it (its lease)."""
    from tandem.mail.services.inbound import poll_enabled_mailboxes

    return sum(report.seen for report in poll_enabled_mailboxes().values())


@db_task()
def check_mailbox(mailbox_id: int) -> int:
    """ "Check now": poll one mailbox (paused or not) under its lease, like the periodic poll; when another
    worker holds it, that worker's poll is the check."""
    from tandem.mail.models import InboundMailbox
    from tandem.mail.services.inbound import poll_mailbox

    mailbox = InboundMailbox.objects.filter(pk=mailbox_id).first()
    return poll_mailbox(mailbox=mailbox).seen if mailbox is not None else 0
