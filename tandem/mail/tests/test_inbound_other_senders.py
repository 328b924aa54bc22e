"""A reply to a 1:1 email from someone other than the contact it was sent to (a colleague copied in, someone
it was forwarded to, one of our own people), read from a real IMAP server (dovecot): it stays in the
conversation under the real sender's name and address, goes on the writer's own timeline when they are a
contact, and is marked internal when the address is a Tandem user's."""

import pytest
from django.urls import reverse

from tandem.contacts.models import Activity
from tandem.contacts.tests.factories import ContactFactory, UserFactory
from tandem.core.models import Role
from tandem.core.timeline import lines
from tandem.mail.models import InboundMessage
from tandem.mail.services import inbound as services
from tandem.mail.tests.imap_server import dovecot  # noqa: F401 (the fixture)
from tandem.mail.tests.inbound_helpers import PASSWORD, mail, mailbox_for, sent_message
from tandem.notifications.models import Notification

pytestmark = pytest.mark.django_db


def poll_one(server, username: str, raw: bytes) -> InboundMessage:
    mailbox = mailbox_for(server, username)
    server.append(mailbox.username, PASSWORD, raw)
    report = services.poll_mailbox(mailbox=mailbox)
    assert (report.error, report.seen, report.replies) == ("", 1, 1)
    return InboundMessage.objects.get()


def headings(reader, contact=None, company=None) -> list[str]:
    entries = Activity.objects.filter(kind=services.EMAIL_REPLIED)
    entries = entries.filter(contact=contact) if contact is not None else entries.filter(company=company)
    return [str(line.heading) for line in lines(reader, list(entries.order_by("id")))]


def test_a_colleague_of_the_contact_replying_is_threaded_under_their_own_name_and_on_their_timeline(
    dovecot,  # noqa: F811
):
    # Given Sam's email to Dana, and Carl, a contact at Dana's company she copied in, answering it
    message = sent_message()
    dana = message.contact
    carl = ContactFactory(
        first_name="Carl", last_name="Ode", email="carl@customer.example", company=dana.company
    )
    raw = mail(from_="Carl Ode <Carl@customer.example>", in_reply_to=message.message_id, text="Dana is away.")

    # When the mailbox is polled
    inbound = poll_one(dovecot, "colleague@tandem.example", raw)

    # Then the reply is in Dana's conversation, written by Carl, not internal
    assert (inbound.answers, inbound.contact, inbound.from_contact, inbound.from_user) == (
        message,
        dana,
        carl,
        None,
    )
    assert inbound.is_internal is False
    assert inbound.sender_name == "Carl Ode <carl@customer.example>"
    # on Dana's timeline (the thread) and on Carl's, and once on their company's
    rows = list(
        Activity.objects.filter(kind=services.EMAIL_REPLIED).values_list("contact", "company", "subject_id")
    )
    assert sorted(rows) == sorted([(dana.pk, dana.company_id, inbound.pk), (carl.pk, None, inbound.pk)])
    expected = "<bdi>Carl Ode &lt;carl@customer.example&gt;</bdi> replied: <bdi>Re: Your quote</bdi>"
    assert headings(message.sender, contact=dana) == [expected]
    assert headings(message.sender, contact=carl) == [expected]
    # and Sam is told who really wrote
    notification = Notification.objects.get()
    assert (notification.user, notification.title) == (
        message.sender,
        "Carl Ode <carl@customer.example> replied: Re: Your quote",
    )


def test_a_forwarded_reply_from_a_contact_of_another_company_goes_on_both_companies(dovecot):  # noqa: F811
    message = sent_message()
    dana = message.contact
    other = ContactFactory(first_name="Fay", last_name="Lund", email="fay@partner.example")
    raw = mail(
        from_="Fay Lund <fay@partner.example>", references=message.message_id, to="dana@customer.example"
    )

    inbound = poll_one(dovecot, "forwarded@tandem.example", raw)

    assert (inbound.contact, inbound.from_contact) == (dana, other)
    rows = Activity.objects.filter(kind=services.EMAIL_REPLIED).values_list("contact", "company")
    assert sorted(rows) == sorted([(dana.pk, dana.company_id), (other.pk, other.company_id)])


