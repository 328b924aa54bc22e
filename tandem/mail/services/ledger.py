"""Writing a message into the send ledger (ARCHITECTURE §7).

`queue_message` runs inside the caller's transaction: the row exists exactly when what decided to send it
committed, and delivery is asked for after that commit (`transaction.on_commit`), so a rollback sends
nothing. The message is built and checked here, once — addresses through email-validator, header values
refused when they hold a line break, before or after MIME decoding — so what the worker hands to the relay
later is what the mailbox shows.

The MIME message is built with the standard library's `email` package: ASCII headers (an internationalised
domain written in its ASCII form, a non-ASCII name or subject as RFC 2047 quoted-printable encoded words),
bodies as quoted-printable so that no relay needs 8BITMIME, CRLF line ends. Only when an address has a
non-ASCII local part (`josé@example.com`), which has no ASCII form, is the message written with UTF-8 headers
(RFC 6532, the SMTPUTF8 policy); such a message can only go to a relay that offers SMTPUTF8.
"""

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email import policy as email_policy
from email import quoprimime
from email.charset import QP, Charset
from email.errors import HeaderParseError
from email.header import Header, decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.utils import timezone
from email_validator import EmailNotValidError

from tandem.mail.addresses import validated
from tandem.mail.models import Category, Identity, Message

# 7bit: bodies are quoted-printable or base64, never raw 8-bit, so a relay without 8BITMIME takes them.
UTF8_POLICY = email_policy.SMTPUTF8.clone(cte_type="7bit")
COMPAT_POLICY = email_policy.compat32.clone(linesep="\r\n")
# UTF-8 text as quoted-printable, in bodies and in encoded words: readable in the raw source, 7-bit clean.
QP_UTF8 = Charset("utf-8")
QP_UTF8.header_encoding = QP_UTF8.body_encoding = QP


class InvalidMessage(ValidationError):
    """A message that cannot be sent as asked (a bad address, a line break in a header); says which and why."""


# Headers a caller may not set: the ledger writes them, or they would let content choose recipients.
RESERVED_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "message-id",
        "date",
        "subject",
        "sender",
        "return-path",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "dkim-signature",
    }
)


def message_id_for(key: str, domain: str) -> str:
    """The Message-ID of the ledger row with `key`: the same for every attempt, so duplicates are countable."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def _has_line_break(value: str) -> bool:
    # splitlines() knows every line boundary Python's email package may honour (CR, LF, VT, FF, FS, GS, RS,
    # NEL, U+2028, U+2029), not only CR and LF.
    return "\0" in value or len(f"{value}x".splitlines()) > 1


class _Address:
    """A checked address: its stored form (Unicode domain) and the form headers and envelopes use."""

    def __init__(self, address: str, *, field: str):
        if _has_line_break(address):
            raise InvalidMessage(f"The {field} address contains a line break.", code="header_injection")
        try:
            checked = validated(address)
        except EmailNotValidError as error:
            message = f"The {field} address “{address}” is not valid: {error}"
            raise InvalidMessage(message, code="invalid_address") from error
        self.normalized = checked.normalized
        # None when the local part is not ASCII: such an address exists only with SMTPUTF8.
        self.ascii = checked.ascii_email
        self.local_part = checked.local_part
        self.domain = checked.ascii_domain

    @classmethod
    def trusted(cls, address: str) -> "_Address":
        """An operator's ASCII address taken as written (tandem@localhost has no dot, so email-validator
        refuses it), for the configured default sender only."""
        checked = object.__new__(cls)
        local, _, domain = address.rpartition("@")
        checked.normalized = checked.ascii = address
        checked.local_part, checked.domain = local, domain.lower()
        return checked

    @property
    def needs_utf8(self) -> bool:
        return self.ascii is None

    def header(self, display_name: str = "") -> Address:
        if self.ascii is not None:
            username, _, domain = self.ascii.rpartition("@")
        else:
            username, _, domain = self.normalized.rpartition("@")
        return Address(display_name=display_name, username=username, domain=domain)


def _decoded(value: str) -> str:
    """`value` with its RFC 2047 encoded words decoded, as a receiving mail program would show it."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        return value


