"""Addresses and headers as they travel: internationalised domains, UTF-8 local parts, header injection."""

import email
from email import policy

import pytest

from tandem.mail.delivery import deliver_due
from tandem.mail.models import Category, Message, Status
from tandem.mail.services import InvalidMessage, queue_message
from tandem.mail.testing import running_smtp_server
from tandem.mail.tests.support import assert_well_formed, make_identity

pytestmark = pytest.mark.django_db


def _queue(to: str, key: str = "idn:1", **options) -> Message:
    return queue_message(
        key=key,
        category=Category.PERSONAL,
        to=[to],
        subject=options.pop("subject", "Grüße aus Köln"),
        text="Hallo,\nbis Dienstag.\n",
        identity=options.pop("identity", None) or make_identity(),
        **options,
    )


def test_an_idn_domain_travels_in_ascii_to_a_relay_without_smtputf8():
    # given a message to an internationalised domain, and a relay without SMTPUTF8
    message = _queue("user@bücher.example")
    with running_smtp_server(smtputf8=False) as server:
        # when delivered
        deliver_due(worker="test", relay=server.relay_settings())

        # then the envelope and the To header carry the ASCII form, and the message is well formed
        [received] = server.messages
    assert received.recipients == ["user@xn--bcher-kva.example"]
    assert "SMTPUTF8" not in received.mail_options
    parsed = assert_well_formed(received.data)
    assert str(parsed["To"]) == "user@xn--bcher-kva.example"
    assert parsed["Subject"] == "Grüße aus Köln"
    message.refresh_from_db()
    assert (message.status, message.recipients) == (Status.SENT, ["user@bücher.example"])


def test_an_idn_domain_travels_in_utf8_to_a_relay_with_smtputf8():
    # given the same message and a relay offering SMTPUTF8
    _queue("user@bücher.example")
    with running_smtp_server(smtputf8=True) as server:
        # when delivered
        deliver_due(worker="test", relay=server.relay_settings())
        [received] = server.messages

    # then the envelope carries the UTF-8 address, with the SMTPUTF8 parameter
    assert received.recipients == ["user@bücher.example"]
    assert "SMTPUTF8" in received.mail_options
    assert_well_formed(received.data)


def test_a_utf8_local_part_goes_to_a_relay_with_smtputf8_with_utf8_headers():
    # given a recipient whose local part is not ASCII
    message = _queue("josé@example.com")
    with running_smtp_server(smtputf8=True) as server:
        # when delivered to a relay offering SMTPUTF8
        deliver_due(worker="test", relay=server.relay_settings())
        [received] = server.messages

    # then the To header is UTF-8 (RFC 6532), not an RFC 2047 encoded word, and the signature verifies
    assert received.recipients == ["josé@example.com"]
    assert b"To: jos\xc3\xa9@example.com\r\n" in received.data
    assert b"=?utf-8?" not in received.data.split(b"\r\n\r\n")[0].split(b"To:")[1].split(b"\r\n")[0]
    parsed = email.message_from_string(
        received.data.decode("utf-8"), policy=policy.SMTPUTF8.clone(raise_on_defect=True)
    )
    assert parsed["To"].addresses[0].username == "josé"
    assert_well_formed(received.data)
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_a_utf8_local_part_fails_for_good_on_a_relay_without_smtputf8():
    # given a recipient whose local part is not ASCII, and a relay without SMTPUTF8
    message = _queue("josé@example.com")
    with running_smtp_server(smtputf8=False) as server:
        # when the worker runs
        deliver_due(worker="test", relay=server.relay_settings())
        received = server.messages

    # then the message failed with the reason, and nothing was sent
    assert received == []
    message.refresh_from_db()
    assert (message.status, message.last_response) == (
        Status.FAILED,
        "The address josé@example.com has a non-ASCII local part, which needs SMTPUTF8,"
        " and the relay does not offer it.",
    )


@pytest.mark.parametrize(
    "subject",
    [
        "Hello\r\nBcc: victim@example.com",
        "Hello\nBcc: victim@example.com",
        "Hello\u2028Bcc: victim@example.com",
        "=?utf-8?q?Hello=0D=0ABcc:_victim@example.com?=",
        "=?utf-8?b?SGVsbG8NCkJjYzogdmljdGltQGV4YW1wbGUuY29t?=",
    ],
)
def test_a_line_break_in_a_subject_plain_or_encoded_is_refused_and_nothing_is_queued(subject):
    # when a subject with a line break, plain or hidden in an encoded word, is queued
    with pytest.raises(InvalidMessage) as refused:
        _queue("ada@example.com", subject=subject)

    # then it is refused, and the ledger holds nothing
    assert refused.value.code == "header_injection"
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    "name", ["Ana\r\nBcc: victim@example.com", "=?utf-8?q?Ana=0ABcc:_victim@example.com?="]
)
def test_a_line_break_in_a_sender_name_is_refused(name):
    # given an identity whose name hides a line break
    identity = make_identity(name=name)

    # when a message is queued from it
    with pytest.raises(InvalidMessage) as refused:
        _queue("ada@example.com", identity=identity, subject="Hi")

    # then it is refused
    assert refused.value.code == "header_injection"
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    "address",
    [
        "ada@example.com\r\nBcc: victim@example.com",
        "ada@example.com, victim@example.com",
        "Ada <ada@example.com>",
    ],
)
def test_a_recipient_that_is_not_one_address_is_refused(address):
    # when a recipient field holds more than one address, or a line break
    with pytest.raises(InvalidMessage) as refused:
        _queue(address)

    # then it is refused
    assert refused.value.code in ("header_injection", "invalid_address")
    assert Message.objects.count() == 0


def test_an_encoded_word_in_a_name_or_body_adds_no_recipient():
    # given a subject and body with text that looks like headers, but no line break
    message = queue_message(
        key="inject:1",
        category=Category.PERSONAL,
        to=["ada@example.com"],
        subject="Re: Bcc: victim@example.com",
        text="Bcc: victim@example.com\r\nTo: victim@example.com\r\n\r\n.\r\nRCPT TO:<victim@example.com>\r\n",
        identity=make_identity(),
    )
    with running_smtp_server() as server:
        # when delivered
        deliver_due(worker="test", relay=server.relay_settings())
        [received] = server.messages

    # then the only recipient is the one asked for, and the headers are the ledger's
    assert received.recipients == ["ada@example.com"]
    parsed = assert_well_formed(received.data)
    assert parsed["Bcc"] is None
    assert str(parsed["To"]) == "ada@example.com"
    assert parsed.get_body(("plain",)).get_content().startswith("Bcc: victim@example.com")
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_a_header_the_ledger_owns_or_a_bad_header_name_is_refused():
    # when a caller tries to set Bcc, or a header name with a colon
    identity = make_identity()
    for headers, code in (
        ({"Bcc": "victim@example.com"}, "reserved_header"),
        ({"X-A: b": "c"}, "header_injection"),
    ):
        with pytest.raises(InvalidMessage) as refused:
            _queue("ada@example.com", headers=headers, identity=identity)
        # then it is refused
        assert refused.value.code == code
    assert Message.objects.count() == 0
