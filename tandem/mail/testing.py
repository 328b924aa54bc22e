"""Test helpers for every app that sends mail: read what the ledger holds, and a real SMTP server.

- `ledger_messages(to=...)`: the messages in the send ledger as parsed `email.message.EmailMessage`s (what
  Django's `mail.outbox` used to give; Django's mail API writes into the ledger now). `sent_messages(to=...)`
  gives the same with the attributes of Django's EmailMessage (`subject`, `body`, `to`, `alternatives`), for
  tests written against `mail.outbox`.
- `SmtpServer` / the `smtp_server` fixture: an aiosmtpd server on loopback that keeps every message it
  accepts and misbehaves on request — a reply code (421, 451, 550, …) at RCPT or after DATA, a dropped
  connection after DATA, a stall past the client's timeout — per recipient, for a number of times. It can
  require AUTH, offer STARTTLS or speak TLS from the start with a self-signed certificate
  (`self_signed_certificate`), refuse STARTTLS, and offer SMTPUTF8 or not.

Other apps' tests import the fixture: `from tandem.mail.testing import smtp_server  # noqa: F401`.
"""

import asyncio
import contextlib
import datetime
import email
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult


def ledger_messages(to: str | None = None) -> list[EmailMessage]:
    """The ledger's messages, oldest first, parsed (with LF line ends, as Python code writes text); only
    those to `to` (an envelope recipient: To, Cc or Bcc) when given."""
    return [sent.message for sent in sent_messages(to=to)]


