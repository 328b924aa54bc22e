"""What an admin may do to a ledger row from the mailbox: cancel a queued message, or queue a failed one
again. Both are conditional updates, so a worker that took the row a moment earlier wins and the admin is told."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tandem.core import audit
from tandem.mail import access
from tandem.mail.models import Message, Status


def _not_held(now) -> Q:
    """Rows no live worker holds (a lease in the past belongs to a worker that died)."""
    return Q(lease_until__isnull=True) | Q(lease_until__lt=now)


def cancel_message(*, actor, message: Message, request=None) -> Message:
    """Cancel a queued message that no worker is handing over. Raises ValidationError otherwise."""
    access.require_manage(actor)
    now = timezone.now()
    with transaction.atomic():
        updated = (
            Message.objects.filter(pk=message.pk, status=Status.QUEUED)
            .filter(_not_held(now))
            .update(status=Status.CANCELLED, worker="", lease_until=None)
        )
        message.refresh_from_db()
        if not updated:
            if message.status == Status.QUEUED:
                raise ValidationError(
                    "This message is being handed to the relay right now; it cannot be cancelled."
                )
            raise ValidationError(
                f"Only a queued message can be cancelled; this one is {message.get_status_display().lower()}."
            )
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=message,
            changes={"status": [Status.QUEUED, Status.CANCELLED]},
            event="mail_message_cancelled",
            request=request,
        )
    return message


def send_again(*, actor, message: Message, request=None) -> Message:
    """Queue a failed message again, due now, with its attempt count reset (the last answer is kept until the
    next attempt replaces it). The same row, so the same Message-ID. Raises ValidationError otherwise."""
    access.require_manage(actor)
    now = timezone.now()
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, status=Status.FAILED).update(
            status=Status.QUEUED, send_after_at=now, failed_at=None, attempts=0, worker="", lease_until=None
        )
        message.refresh_from_db()
        if not updated:
            raise ValidationError(
                f"Only a failed message can be sent again; this one is {message.get_status_display().lower()}."
            )
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=message,
            changes={"status": [Status.FAILED, Status.QUEUED]},
            event="mail_message_sent_again",
            request=request,
        )
    return message
