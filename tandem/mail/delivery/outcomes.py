"""What the worker hands a transport (a Job) and what the transport answers (an Outcome)."""

from dataclasses import dataclass
from enum import StrEnum


class Result(StrEnum):
    # The relay accepted the message (250 after DATA, or the provider's API said it took it).
    SENT = "sent"
    # Try again later: 4xx, a timeout, a dropped connection.
    TRANSIENT = "transient"
    # Never going to work for this message: 5xx, an address the relay cannot carry.
    PERMANENT = "permanent"
    # The relay itself needs a person (authentication or TLS refused): the message waits, an alert is raised.
    RELAY_PROBLEM = "relay_problem"


@dataclass(frozen=True)
class Outcome:
    result: Result
    # The relay's answer in its own words ("250 2.0.0 Ok: queued as 4F2…", "550 5.1.1 <x@y>: no such user"),
    # or, for a connection problem, what happened in plain words.
    response: str

    @classmethod
    def sent(cls, response: str) -> "Outcome":
        return cls(Result.SENT, response)

    @classmethod
    def transient(cls, response: str) -> "Outcome":
        return cls(Result.TRANSIENT, response)

    @classmethod
    def permanent(cls, response: str) -> "Outcome":
        return cls(Result.PERMANENT, response)

    @classmethod
    def relay_problem(cls, response: str) -> "Outcome":
        return cls(Result.RELAY_PROBLEM, response)


@dataclass(frozen=True)
class Job:
    """One message ready for a transport: nothing in it needs the database."""

    message_pk: int
    # Envelope addresses in their stored form (Unicode domain); the SMTP transport picks the ASCII or the
    # UTF-8 form depending on what the relay offers.
    envelope_from: str
    recipients: tuple[str, ...]
    # The MIME message as bytes (DKIM-signed for SMTP), CRLF line ends.
    data: bytes

    @property
    def has_utf8_headers(self) -> bool:
        header_section = self.data.split(b"\r\n\r\n", 1)[0]
        return not header_section.isascii()


class RelayProblem(Exception):
    """Raised inside a transport when the relay needs a person; becomes Outcome.relay_problem."""


def classify(code: int, text: str) -> Outcome:
    """An SMTP reply code as an outcome: 4xx transient, 5xx permanent, 530/535 a relay problem."""
    response = f"{code} {text}".strip()
    if code in (530, 534, 535, 538):
        return Outcome.relay_problem(f"The relay refused to authenticate Tandem: {response}")
    if 400 <= code < 500:
        return Outcome.transient(response)
    return Outcome.permanent(response)