def _checked_header(name: str, value: str) -> str:
    if _has_line_break(value):
        raise InvalidMessage(f"The {name} contains a line break.", code="header_injection")
    if _has_line_break(_decoded(value)):
        raise InvalidMessage(f"The {name} contains an encoded line break.", code="header_injection")
    return value


def _set_header(message: EmailMessage, name: str, value, *, label: str) -> None:
    """Set a header and refuse it when its parsed value holds a line break: an RFC 2047 encoded word such as
    `=?utf-8?q?a=0D=0ABcc:_x@y?=` in a subject is decoded by the email package and would otherwise come out
    as a header line of its own."""
    try:
        message[name] = value
    except (ValueError, TypeError) as error:
        raise InvalidMessage(f"The {label} cannot be written: {error}", code="header_injection") from error
    if _has_line_break(str(message[name])):
        raise InvalidMessage(f"The {label} contains an encoded line break.", code="header_injection")


@lru_cache(maxsize=256)
def _sender_address(address: str, test_domains: bool) -> _Address:
    """An identity's checked address, once per address (a campaign sends thousands from one identity);
    keyed on the test-domain setting too, which decides what email-validator accepts. A refused address
    raises every time: exceptions are not cached."""
    return _Address(address, field="sender")


def _sender(identity: Identity | None, from_address: str | None) -> tuple[str, _Address]:
    """(the sender's display name, the checked sender address)."""
    if identity is not None:
        sender_name = _checked_header("sender name", identity.from_name)
        return sender_name, _sender_address(identity.address, settings.TANDEM_MAIL_ALLOW_TEST_DOMAINS)
    # The configured default sender is the operator's setting: "Name <address>" or an address alone. It may
    # be tandem@localhost on a laptop, which email-validator refuses (no dot in the domain), so a bare host
    # is accepted here as long as the address has one @ and no line break.
    raw = _checked_header("sender", from_address or settings.DEFAULT_FROM_EMAIL)
    name, address = parseaddr(raw)
    if "@" not in address:
        raise InvalidMessage(f"The sender “{raw}” has no address.", code="invalid_address")
    try:
        return name, _Address(address, field="sender")
    except InvalidMessage:
        local, _, domain = address.rpartition("@")
        operators = raw == settings.DEFAULT_FROM_EMAIL
        if not (
            operators and local.isascii() and domain.isascii() and local and domain and " " not in address
        ):
            raise
        return name, _Address.trusted(address)


def build_message(
    *,
    sender_name: str,
    sender: "_Address",
    recipients: list["_Address"],
    subject: str,
    text: str,
    html: str | None,
    reply_to: "_Address | None",
    message_id: str,
    headers: Mapping[str, str],
    date: datetime,
    cc: list["_Address"] = (),
    bcc: list["_Address"] = (),
) -> bytes:
    """The MIME message as bytes with CRLF line ends, ready to sign and hand to a relay. `recipients` and
    `cc` are written in the To and Cc headers; `bcc` only decides the encoding (its addresses are on the
    envelope alone)."""
    needs_utf8 = any(
        address.needs_utf8 for address in [sender, *recipients, *cc, *bcc, *([reply_to] if reply_to else [])]
    )
    if not needs_utf8:
        return _build_ascii(
            sender_name=sender_name,
            sender=sender,
            recipients=recipients,
            cc=cc,
            subject=subject,
            text=text,
            html=html,
            reply_to=reply_to,
            message_id=message_id,
            headers=headers,
            date=date,
        )
    message = EmailMessage(policy=UTF8_POLICY)
    _set_header(message, "From", sender.header(sender_name), label="sender")
    if recipients:
        _set_header(message, "To", [address.header() for address in recipients], label="recipient list")
    else:
        # Only blind copies: say so, as mail programs do, rather than leave To out.
        message["To"] = "undisclosed-recipients:;"
    if cc:
        _set_header(message, "Cc", [address.header() for address in cc], label="copy list")
    if reply_to is not None:
        _set_header(message, "Reply-To", reply_to.header(), label="reply-to address")
    _set_header(message, "Subject", subject, label="subject")
    message["Date"] = format_datetime(date.astimezone(UTC))
    message["Message-ID"] = message_id
    for name, value in headers.items():
        _set_header(message, name, value, label=f"{name} header")
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


