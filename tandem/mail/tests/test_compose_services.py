"""send_one_to_one, templates, signatures and cancelling: the ledger row, the timeline entry, access, bad input."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tandem.brand.models import BrandKit
from tandem.contacts.models import Activity
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, UserFactory
from tandem.core.models import Role
from tandem.core.timeline import lines
from tandem.mail.compose.timeline import KIND
from tandem.mail.models import MailTemplate, Message, Status
from tandem.mail.services import compose
from tandem.mail.tests.compose_fixtures import parsed, part, verified_identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def sender():
    return UserFactory(email="ana@tandem.example", first_name="Ana", last_name="Ruiz", role=Role.ADMIN)


@pytest.fixture
def identity():
    return verified_identity()


@pytest.fixture
def contact():
    company = CompanyFactory(name="Acme", domain="acme.example")
    return ContactFactory(first_name="Ben", last_name="Ode", email="ben@acme.example", company=company)


def test_sending_writes_the_ledger_row_and_the_timeline_entry(sender, identity, contact):
    # given a signature
    compose.save_signature(actor=sender, text="Ana Ruiz\nSales")

    # when Ana sends a merged email
    message = compose.send_one_to_one(
        actor=sender,
        contact=contact,
        identity=identity,
        subject="Hello {{ contact.first_name }}",
        body="Hi {{ contact.first_name }},\n\nSee https://acme.example/x <now>.\nThanks",
        form_token=uuid.UUID("12345678-1234-5678-1234-567812345678"),
    )

    # then one ledger row: personal, to Ben, merged subject, the form's key
    assert message.key == "personal:12345678-1234-5678-1234-567812345678"
    assert (message.category, message.status, message.recipients) == (
        "personal",
        "queued",
        ["ben@acme.example"],
    )
    assert message.subject == "Hello Ben"
    assert (message.contact_id, message.sender_id) == (contact.pk, sender.pk)
    mime = parsed(message)
    assert mime["To"] == "ben@acme.example"
    assert mime["Subject"] == "Hello Ben"
    assert mime["From"] == "Tandem Sales <sales@tandem.example>"
    assert part(mime, "text/plain").replace("\r\n", "\n") == (
        "Hi Ben,\n\nSee https://acme.example/x <now>.\nThanks\n\n-- \nAna Ruiz\nSales\n\nTandem"
    )
    html = part(mime, "text/html")
    assert (
        '<p>Hi Ben,</p><p>See <a href="https://acme.example/x" rel="nofollow">https://acme.example/x</a>'
        " &lt;now&gt;.<br>Thanks</p>" in html
    )
    assert '<p style="color:#4b5563">Ana Ruiz<br>Sales</p>' in html
    # and one timeline entry on the contact and its company
    entry = Activity.objects.get(kind=KIND)
    assert (entry.contact_id, entry.company_id, entry.actor_id) == (contact.pk, contact.company_id, sender.pk)
    assert (entry.subject_type, entry.subject_id) == ("mail_message", message.pk)
    assert entry.body == "Hi Ben,\nSee https://acme.example/x <now>.\nThanks"
    assert entry.details == {"subject": "Hello Ben"}


def test_the_timeline_line_names_sender_contact_subject_and_status(sender, identity, contact):
    compose.send_one_to_one(actor=sender, contact=contact, identity=identity, subject="Hi <b>", body="Body")
    entry = Activity.objects.get(kind=KIND)

    [line] = lines(sender, [entry])

    assert str(line.heading) == "<bdi>Ana Ruiz</bdi> emailed <bdi>Ben Ode</bdi>: <bdi>Hi &lt;b&gt;</bdi>"
    assert '<span class="badge badge--info">Queued</span>' in str(line.details)
    # the conversation page: the email and its replies, open to everyone who may see the contact
    assert line.url == f"/mail/conversations/{entry.subject_id}/"


def test_a_double_submitted_form_sends_once(sender, identity, contact):
    token = uuid.uuid4()
    first = compose.send_one_to_one(
        actor=sender, contact=contact, identity=identity, subject="Hi", body="Body", form_token=token
    )
    second = compose.send_one_to_one(
        actor=sender, contact=contact, identity=identity, subject="Hi", body="Body", form_token=token
    )
    assert first.pk == second.pk
    assert Message.objects.count() == 1
    assert Activity.objects.filter(kind=KIND).count() == 1


def test_header_injection_through_a_merge_value_adds_no_header_or_recipient(sender, identity):
    # given a contact whose first name carries a header
    contact = ContactFactory(first_name="Eve\r\nBcc: x@y.example", email="eve@acme.example")

    # when a subject and body merge it
    message = compose.send_one_to_one(
        actor=sender, contact=contact, identity=identity, subject="Hi {{ contact.first_name }}", body="Hi"
    )

    # then the subject is one line and nobody else receives it
    mime = parsed(message)
    assert mime["Subject"] == "Hi Eve Bcc: x@y.example"
    assert mime["Bcc"] is None
    assert message.recipients == ["eve@acme.example"]
    assert mime.get_all("To") == ["eve@acme.example"]


def test_a_subject_with_a_line_break_becomes_one_line(sender, identity, contact):
    message = compose.send_one_to_one(
        actor=sender, contact=contact, identity=identity, subject="Hi\r\nBcc: x@y.example", body="Hi"
    )
    assert parsed(message)["Bcc"] is None
    assert message.subject == "Hi Bcc: x@y.example"


@pytest.mark.parametrize(
    ("subject", "body", "errors"),
    [
        ("", "Body", {"subject": ["Write a subject."]}),
        ("   ", "Body", {"subject": ["Write a subject."]}),
        ("Hi", "", {"body": ["Write a message."]}),
        ("Hi", "x" * 20_001, {"body": ["A message can be at most 20,000 characters."]}),
        ("x" * 301, "Body", {"subject": ["A subject can be at most 300 characters."]}),
        (
            "{{ contact.first_name | default('') }}",
            "Body",
            {"subject": ["The subject is empty once the merge fields are filled in."]},
        ),
        (
            "Hi",
            "Hi\n{{ contact.nickname }}",
            {
                "body": [
                    "The template cannot be used: Line 2: “nickname” is not one of the fields available here."
                ]
            },
        ),
        (
            "Hi {% if %}",
            "Body",
            {
                "subject": [
                    "The template cannot be used: Line 1: Expected an expression, got 'end of statement block'."
                ]
            },
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(sender, identity, subject, body, errors):
    contact = ContactFactory(first_name="", email="ben@acme.example")
    with pytest.raises(ValidationError) as caught:
        compose.send_one_to_one(actor=sender, contact=contact, identity=identity, subject=subject, body=body)
    assert caught.value.message_dict == errors
    assert Message.objects.count() == 0
    assert Activity.objects.count() == 0


def test_a_contact_without_email_gets_a_clear_message(sender, identity):
    contact = ContactFactory(first_name="Ben", last_name="Ode", email=None)
    with pytest.raises(ValidationError) as caught:
        compose.send_one_to_one(actor=sender, contact=contact, identity=identity, subject="Hi", body="Hi")
    assert caught.value.message_dict == {"to": ["Ben Ode has no email address. Add one on their page first."]}
    assert Message.objects.count() == 0


def test_a_contact_with_an_invalid_email_gets_a_clear_message(sender, identity):
    # an address stored before validation was as strict (old data, a raw import)
    contact = ContactFactory(first_name="Ben", last_name="Ode", email="ben@@acme", address_hash="")
    with pytest.raises(ValidationError) as caught:
        compose.send_one_to_one(actor=sender, contact=contact, identity=identity, subject="Hi", body="Hi")
    [message] = caught.value.message_dict["to"]
    assert message.startswith("Ben Ode's email address “ben@@acme” cannot receive mail: ")
    assert Message.objects.count() == 0


def test_an_unverified_identity_is_refused(sender, contact):
    identity = verified_identity("new@tandem.example", is_default=False)
    identity.verified_at = None
    identity.save()
    with pytest.raises(ValidationError) as caught:
        compose.send_one_to_one(actor=sender, contact=contact, identity=identity, subject="Hi", body="Hi")
    assert caught.value.message_dict == {"identity": ["Choose a verified sending address."]}
    assert Message.objects.count() == 0


@pytest.mark.parametrize("same_team", [False, True])
def test_a_read_only_user_is_refused_and_nothing_is_written(identity, same_team):
    # given a contact owned by a sales user, and a read-only user in another team (who cannot see it) or in the
    # same team (who can see it but may not write email)
    owner = UserFactory(role=Role.SALES)
    reader = UserFactory(role=Role.READ_ONLY, **({"team": owner.team} if same_team else {}))
    contact = ContactFactory(owner=owner, email="ben@acme.example")

    # when the reader tries to email it, then it is refused and nothing is written
    with pytest.raises(PermissionDenied):
        compose.send_one_to_one(actor=reader, contact=contact, identity=identity, subject="Hi", body="Hi")
    assert Message.objects.count() == 0
    assert Activity.objects.count() == 0


def test_scheduling_needs_a_future_time(sender, identity, contact):
    with pytest.raises(ValidationError) as caught:
        compose.send_one_to_one(
            actor=sender,
            contact=contact,
            identity=identity,
            subject="Hi",
            body="Hi",
            send_after_at=timezone.now() - timedelta(minutes=1),
        )
    assert caught.value.message_dict == {"send_after_at": ["Choose a time in the future, or send now."]}
    assert Message.objects.count() == 0


def test_a_scheduled_email_shows_as_scheduled_and_can_be_cancelled_while_queued(sender, identity, contact):
    # given an email scheduled for tomorrow
    tomorrow = timezone.now() + timedelta(days=1)
    message = compose.send_one_to_one(
        actor=sender, contact=contact, identity=identity, subject="Hi", body="Hi", send_after_at=tomorrow
    )
    entry = Activity.objects.get(kind=KIND)
    assert message.send_after_at == tomorrow
    assert entry.details == {"subject": "Hi", "scheduled_for": tomorrow.isoformat()}
    [line] = lines(sender, [entry])
    assert "Scheduled for" in str(line.details)

    # when its sender cancels it
    cancelled = compose.cancel_scheduled(actor=sender, message=message)

    # then it will not be sent, and the timeline says so
    assert cancelled is True
    message.refresh_from_db()
    assert message.status == Status.CANCELLED
    [line] = lines(sender, [entry])
    assert '<span class="badge badge--muted">Cancelled</span>' in str(line.details)
    # and a second cancel changes nothing
    assert compose.cancel_scheduled(actor=sender, message=message) is False


def test_someone_else_cannot_cancel_and_nothing_changes(sender, identity, contact):
    message = compose.send_one_to_one(
        actor=sender,
        contact=contact,
        identity=identity,
        subject="Hi",
        body="Hi",
        send_after_at=timezone.now() + timedelta(days=1),
    )
    other = UserFactory(role=Role.ADMIN)
    with pytest.raises(ValidationError):
        compose.cancel_scheduled(actor=other, message=message)
    message.refresh_from_db()
    assert message.status == Status.QUEUED


def test_a_sent_or_due_email_cannot_be_cancelled(sender, identity, contact):
    message = compose.send_one_to_one(
        actor=sender, contact=contact, identity=identity, subject="Hi", body="Hi"
    )
    assert compose.cancel_scheduled(actor=sender, message=message) is False
    message.refresh_from_db()
    assert message.status == Status.QUEUED


def test_a_template_that_fails_to_render_is_refused_on_save(sender):
    with pytest.raises(ValidationError) as caught:
        compose.save_template(
            actor=sender,
            name="Intro",
            subject="Hi {{ contact.first_name }}",
            body="{{ settings.SECRET_KEY }}",
            is_shared=False,
        )
    assert caught.value.message_dict == {
        "body": ["The template cannot be used: Line 1: “settings” is not a merge field."]
    }
    assert MailTemplate.objects.count() == 0


def test_templates_are_changed_only_by_their_owner_or_an_admin_when_shared(sender):
    template = compose.save_template(actor=sender, name="Intro", subject="Hi", body="Body", is_shared=False)
    colleague = UserFactory(role=Role.SALES)
    with pytest.raises(ValidationError):
        compose.save_template(
            actor=colleague, template=template, name="Mine", subject="Hi", body="B", is_shared=True
        )
    with pytest.raises(ValidationError):
        compose.delete_template(actor=colleague, template=template)
    template.refresh_from_db()
    assert (template.name, template.is_shared) == ("Intro", False)


def test_a_signature_longer_than_the_limit_is_refused(sender):
    with pytest.raises(ValidationError) as caught:
        compose.save_signature(actor=sender, text="x" * 2001)
    assert caught.value.message_dict == {"text": ["A signature can be at most 2,000 characters."]}


def test_a_body_that_places_the_signature_does_not_get_it_twice(sender, identity, contact):
    compose.save_signature(actor=sender, text="Ana Ruiz\nSales")
    message = compose.send_one_to_one(
        actor=sender,
        contact=contact,
        identity=identity,
        subject="Hi",
        body="Hi\n\n{{ sender.signature }}\n\nPS: see you",
    )
    assert part(parsed(message), "text/plain").replace("\r\n", "\n") == (
        "Hi\n\nAna Ruiz\nSales\n\nPS: see you\n\nTandem"
    )


def test_the_plain_part_ends_with_the_same_brand_line_as_the_html_part(sender, identity, contact):
    # given a brand kit with a name and a postal address on several lines
    BrandKit.objects.create(
        pk=1,
        name="Northwind Analytics",
        postal_address="12 Harbour Street\n\nBristol BS1 4XX\nUnited Kingdom",
    )
    compose.save_signature(actor=sender, text="Ana Ruiz")

    message = compose.send_one_to_one(
        actor=sender, contact=contact, identity=identity, subject="Hi", body="Hi Ben"
    )

    # then both parts end with the business's one line: the HTML part in its small print, the plain part as text
    mime = parsed(message)
    line = "Northwind Analytics · 12 Harbour Street, Bristol BS1 4XX, United Kingdom"
    assert part(mime, "text/plain").replace("\r\n", "\n") == f"Hi Ben\n\n-- \nAna Ruiz\n\n{line}"
    assert f'<p style="margin-top:24px;font-size:12px;color:#6b7280">{line}</p>' in part(mime, "text/html")