def test_a_reply_from_someone_tandem_does_not_know_stays_in_the_thread_under_their_address(dovecot):  # noqa: F811
    # Given the email forwarded to someone who is neither a contact nor a user, who answers without a name
    message = sent_message()
    raw = mail(from_="assistant@customer.example", in_reply_to=message.message_id)

    inbound = poll_one(dovecot, "unknown-sender@tandem.example", raw)

    # Then it is kept in the conversation, on Dana's timeline only, under the address that wrote it
    assert (inbound.contact, inbound.from_contact, inbound.is_internal) == (message.contact, None, False)
    assert list(Activity.objects.filter(kind=services.EMAIL_REPLIED).values_list("contact", flat=True)) == [
        message.contact.pk
    ]
    assert headings(message.sender, contact=message.contact) == [
        "<bdi>assistant@customer.example</bdi> replied: <bdi>Re: Your quote</bdi>"
    ]
    assert Notification.objects.get().title == "assistant@customer.example replied: Re: Your quote"


def test_a_colleague_in_tandem_replying_is_internal_and_the_sender_is_told(dovecot, client):  # noqa: F811
    # Given Sam's email, and Rita, a Tandem user, answering in the thread (Dana forwarded it to her)
    message = sent_message()
    rita = UserFactory(role=Role.SALES, first_name="Rita", last_name="Moss", email="rita@tandem.example")
    raw = mail(
        from_="Rita Moss <rita@tandem.example>", in_reply_to=message.message_id, text="I'll call Dana."
    )

    inbound = poll_one(dovecot, "internal@tandem.example", raw)

    # Then it is marked internal, never passed off as Dana's
    assert (inbound.contact, inbound.from_contact, inbound.from_user, inbound.is_internal) == (
        message.contact, None, rita, True,
    )  # fmt: skip
    assert headings(message.sender, contact=message.contact) == [
        "<bdi>Rita Moss &lt;rita@tandem.example&gt;</bdi> replied: <bdi>Re: Your quote</bdi>"
        ' <span class="badge badge--muted">Internal</span>'
    ]
    assert (
        Notification.objects.get().title
        == "Rita Moss <rita@tandem.example> (internal) replied: Re: Your quote"
    )
    # and the conversation page names Rita and says it is internal
    client.force_login(message.sender)
    page = client.get(reverse("mail:conversation", args=[message.pk])).content.decode()
    assert "<bdi>Rita Moss &lt;rita@tandem.example&gt;</bdi></h2>" in page
    assert ">Internal</span>" in page


def test_the_sender_answering_their_own_thread_is_internal_and_tells_nobody(dovecot):  # noqa: F811
    message = sent_message()
    sam = message.sender
    sam.email = "sam@tandem.example"
    sam.save(update_fields=["email"])
    raw = mail(from_="Sam Seller <SAM@tandem.example>", in_reply_to=message.message_id)

    inbound = poll_one(dovecot, "self@tandem.example", raw)

    assert (inbound.from_user, inbound.is_internal) == (sam, True)
    assert Notification.objects.count() == 0


def test_a_hostile_sender_name_is_shown_as_text_everywhere(dovecot, client):  # noqa: F811
    message = sent_message()
    raw = mail(
        from_='"<img src=x onerror=alert(1)> \u202eevil" <evil@elsewhere.example>',
        in_reply_to=message.message_id,
    )

    inbound = poll_one(dovecot, "hostile@tandem.example", raw)

    [heading] = headings(message.sender, contact=message.contact)
    assert "<img" not in heading
    assert heading.startswith(
        "<bdi>&lt;img src=x onerror=alert(1)&gt; \u202eevil &lt;evil@elsewhere.example&gt;</bdi>"
    )
    client.force_login(message.sender)
    page = client.get(reverse("mail:conversation", args=[message.pk])).content.decode()
    assert "<img src=x" not in page
    assert inbound.sender_name in Notification.objects.get().title