def _header(value: str, name: str) -> Header | str:
    """A header value as RFC 5322 wants it: ASCII as is (folded when long), anything else as RFC 2047
    quoted-printable encoded words."""
    if value.isascii() and len(value) < 70:
        return value
    return Header(value, "us-ascii" if value.isascii() else QP_UTF8, header_name=name)


# A header value that needs neither folding nor encoding: printable ASCII words between single spaces.
_PLAIN_HEADER = re.compile(r"[!-~]+(?: [!-~]+)*")
_LINE_END = re.compile(r"\r\n|\r|\n")


def _header_line(name: str, value: str) -> bytes:
    """One header field with its CRLF, byte for byte as the email package's compat32 policy writes
    `_header(value)`: a value that fits on one line (78 characters) is written here, a plain ASCII one as is
    and any other as one RFC 2047 quoted-printable encoded word; a longer one is folded (and split into
    several encoded words) by the email package itself."""
    if value.isascii():
        if len(value) < 70 and len(name) + len(value) <= 76 and _PLAIN_HEADER.fullmatch(value):
            return f"{name}: {value}\r\n".encode("ascii")
    else:
        # What the email package writes when the whole value fits in the first line's encoded word.
        word = quoprimime.header_encode(value.encode("utf-8"), charset="utf-8")
        if len(name) + 2 + len(word) <= 78:
            return f"{name}: {word}\r\n".encode("ascii")
    return COMPAT_POLICY.fold_binary(name, _header(value, name))


def _text_part(text: str, subtype: str) -> tuple[bytes, bytes]:
    """(Content-Type header, body) of a UTF-8 text part: the body quoted-printable by the email package's
    own encoder, with CRLF line ends, as MIMEText writes it."""
    encoded = quoprimime.body_encode(text.encode("utf-8").decode("latin-1"))
    content_type = f'Content-Type: text/{subtype}; charset="utf-8"\r\n'.encode("ascii")
    return content_type, _LINE_END.sub("\r\n", encoded).encode("ascii")


