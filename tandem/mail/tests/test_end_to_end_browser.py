"""Issue 8 end to end, with every part real: a browser sends a 1:1 email from a contact page, the delivery
worker hands it to an SMTP server on loopback (aiosmtpd), the contact's reply is appended to a dovecot
mailbox, the poller reads it, and the contact page shows the reply threaded under the email it answers."""

import re

import pytest
from playwright.sync_api import expect

from tandem.contacts.tests.factories import PASSWORD as USER_PASSWORD
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, UserFactory
from tandem.core.models import Role
from tandem.mail.delivery import deliver_due
from tandem.mail.models import Message, Relay, RelayKind, Security, Status
from tandem.mail.services.inbound import poll_enabled_mailboxes
from tandem.mail.testing import running_smtp_server
from tandem.mail.tests.imap_server import PASSWORD, dovecot  # noqa: F401 (the fixture)
from tandem.mail.tests.inbound_helpers import mail, mailbox_for
from tandem.mail.tests.support import DOMAIN, assert_well_formed, make_identity
from tandem.notifications.models import Notification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smtp_relay():
    """An aiosmtpd server on loopback, configured as the installation's relay."""
    with running_smtp_server() as server:
        Relay.objects.update_or_create(
            pk=1,
            defaults={
                "kind": RelayKind.SMTP, "host": server.host, "port": server.port, "security": Security.NONE,
                "timeout_seconds": 5, "from_environment": False,
            },
        )  # fmt: skip
        yield server


def test_a_1_1_email_is_sent_received_signed_answered_and_threaded(
    live_server,
    page,
    screenshot,
    smtp_relay,
    dovecot,  # noqa: F811
):
    # given a sales user, the default identity with a DKIM key, an inbound mailbox and a contact
    user = UserFactory(email="mara@example.com", first_name="Mara", last_name="Lind", role=Role.SALES)
    identity = make_identity(name="Mara at Tandem")
    identity.is_default = True
    identity.save(update_fields=["is_default"])
    mailbox = mailbox_for(dovecot, "replies@tandem.example")
    company = CompanyFactory(name="Acme", domain="acme.example")
    contact = ContactFactory(
        first_name="Juniper", last_name="Okafor", email="juniper@acme.example", company=company
    )

    # when: sign in, open the contact and send an email from its Emails panel
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name=re.compile("sign in|log in", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))
    page.goto(f"{live_server.url}/contacts/{contact.pk}/")
    page.get_by_role("link", name="Send email").click()
    page.get_by_label("Subject").fill("Our call on Tuesday")
    page.get_by_label("Message").fill("Hi Juniper,\n\nthanks for the call. The numbers are attached.")
    page.get_by_role("button", name="Send email").click()
    expect(page.get_by_text("Your email to Juniper Okafor is on its way.")).to_be_visible()

    # and the delivery worker runs (tests run tasks inline, so it may have run already at commit)
    deliver_due(worker="end-to-end")

    # then the SMTP server received it once: strict-parseable, DKIM-signed, in the identity's domain
    message = Message.objects.get(category="personal")
    assert message.status == Status.SENT
    received = [item for item in smtp_relay.messages if item.recipients == ["juniper@acme.example"]]
    assert len(received) == 1
    parsed = assert_well_formed(received[0].data, domain=DOMAIN)
    assert parsed["Subject"] == "Our call on Tuesday"
    assert parsed["Message-ID"] == message.message_id
    assert str(parsed["From"]) == f"Mara at Tandem <sales@{DOMAIN}>"
    assert received[0].mail_from == f"sales@{DOMAIN}"

    # when Juniper's reply lands in the mailbox and the poller runs
    dovecot.append(
        mailbox.username,
        PASSWORD,
        mail(
            from_="Juniper Okafor <juniper@acme.example>",
            subject="Re: Our call on Tuesday",
            text="Got them, thank you!\n\nOn Tuesday Mara wrote:\n> thanks for the call",
            message_id="<reply-juniper@acme.example>",
            in_reply_to=str(parsed["Message-ID"]),
            to=f"sales@{DOMAIN}",
        ),
    )
    reports = poll_enabled_mailboxes(worker="end-to-end")
    assert (reports[mailbox.pk].seen, reports[mailbox.pk].replies, reports[mailbox.pk].error) == (1, 1, "")

    # then, on reload, the reply is on the timeline, threaded under the email it answers
    page.reload()
    sent_entry = page.locator(".timeline-item").filter(
        has_text="Mara Lind emailed Juniper Okafor: Our call on Tuesday"
    )
    expect(sent_entry).to_contain_text("Sent")
    thread = sent_entry.locator(".timeline-replies")
    expect(thread).to_contain_text("Juniper Okafor replied")
    expect(thread).to_contain_text("Got them, thank you!")
    reply_entry = page.locator(".timeline-item").filter(
        has_text="Juniper Okafor replied: Re: Our call on Tuesday"
    )
    expect(reply_entry.first).to_be_visible()
    screenshot("end-to-end-reply-threaded")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("end-to-end-reply-threaded-390")
    page.set_viewport_size({"width": 1280, "height": 800})

    # and Mara has a notification, shown by the bell
    notification = Notification.objects.get(user=user)
    assert (notification.kind, notification.title, notification.url) == (
        "mail.reply_received",
        "Juniper Okafor replied: Re: Our call on Tuesday",
        f"/mail/conversations/{message.pk}/",
    )
    expect(page.locator(".notification-count")).to_have_text("1")
    page.locator("[data-notification-summary]").click()
    expect(page.locator("#notification-menu-body")).to_contain_text(
        "Juniper Okafor replied: Re: Our call on Tuesday"
    )
