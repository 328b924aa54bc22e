"""The ledger's direct MIME writer for all-ASCII addresses (`ledger._build_ascii`) writes, byte for byte, what
the email package's compat32 classes wrote before it (the reference below, kept as the oracle): the same
headers in the same order, the same folding and encoded words, the same quoted-printable bodies."""

import email
import re
from datetime import UTC, datetime
from email import policy
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tandem.mail.services import ledger
from tandem.mail.services.ledger import COMPAT_POLICY, QP_UTF8, _Address, _header

DATE = datetime(2026, 12, 6, 17, 5, 9, tzinfo=UTC)
SENDER = _Address.trusted("ana@tandem-test.example")


def _reference(*, sender_name, recipients, cc, subject, text, html, reply_to, headers, boundary) -> bytes:
    """The message as the compat32 classes write it (the ledger's writer until the direct one)."""
    body = MIMEText(text, "plain", QP_UTF8)
    if html is None:
        message = body
    else:
        message = MIMEMultipart("alternative")
        for part in (body, MIMEText(html, "html", QP_UTF8)):
            del part["MIME-Version"]
            message.attach(part)
        message.set_boundary(boundary)
    message["From"] = formataddr((sender_name, SENDER.ascii), charset=QP_UTF8)
    if recipients:
        message["To"] = _header(", ".join(address.ascii for address in recipients), "To")
    else:
        message["To"] = "undisclosed-recipients:;"
    if cc:
        message["Cc"] = _header(", ".join(address.ascii for address in cc), "Cc")
    if reply_to is not None:
        message["Reply-To"] = reply_to.ascii
    message["Subject"] = _header(subject, "Subject")
    message["Date"] = format_datetime(DATE)
    message["Message-ID"] = "<0123456789abcdef@tandem-test.example>"
    for name, value in headers.items():
        message[name] = _header(value, name)
    return message.as_bytes(policy=COMPAT_POLICY)


def _both(
    *,
    sender_name="Ana",
    recipients=("ada@example.com",),
    cc=(),
    subject="Hello",
    text="Hi\n",
    html=None,
    reply_to=None,
    headers=None,
) -> tuple[bytes, bytes]:
    options = {
        "sender_name": sender_name,
        "recipients": [_Address.trusted(address) for address in recipients],
        "cc": [_Address.trusted(address) for address in cc],
        "subject": subject,
        "text": text,
        "html": html,
        "reply_to": _Address.trusted(reply_to) if reply_to else None,
        "headers": headers or {},
    }
    written = ledger._build_ascii(
        sender=SENDER, message_id="<0123456789abcdef@tandem-test.example>", date=DATE, **options
    )
    found = re.search(rb'boundary="([^"]+)"', written)
    boundary = found.group(1).decode() if found else None
    return written, _reference(boundary=boundary, **options)


CASES = {
    "plain": {},
    "accents everywhere": {
        "sender_name": "José Ñúñez",
        "subject": "Grüße aus Köln – “quoted” ✓",
        "text": "Straße\nZoë 🙂\n",
    },
    "long ascii subject folds": {"subject": "A subject that goes on " * 6},
    "long accented subject folds into encoded words": {"subject": "Réunion très importante " * 8},
    "subject at the fold limit": {"subject": "x" * 67},
    "subject one past it": {"subject": "x" * 68},
    # "Subject: =?utf-8?q?=C3=A9aaa…?=": 78 characters with 51 a's, the longest encoded word left on one line
    "accented subject at the fold limit": {"subject": "é" + "a" * 51},
    "accented subject one past it": {"subject": "é" + "a" * 52},
    "double spaces and tabs": {"subject": "two  spaces\tand a tab ", "sender_name": " Ana  B "},
    "name with specials is quoted": {"sender_name": 'Ana "the boss", Sales <team>'},
    "encoded-word lookalike": {"subject": "=?utf-8?q?not_really?= plain", "sender_name": "=?x?"},
    "many recipients fold": {"recipients": [f"person{number}@example.com" for number in range(12)]},
    "only blind copies": {"recipients": ()},
    "copies and reply-to": {"cc": ["bo@example.com", "cy@example.com"], "reply_to": "help@example.com"},
    "extra headers": {
        "headers": {
            "List-Unsubscribe": "<https://tandem.example/u/" + "a" * 90 + ">",
            "X-Tandem": "ok",
            "X-Accents": "café",
        }
    },
    "header values at and past the one-line limit": {
        # "X-Long-Header-Name: " and 58 characters make 78, the longest line written unfolded
        "headers": {"X-Long-Header-Name": "x" * 58, "X-Long-Header-Name2": "x" * 58}
    },
    "body edge cases": {
        "text": "From me\n.\n=equals= \ntrailing tab\t\nx"
        + "y" * 200
        + "\r\nCRLF\rCR only\n\x0bvt\x0cff\u2028ls\n\n\n",
    },
    "body without final newline": {"text": "no newline at the end"},
    "empty body": {"text": ""},
    "html alternative": {
        "html": "<p>Hallo <b>Zoë</b></p>\n<p>" + "lang " * 40 + "</p>",
        "text": "Hallo Zoë\n",
    },
    "html with a boundary lookalike": {"html": "--===============1234==\n", "text": "--x--\n"},
}


@pytest.mark.parametrize("options", CASES.values(), ids=CASES.keys())
def test_the_direct_writer_writes_what_the_compat32_classes_wrote(options):
    written, reference = _both(**options)
    assert written == reference


# Any Unicode text, with the fragments folding and encoded words care about mixed in.
PRINTABLE = st.lists(
    st.text(st.characters(codec="utf-8"), max_size=30)
    | st.sampled_from(
        ["=?", "?=", "=?utf-8?q?x?=", " ", "  ", "\t", "=", "\r\n", "\r", "\n", "--", "x" * 80]
    ),
    max_size=8,
).map("".join)
ONE_LINE = PRINTABLE.filter(lambda value: not ledger._has_line_break(value))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sender_name=ONE_LINE,
    subject=ONE_LINE,
    text=PRINTABLE,
    html=st.none() | PRINTABLE,
    header=ONE_LINE,
)
@example(sender_name="", subject="", text="", html="", header="")
def test_any_checked_input_gives_the_same_bytes_as_the_compat32_classes(
    sender_name, subject, text, html, header
):
    written, reference = _both(
        sender_name=sender_name, subject=subject, text=text, html=html, headers={"X-Note": header}
    )
    assert written == reference
    # and the text part reads back as the text given, line ends as CRLF
    parsed = email.message_from_bytes(written, policy=policy.default)
    body = parsed.get_body(preferencelist=("plain",)).get_payload(decode=True).decode("utf-8")
    assert body == re.sub(r"\r\n|\r|\n", "\r\n", text)