@dataclass
class SentMessage:
    """A ledger message with the attributes of Django's EmailMultiAlternatives that tests read (`to`,
    `subject`, `body`, `alternatives`, …), so tests written against `mail.outbox` keep their assertions."""

    message: EmailMessage
    status: str
    category: str

    def _addresses(self, header: str) -> list[str]:
        value = self.message[header]
        return [address.addr_spec for address in value.addresses] if value is not None else []

    @property
    def to(self) -> list[str]:
        return self._addresses("To")

    @property
    def cc(self) -> list[str]:
        return self._addresses("Cc")

    @property
    def reply_to(self) -> list[str]:
        return self._addresses("Reply-To")

    @property
    def from_email(self) -> str:
        return str(self.message["From"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        return part.get_content() if part is not None else ""

    @property
    def html(self) -> str | None:
        part = self.message.get_body(("html",))
        return part.get_content() if part is not None else None

    @property
    def alternatives(self) -> list[tuple[str, str]]:
        return [(self.html, "text/html")] if self.html is not None else []

    @property
    def extra_headers(self) -> dict[str, str]:
        return {name: str(value) for name, value in self.message.items()}


def sent_messages(to: str | None = None) -> list[SentMessage]:
    """`ledger_messages` with Django-like attributes: what a test that read `mail.outbox` reads now.
    `sent_messages(to="ada@example.com")[0].subject`, `.body`, `.to`, `.alternatives`."""
    from tandem.mail.models import Message

    rows = Message.objects.order_by("id")
    found = []
    for row in rows:
        if to is not None and to.lower() not in [address.lower() for address in row.recipients]:
            continue
        raw = bytes(row.raw).replace(b"\r\n", b"\n")
        parsed = email.message_from_bytes(raw, policy=policy.default)
        found.append(SentMessage(message=parsed, status=row.status, category=row.category))
    return found


@dataclass
class Received:
    """One message the server accepted: its envelope as the client sent it, and its bytes."""

    mail_from: str
    recipients: list[str]
    data: bytes
    mail_options: list[str]

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=policy.default)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class Rule:
    """Misbehave for `times` transactions to `recipient` (None: any): answer `reply` ("451 4.3.0 Try later")
    at `stage` ("rcpt" or "data"), or at DATA `drop` the connection or `stall` for `seconds`."""

    reply: str = ""
    recipient: str | None = None
    stage: str = "data"
    times: int = 1
    action: str = "reply"
    seconds: float = 0.0


@dataclass
class _Handler:
    messages: list[Received] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    transactions: int = 0

    def _take_rule(self, stage: str, recipients: list[str]) -> Rule | None:
        with self.lock:
            for rule in self.rules:
                if rule.stage != stage or rule.times <= 0:
                    continue
                if rule.recipient is None or rule.recipient.lower() in [r.lower() for r in recipients]:
                    rule.times -= 1
                    return rule
        return None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        rule = self._take_rule("rcpt", [address])
        if rule is not None:
            return rule.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.transactions += 1
        rule = self._take_rule("data", envelope.rcpt_tos)
        if rule is not None:
            if rule.action == "drop":
                server.transport.close()
                return "421 dropped"
            if rule.action == "stall":
                await asyncio.sleep(rule.seconds)
                return "451 4.4.2 Too slow"
            return rule.reply
        received = Received(
            mail_from=envelope.mail_from,
            recipients=list(envelope.rcpt_tos),
            data=envelope.original_content,
            mail_options=list(envelope.mail_options),
        )
        with self.lock:
            self.messages.append(received)
            number = len(self.messages)
        return f"250 2.0.0 Ok: queued as TEST{number}"


class _RefusingStarttls(SMTP):
    async def smtp_STARTTLS(self, arg: str):
        await self.push("454 4.7.0 TLS not available due to temporary reason")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 in a thread of this process. See the module docstring."""

    def __init__(
        self,
        *,
        smtputf8: bool = False,
        credentials: tuple[str, str] | None = None,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        refuse_starttls: bool = False,
        port: int | None = None,
    ):
        self.handler = _Handler()
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.credentials = credentials
        # Every AUTH attempt (user name, password), accepted or not: what Tandem tried to log in with.
        self.logins: list[tuple[str, str]] = []
        server_options = {
            "enable_SMTPUTF8": smtputf8,
            "decode_data": False,
            "auth_require_tls": False,
            "authenticator": self._authenticate if credentials else None,
            "auth_required": bool(credentials),
            "tls_context": starttls,
            "require_starttls": False,
        }
        server_class = _RefusingStarttls if refuse_starttls else SMTP

        class _Controller(Controller):
            def factory(inner):
                return server_class(inner.handler, **server_options)

        self.controller = _Controller(
            self.handler, hostname=self.host, port=self.port, ssl_context=implicit_tls, ready_timeout=10
        )

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=(login, password) == self.credentials, handled=False)

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    def misbehave(self, reply: str = "", **rule) -> None:
        """Add a Rule: `misbehave("451 4.3.0 Try later", recipient="a@example.com", times=2)`,
        `misbehave(action="drop")`, `misbehave(action="stall", seconds=3)`, `misbehave("550 …", stage="rcpt")`."""
        with self.handler.lock:
            self.handler.rules.append(Rule(reply=reply, **rule))

    def relay_settings(self, **changes):
        """A RelaySettings pointing at this server (plain SMTP unless changed)."""
        from tandem.mail.models import RelayKind, Security
        from tandem.mail.relay import RelaySettings

        options = {
            "kind": RelayKind.SMTP,
            "host": self.host,
            "port": self.port,
            "security": Security.NONE,
            "timeout_seconds": 5,
            **changes,
        }
        return RelaySettings(**options)


@contextlib.contextmanager
def running_smtp_server(**options) -> Iterator[SmtpServer]:
    """`with running_smtp_server(smtputf8=True) as server:` — an SmtpServer for the block."""
    server = SmtpServer(**options).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server():
    """A plain SMTP server (no TLS, no AUTH, no SMTPUTF8) on loopback for one test. Import it into a test
    module, or wrap `running_smtp_server` in a fixture of your own."""
    with running_smtp_server() as server:
        yield server


def self_signed_certificate(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """(certificate, key) PEM files for `host`, made with `cryptography`."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_path, key_path = directory / "relay-cert.pem", directory / "relay-key.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return certificate_path, key_path


def server_tls_context(certificate: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate), str(key))
    return context
