"""The mailbox: who reads what, keyset pages, filters, the message page (sandboxed HTML, source), and the
admin's actions on a row."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.mail.models import Category, Message, Status
from tandem.mail.selectors import MailboxFilters, mailbox_page
from tandem.mail.services.ledger import queue_message
from tandem.mail.services.ledger_admin import cancel_message, send_again

pytestmark = pytest.mark.django_db

HOSTILE_HTML = (
    '<p style="color:red">Hello</p><script>parent.document.title="owned"</script>'
    '<img src="https://tracker.example/pixel.gif">'
)


def queue(key: str, *, to="ann@example.com", subject="Hello", sender=None, html=None, **fields) -> Message:
    return queue_message(
        key=key,
        category=fields.pop("category", Category.TRANSACTIONAL),
        to=[to],
        subject=subject,
        text="Plain text body.",
        html=html,
        sender=sender,
        **fields,
    )


def subjects(page) -> list[str]:
    return [row.subject for row in page.rows]


def test_an_admin_reads_every_message_and_a_user_only_the_ones_they_sent():
    admin, rep, other = UserFactory(), UserFactory(role=Role.SALES), UserFactory(role=Role.SALES)
    queue("a", subject="System", sender=None)
    queue("b", subject="From rep", sender=rep)
    queue("c", subject="From other", sender=other)

    assert subjects(mailbox_page(admin, MailboxFilters())) == ["From other", "From rep", "System"]
    assert subjects(mailbox_page(rep, MailboxFilters())) == ["From rep"]


def test_the_mailbox_pages_newest_first_by_keyset():
    admin = UserFactory()
    start = timezone.now()
    for number in range(55):
        message = queue(f"m{number}", subject=f"Message {number}")
        Message.objects.filter(pk=message.pk).update(created_at=start + timedelta(seconds=number))

    first = mailbox_page(admin, MailboxFilters())
    second = mailbox_page(admin, MailboxFilters(), cursor=first.next_cursor)

    assert subjects(first)[:2] == ["Message 54", "Message 53"]
    assert len(first.rows) == 50
    assert subjects(second) == [f"Message {number}" for number in range(4, -1, -1)]
    assert second.next_cursor is None


def test_filters_by_status_category_and_search_on_recipient_or_subject():
    admin = UserFactory()
    queue("a", to="ann@example.com", subject="Invoice")
    failed = queue("b", to="bob@example.com", subject="Welcome", category=Category.MARKETING)
    Message.objects.filter(pk=failed.pk).update(status=Status.FAILED)

    assert subjects(mailbox_page(admin, MailboxFilters(status=Status.FAILED))) == ["Welcome"]
    assert subjects(mailbox_page(admin, MailboxFilters(category=Category.TRANSACTIONAL))) == ["Invoice"]
    assert subjects(mailbox_page(admin, MailboxFilters(search="BOB@"))) == ["Welcome"]
    assert subjects(mailbox_page(admin, MailboxFilters(search="invoice"))) == ["Invoice"]


def test_search_finds_a_recipient_with_an_idn_domain():
    admin = UserFactory()
    queue("a", to="info@bücher.example", subject="Bestellung")
    queue("b", to="ann@example.com", subject="Other")

    assert subjects(mailbox_page(admin, MailboxFilters(search="bücher"))) == ["Bestellung"]


def test_the_message_page_shows_the_html_in_a_sandboxed_srcdoc_with_its_own_policy():
    admin = UserFactory()
    message = queue("a", html=HOSTILE_HTML)
    client = Client()
    client.force_login(admin)

    html = client.get(reverse("mail:message", args=[message.pk])).content.decode()

    frame = html[html.index("<iframe") : html.index("</iframe>")]
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in frame
    assert "allow-scripts" not in frame and "allow-same-origin" not in frame
    assert "srcdoc=" in frame
    assert "default-src &#x27;none&#x27;; style-src &#x27;unsafe-inline&#x27;; img-src data:" in frame
    # The mail's markup is only inside the escaped attribute, never live in our page.
    assert "<script>parent" not in html
    assert "Plain text body." in html


def test_a_user_gets_404_for_a_message_they_did_not_send():
    rep = UserFactory(role=Role.SALES)
    message = queue("a", sender=UserFactory(role=Role.SALES))
    client = Client()
    client.force_login(rep)

    responses = [
        client.get(reverse("mail:message", args=[message.pk])).status_code,
        client.get(reverse("mail:message_raw", args=[message.pk])).status_code,
    ]

    assert responses == [404, 404]


def test_the_source_is_shown_as_text_and_downloads_as_eml():
    admin = UserFactory()
    message = queue("a", html=HOSTILE_HTML)
    client = Client()
    client.force_login(admin)

    shown = client.get(reverse("mail:message_raw", args=[message.pk]))
    downloaded = client.get(reverse("mail:message_raw", args=[message.pk]) + "?download=1")

    assert shown["Content-Type"] == "text/plain; charset=utf-8"
    assert shown.content == bytes(message.raw)
    assert downloaded["Content-Disposition"] == f'attachment; filename="message-{message.pk}.eml"'
    assert downloaded.content == bytes(message.raw)


def test_cancel_a_queued_message_is_audited_and_a_sent_one_cannot_be_cancelled():
    admin = UserFactory()
    queued = queue("a")
    sent = queue("b")
    Message.objects.filter(pk=sent.pk).update(status=Status.SENT)

    cancel_message(actor=admin, message=queued)
    with pytest.raises(ValidationError) as raised:
        cancel_message(actor=admin, message=sent)

    queued.refresh_from_db()
    assert queued.status == Status.CANCELLED
    assert raised.value.messages == ["Only a queued message can be cancelled; this one is sent."]
    assert LogEntry.objects.filter(additional_data__event="mail_message_cancelled").count() == 1


def test_a_message_a_worker_holds_cannot_be_cancelled():
    admin = UserFactory()
    message = queue("a")
    Message.objects.filter(pk=message.pk).update(
        worker="w1", lease_until=timezone.now() + timedelta(minutes=1)
    )

    with pytest.raises(ValidationError) as raised:
        cancel_message(actor=admin, message=message)

    message.refresh_from_db()
    assert raised.value.messages == [
        "This message is being handed to the relay right now; it cannot be cancelled."
    ]
    assert message.status == Status.QUEUED


def test_send_again_requeues_a_failed_message_now():
    admin = UserFactory()
    message = queue("a")
    Message.objects.filter(pk=message.pk).update(
        status=Status.FAILED, attempts=5, failed_at=timezone.now(), last_response="550 no such user"
    )

    send_again(actor=admin, message=message)

    message.refresh_from_db()
    assert (message.status, message.attempts, message.failed_at, message.last_response) == (
        Status.QUEUED,
        0,
        None,
        "550 no such user",
    )
    assert LogEntry.objects.filter(additional_data__event="mail_message_sent_again").count() == 1


def test_a_non_admin_cannot_cancel_or_send_again_even_their_own_message_and_nothing_changes():
    rep = UserFactory(role=Role.SALES)
    queued = queue("a", sender=rep)
    failed = queue("b", sender=rep)
    Message.objects.filter(pk=failed.pk).update(status=Status.FAILED)
    client = Client()
    client.force_login(rep)
    log_count = LogEntry.objects.count()

    responses = [
        client.post(reverse("mail:message_cancel", args=[queued.pk])).status_code,
        client.post(reverse("mail:message_send_again", args=[failed.pk])).status_code,
    ]

    assert responses == [403, 403]
    assert list(Message.objects.order_by("key").values_list("status", flat=True)) == [
        Status.QUEUED,
        Status.FAILED,
    ]
    assert LogEntry.objects.count() == log_count


def test_the_mailbox_page_lists_and_filters_and_a_bad_cursor_is_a_message_not_a_500():
    admin = UserFactory()
    queue("a", subject="Invoice 42")
    client = Client()
    client.force_login(admin)

    listed = client.get(reverse("mail:mailbox"), {"q": "invoice"})
    bad = client.get(reverse("mail:mailbox"), {"cursor": "not-a-cursor"}, follow=True)

    assert listed.status_code == 200
    assert "Invoice 42" in listed.content.decode()
    assert bad.status_code == 200
    assert "This page link is no longer valid." in bad.content.decode()


def test_the_mailbox_shows_the_relay_alert_to_admins_only():
    from tandem.mail.models import Relay

    Relay.objects.create(pk=1, kind="smtp", host="smtp.example.com", alert="535 5.7.8 Authentication failed")
    admin_client, rep_client = Client(), Client()
    admin_client.force_login(UserFactory())
    rep_client.force_login(UserFactory(role=Role.SALES))

    assert "535 5.7.8 Authentication failed" in admin_client.get(reverse("mail:mailbox")).content.decode()
    assert "535 5.7.8 Authentication failed" not in rep_client.get(reverse("mail:mailbox")).content.decode()
