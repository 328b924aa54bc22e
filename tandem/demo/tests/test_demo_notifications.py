"""The demo's notifications: what its finished imports and exports told their owners (newest unread), the
latest replies the reps were told of, and the emails of all of them in the mailbox, the same every run."""

import datetime
import email
import re
from email import policy

import pytest
from django.db import transaction

from tandem.demo.generator import generate
from tandem.demo.generator.notifications import REPLY_NOTICE_DAYS
from tandem.demo.tests.test_generator import SMALL
from tandem.exports.models import ExportJob
from tandem.imports.models import ImportJob
from tandem.mail.models import InboundMessage, Message
from tandem.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_the_demo_owners_were_told_about_their_imports_and_exports_newest_unread():
    generate(SMALL)
    imports = list(ImportJob.objects.order_by("finished_at"))
    exports = list(ExportJob.objects.order_by("finished_at"))
    rows = list(
        Notification.objects.exclude(kind="mail.reply_received")
        .order_by("user__email", "created_at")
        .values_list("user__email", "kind", "title", "url", "read_at")
    )
    assert [(email, kind, title, url, read_at is None) for email, kind, title, url, read_at in rows] == [
        (
            "marketing@demo.tandem.test", "imports.import_finished",
            "Your import of data-summit-badge-scans.csv has finished", f"/imports/{imports[0].pk}/", False,
        ),
        (
            "marketing@demo.tandem.test", "imports.import_finished",
            "Your import of webinar-forecasting-101-attendees.xlsx has finished", f"/imports/{imports[1].pk}/", True,
        ),
        ("sales@demo.tandem.test", "exports.export_ready", "Your export of contacts (CSV) is ready",
         f"/exports/{exports[0].pk}/", False),
        ("sales@demo.tandem.test", "exports.export_ready", "Your export of companies (XLSX) is ready",
         f"/exports/{exports[1].pk}/", True),
    ]  # fmt: skip
    assert Notification.objects.get(url=f"/imports/{imports[1].pk}/").body == (
        f"{imports[1].created_count} created, 0 updated, 0 skipped, 2 failed."
    )


def test_the_reps_were_told_of_the_latest_replies_by_the_words_the_poll_uses():
    generate(SMALL)
    end = datetime.datetime.combine(SMALL.today, datetime.time.min, tzinfo=datetime.UTC)
    recent = InboundMessage.objects.filter(
        is_auto_reply=False, received_at__gte=end - datetime.timedelta(days=REPLY_NOTICE_DAYS)
    ).select_related("contact", "answers__sender")
    expected = sorted(
        (
            reply.answers.sender.email,
            f"{reply.contact.display_name} replied: {reply.subject}",
            f"/mail/conversations/{reply.answers_id}/",
            f"reply:{reply.pk}",
            reply.received_at,
            reply.received_at < end - datetime.timedelta(days=1),
        )
        for reply in recent
    )
    notices = sorted(
        (row.user.email, row.title, row.url, row.key, row.created_at, row.read_at is not None)
        for row in Notification.objects.filter(kind="mail.reply_received").select_related("user")
    )
    assert len(expected) >= 1
    assert notices == expected


def test_every_notification_was_emailed_once_and_shows_in_the_mailbox():
    generate(SMALL)
    notifications = list(Notification.objects.select_related("user").order_by("id"))
    emails = {row.key: row for row in Message.objects.filter(category="transactional")}

    # one sent transactional email per notification, under the key the real path gives it
    assert sorted(emails) == sorted(f"notification:{row.pk}:email" for row in notifications)
    for notification in notifications:
        row = emails[f"notification:{notification.pk}:email"]
        assert (row.status, row.recipients, row.subject, row.created_at, row.delivered_via) == (
            "sent",
            [notification.user.email],
            notification.title,
            notification.created_at,
            "mailbox",
        )
        parsed = email.message_from_bytes(bytes(row.raw).replace(b"\r\n", b"\n"), policy=policy.default)
        assert parsed["Message-ID"] == row.message_id
        assert parsed["Subject"] == notification.title
        assert parsed.get_body(("plain",)).get_content().startswith(notification.title + "\n")
        assert "<html" in parsed.get_body(("html",)).get_content()
    # an import finished and a reply received are among them
    kinds = {row.kind for row in notifications}
    assert {"imports.import_finished", "mail.reply_received"} <= kinds


class RolledBack(Exception):
    pass


def generated_notification_emails() -> list[tuple]:
    try:
        with transaction.atomic():
            generate(SMALL)
            rows = list(
                Message.objects.filter(category="transactional")
                .order_by("key")
                .values_list("key", "message_id", "subject", "recipients", "created_at", "sent_at", "raw")
            )
            raise RolledBack
    except RolledBack:
        # An import's or export's id comes from a sequence on PostgreSQL (a rolled-back run does not give the
        # numbers back), so the links to them are compared without it; every other byte must be the same.
        return [
            (*row[:-1], re.sub(rb"/(imports|exports)/\d+/", rb"/\1/<id>/", bytes(row[-1]))) for row in rows
        ]


@pytest.mark.django_db(transaction=True)
def test_the_notification_emails_are_the_same_every_run():
    first = generated_notification_emails()
    assert len(first) > 4
    assert first == generated_notification_emails()