def _build_ascii(
    *,
    sender_name: str,
    sender: "_Address",
    recipients: list["_Address"],
    cc: list["_Address"],
    subject: str,
    text: str,
    html: str | None,
    reply_to: "_Address | None",
    message_id: str,
    headers: Mapping[str, str],
    date: datetime,
) -> bytes:
    """build_message for the common case, every address with an ASCII form. The message is written
    directly, byte for byte what the email package's compat32 classes (MIMEText, MIMEMultipart) write, at a
    fraction of their cost: the header values that need folding or encoded words and the quoted-printable
    bodies still come from the email package's own functions, and a test holds the two equal. Every value
    was checked before (no line break, none hidden in an encoded word), so nothing needs parsing back."""
    text_type, text_body = _text_part(text, "plain")
    if html is None:
        lines = [text_type, b"MIME-Version: 1.0\r\n", _QUOTED_PRINTABLE]
        body = text_body
    else:
        html_type, html_body = _text_part(html, "html")
        boundary = _boundary(text_body + html_body)
        lines = [
            _header_line("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
            b"MIME-Version: 1.0\r\n",
        ]
        delimiter = f"--{boundary}\r\n".encode("ascii")
        body = b"".join(
            [
                delimiter,
                text_type,
                _QUOTED_PRINTABLE,
                b"\r\n",
                text_body,
                b"\r\n",
                delimiter,
                html_type,
                _QUOTED_PRINTABLE,
                b"\r\n",
                html_body,
                f"\r\n--{boundary}--\r\n".encode("ascii"),
            ]
        )
    lines.append(_header_line("From", formataddr((sender_name, sender.ascii), charset=QP_UTF8)))
    if recipients:
        lines.append(_header_line("To", ", ".join(address.ascii for address in recipients)))
    else:
        lines.append(b"To: undisclosed-recipients:;\r\n")
    if cc:
        lines.append(_header_line("Cc", ", ".join(address.ascii for address in cc)))
    if reply_to is not None:
        lines.append(_header_line("Reply-To", reply_to.ascii))
    lines.append(_header_line("Subject", subject))
    lines.append(_header_line("Date", format_datetime(date.astimezone(UTC))))
    lines.append(_header_line("Message-ID", message_id))
    for name, value in headers.items():
        lines.append(_header_line(name, value))
    lines.append(b"\r\n")
    lines.append(body)
    return b"".join(lines)


_QUOTED_PRINTABLE = b"Content-Transfer-Encoding: quoted-printable\r\n"


def _boundary(content: bytes) -> str:
    """A multipart boundary in the email package's form that no line of `content` starts with (a
    quoted-printable body writes "=" as "=3D", so a clash is near impossible; it is checked all the same)."""
    while True:
        boundary = "=" * 15 + f"{secrets.randbelow(10**19):019d}" + "=="
        if f"--{boundary}".encode("ascii") not in content:
            return boundary


def _deliver_after_commit() -> None:
    # Imported here: the tasks module imports the delivery worker, which imports this module.
    from tandem.mail.tasks import deliver_mail

    deliver_mail()


def _schedule_delivery() -> None:
    """Ask for one delivery run after the current transaction commits, however many messages it queued (a
    campaign queues thousands in one transaction; each run delivers everything that is due)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        entry[1] is _deliver_after_commit for entry in connection.run_on_commit
    ):
        return
    transaction.on_commit(_deliver_after_commit)


def _checked_row(
    *,
    key: str,
    category: str,
    to: Iterable[str],
    subject: str,
    text: str,
    html: str | None,
    cc: Iterable[str],
    bcc: Iterable[str],
    identity: Identity | None,
    from_address: str | None,
    reply_to: str | None,
    headers: Mapping[str, str] | None,
    contact: models.Model | None,
    about: tuple[str, int] | None,
    sender: models.Model | None,
    send_after_at: datetime | None,
) -> Message:
    """The ledger row for queue_message, checked and with its MIME message built, not yet written."""
    recipients = [_Address(address, field="recipient") for address in to]
    copies = [_Address(address, field="copy") for address in cc]
    blind_copies = [_Address(address, field="blind copy") for address in bcc]
    if not (recipients or copies or blind_copies):
        raise InvalidMessage("A message needs at least one recipient.", code="no_recipient")
    sender_name, sender_address = _sender(identity, from_address)
    extra_headers: dict[str, str] = {}
    for name, value in (headers or {}).items():
        if name.lower() in RESERVED_HEADERS:
            raise InvalidMessage(f"The {name} header is written by the ledger.", code="reserved_header")
        if not name or not all(33 <= ord(character) <= 126 and character != ":" for character in name):
            raise InvalidMessage(f"“{name}” is not a valid header name.", code="header_injection")
        extra_headers[name] = _checked_header(f"{name} header", value)
    reply_to = reply_to or (identity.reply_to if identity is not None else "")
    reply_to_address = _Address(reply_to, field="reply-to") if reply_to else None
    message_id = message_id_for(key, sender_address.domain)
    now = timezone.now()
    raw = build_message(
        sender_name=sender_name,
        sender=sender_address,
        recipients=recipients,
        subject=_checked_header("subject", subject),
        text=text,
        html=html,
        reply_to=reply_to_address,
        message_id=message_id,
        headers=extra_headers,
        date=now,
        cc=copies,
        bcc=blind_copies,
    )
    about_type, about_id = about if about is not None else ("", None)
    return Message(
        key=key,
        message_id=message_id,
        category=category,
        identity=identity,
        from_address=str(sender_address.header(sender_name)),
        # The envelope: everyone the relay is asked to deliver to, blind copies included, each once.
        recipients=list(
            dict.fromkeys(address.normalized for address in [*recipients, *copies, *blind_copies])
        ),
        subject=subject,
        raw=raw,
        contact=contact,
        about_type=about_type,
        about_id=about_id,
        sender=sender,
        created_at=now,
        send_after_at=send_after_at or now,
    )


def _insert_unless_known(row: Message) -> bool:
    """Write `row` in one statement unless its key is in the ledger already; True (and `row` has its id)
    when it was written.

    INSERT … ON CONFLICT (key) DO NOTHING RETURNING id (SQLite ≥ 3.35 and PostgreSQL): no key check before
    the INSERT, so one statement instead of two, and two transactions queueing the same key at once do not
    fail. On PostgreSQL the second waits for the first: when that commits, nothing is written and the caller
    reads the row it wrote; when it rolls back, the second writes its own. The values go through each
    field's own preparation, as Model.save() would send them."""
    database = connections[router.db_for_write(Message)]
    fields = [field for field in Message._meta.concrete_fields if not field.primary_key]
    quote = database.ops.quote_name
    sql = (
        f"INSERT INTO {quote(Message._meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
        f" ON CONFLICT ({quote(Message._meta.get_field('key').column)}) DO NOTHING"
        f" RETURNING {quote(Message._meta.pk.column)}"
    )
    values = [field.get_db_prep_save(getattr(row, field.attname), database) for field in fields]
    with database.cursor() as cursor:
        cursor.execute(sql, values)
        written = cursor.fetchone()
    if written is None:
        return False
    row.pk = written[0]
    row._state.adding = False
    row._state.db = database.alias
    return True


def queue_message(
    *,
    key: str,
    category: str,
    to: Iterable[str],
    subject: str,
    text: str,
    html: str | None = None,
    cc: Iterable[str] = (),
    bcc: Iterable[str] = (),
    identity: Identity | None = None,
    from_address: str | None = None,
    reply_to: str | None = None,
    headers: Mapping[str, str] | None = None,
    contact: models.Model | None = None,
    about: tuple[str, int] | None = None,
    sender: models.Model | None = None,
    send_after_at: datetime | None = None,
) -> Message:
    """Write one message into the ledger, in the caller's transaction, and return its row; once the
    transaction commits, a worker is asked to deliver what is due.

    `to` and `cc` are written in the headers; `bcc` addresses are on the envelope only.
    `key` names what the message is for; queueing a key that is already in the ledger returns the existing
    row and writes nothing (a retried request or a re-delivered event sends once). The message comes from
    `identity`, or else from `from_address` (default: DEFAULT_FROM_EMAIL). `send_after_at` schedules it.
    Raises InvalidMessage for an address email-validator refuses, a header value with a line break (also
    one hidden in an encoded word), or a header the ledger owns.
    """
    if category not in Category.values:
        raise InvalidMessage(f"Unknown mail category “{category}”.", code="invalid_category")
    try:
        row = _checked_row(
            key=key,
            category=category,
            to=to,
            cc=cc,
            bcc=bcc,
            subject=subject,
            text=text,
            html=html,
            identity=identity,
            from_address=from_address,
            reply_to=reply_to,
            headers=headers,
            contact=contact,
            about=about,
            sender=sender,
            send_after_at=send_after_at,
        )
    except InvalidMessage:
        # A key already in the ledger is that message, whatever this call asks: the row is returned as when
        # the input is valid (a retried request whose input no longer passes still gets its message).
        existing = Message.objects.filter(key=key).first()
        if existing is None:
            raise
        return existing
    if not _insert_unless_known(row):
        return Message.objects.get(key=key)
    _schedule_delivery()
    return row
