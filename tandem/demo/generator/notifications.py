"""The notifications the demo's people were sent, and their emails.

- Finished imports and exports told their owners (`create_notifications`), worded by the same functions the
  import and export engines use.
- Replies to the reps' 1:1 emails told the rep (`create_reply_notifications`), worded by the inbound poll's
  own `reply_notice`: the replies of the last `REPLY_NOTICE_DAYS` days (older notices would only pile up on
  the bell of a company that has used Tandem for a year).
- Each notification its user wants by email (`wants_email`: the kind's default in the demo) was emailed
  (`email_notifications`): a sent transactional ledger row under the key the real path gives it
  (`notification:<id>:email`), built from the same email the real path sends, so the Mailbox shows it as it
  would have gone out.

Written as rows (a loader, no services), with explicit ids so that the keys are the same on every run and on
both databases; the newest notification of each user is unread, and every reply notice of the last day.
Every timestamp comes from the data (a job's end, a reply's arrival), never from the clock.
"""

import datetime
import hashlib
from email.utils import format_datetime, formataddr, parseaddr

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection

from tandem.core.models import User
from tandem.demo.generator.company import next_id
from tandem.demo.generator.context import GeneratorContext
from tandem.exports import engine as export_engine
from tandem.exports import notices as export_notices
from tandem.exports.models import ExportJob
from tandem.imports import notices as import_notices
from tandem.imports.models import ImportJob, Status
from tandem.mail.models import Category, InboundMessage
from tandem.mail.models import Message as LedgerMessage
from tandem.mail.models import Status as LedgerStatus
from tandem.mail.services.inbound import NOTIFICATION_KIND, reply_notice
from tandem.mail.services.ledger import message_id_for
from tandem.notifications.kinds import get_kind
from tandem.notifications.models import Notification
from tandem.notifications.services import email_key, email_message, wants_email

REPLY_NOTICE_DAYS = 2


def create_notifications(context: GeneratorContext) -> None:
    rows: list[Notification] = []
    for job in ImportJob.objects.filter(status=Status.DONE, created_by__isnull=False).order_by("id"):
        notice = import_notices.finished(job)
        rows.append(
            Notification(
                user_id=job.created_by_id, kind=import_notices.KIND.key, title=notice.title, body=notice.body,
                url=import_notices.url_of(job), key=import_notices.key_of(job, notice), created_at=job.finished_at,
                read_at=job.finished_at,
            )
        )  # fmt: skip
    finished_exports = ExportJob.objects.filter(
        status=ExportJob.Status.FINISHED, delivery=ExportJob.Delivery.FILE
    ).order_by("id")
    for job in finished_exports:
        notice = export_notices.ready(job, keep_days=export_engine.keep_days())
        rows.append(
            Notification(
                user_id=job.user_id, kind=export_notices.KIND.key, title=notice.title, body=notice.body,
                url=export_notices.url_of(job), key=export_notices.key_of(job, notice), created_at=job.finished_at,
                read_at=job.finished_at,
            )
        )  # fmt: skip
    newest: dict[int, Notification] = {}
    for row in rows:
        if row.user_id not in newest or row.created_at > newest[row.user_id].created_at:
            newest[row.user_id] = row
    for row in newest.values():
        row.read_at = None
    _insert(rows)


def create_reply_notifications(context: GeneratorContext) -> None:
    """The rep is told of each person's reply of the last days (automatic replies tell nobody, as in the
    poll); those of the last day are unread."""
    since = context.end_at - datetime.timedelta(days=REPLY_NOTICE_DAYS)
    unread_since = context.end_at - datetime.timedelta(days=1)
    replies = (
        InboundMessage.objects.filter(
            received_at__gte=since, is_auto_reply=False, answers__sender__isnull=False
        )
        .select_related("contact", "answers")
        .order_by("received_at", "message_id")
    )
    rows = []
    for inbound in replies:
        title, body, url = reply_notice(inbound)
        rows.append(
            Notification(
                user_id=inbound.answers.sender_id, kind=NOTIFICATION_KIND, title=title, body=body, url=url,
                key=f"reply:{inbound.pk}", created_at=inbound.received_at,
                read_at=None if inbound.received_at >= unread_since else inbound.received_at,
            )
        )  # fmt: skip
    _insert(rows)


def _insert(rows: list[Notification]) -> None:
    first = next_id(Notification)
    for number, row in enumerate(rows):
        row.pk = first + number
    Notification.objects.bulk_create(rows)


def email_notifications(context: GeneratorContext) -> None:
    """A sent ledger row for every notification whose user wants it by email (see the module's docstring)."""
    users = {user.pk: user for user in User.objects.filter(is_active=True).exclude(email="")}
    _sender_name, sender_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = sender_address.rpartition("@")[2].lower()
    first = next_id(LedgerMessage)
    rows = []
    for notification in Notification.objects.order_by("created_at", "id"):
        user = users.get(notification.user_id)
        kind = get_kind(notification.kind)
        if user is None or kind is None or not wants_email(user, kind):
            continue
        key = email_key(notification)
        message_id = message_id_for(key, domain)
        email = email_message(notification, user)
        email.extra_headers = {"Date": format_datetime(notification.created_at), "Message-ID": message_id}
        mime = email.message()
        # The parts' boundary is random by default; the demo's is derived from the key, like the Message-ID.
        mime.set_boundary(f"==tandem-{hashlib.sha256(key.encode()).hexdigest()[:24]}==")
        sent_at = notification.created_at + datetime.timedelta(seconds=3)
        rows.append(
            LedgerMessage(
                pk=first + len(rows), key=key, message_id=message_id, category=Category.TRANSACTIONAL,
                status=LedgerStatus.SENT, from_address=formataddr(parseaddr(settings.DEFAULT_FROM_EMAIL)),
                recipients=[user.email], subject=notification.title, raw=mime.as_bytes(linesep="\r\n"),
                created_at=notification.created_at, send_after_at=notification.created_at, attempts=1,
                sent_at=min(sent_at, context.end_at), last_response="250 2.0.0 Kept in the in-app mailbox",
                delivered_via="mailbox",
            )
        )  # fmt: skip
    LedgerMessage.objects.bulk_create(rows, batch_size=500)
    # Rows were written with explicit ids: move PostgreSQL's sequences past them (SQLite needs nothing).
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Notification, LedgerMessage]):
            cursor.execute(statement)
