"""1:1 email with the input people really have: accents, emoji, right-to-left names, a name that tries to add a
header, a subject too long, a merge field with a typo."""

import pytest
from django.core.exceptions import ValidationError

from tandem.contacts.tests.factories import ContactFactory, UserFactory
from tandem.core.models import Role
from tandem.mail.models import Message
from tandem.mail.services import compose
from tandem.mail.tests.compose_fixtures import parsed, part, verified_identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def sender():
    return UserFactory(email="ana@example.com", first_name="Ana", last_name="Ruiz", role=Role.SALES)


def test_a_name_with_a_line_break_and_bcc_adds_no_header(sender):
    # given a contact whose name tries to smuggle a Bcc header
    contact = ContactFactory(first_name="Eve\r\nBcc: spy@evil.example", last_name="", email="eve@example.com")

    # when an email to them is sent, greeting them by name
    message = compose.send_one_to_one(
        actor=sender, contact=contact, identity=verified_identity(), subject="Hi {{ contact.first_name }}",
        body="Hello {{ contact.first_name }}",
    )  # fmt: skip

    # then the message has one recipient, no Bcc, and the subject stays one line
    email = parsed(message)
    assert email.get_all("Bcc") is None
    assert (message.recipients, email["To"]) == (["eve@example.com"], "eve@example.com")
    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.subject == "Hi Eve Bcc: spy@evil.example"


def test_accents_emoji_and_right_to_left_text_arrive_as_written(sender):
    contact = ContactFactory(first_name="مريم", last_name="Ñúñez", email="maryam@example.com")

    message = compose.send_one_to_one(
        actor=sender, contact=contact, identity=verified_identity(), subject="Café ☕ {{ contact.first_name }}",
        body="Hola {{ contact.first_name }} 👋",
    )  # fmt: skip

    email = parsed(message)
    assert message.subject == "Café ☕ مريم"
    assert part(email, "text/plain").startswith("Hola مريم 👋")


def test_a_subject_too_long_or_an_empty_body_or_a_typo_is_refused_and_nothing_is_sent(sender):
    contact = ContactFactory(first_name="Ben", email="ben@example.com")
    identity = verified_identity()

    cases = [
        ({"subject": "A" * 10_000, "body": "Hi"}, "subject"),
        ({"subject": "Hi", "body": ""}, "body"),
        ({"subject": "Hi {{ contact.frist_name }}", "body": "Hi"}, "subject"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as refused:
            compose.send_one_to_one(actor=sender, contact=contact, identity=identity, **fields)
        assert list(refused.value.message_dict) == [field]
    assert Message.objects.count() == 0
