"""Reading one message as it came from an IMAP server: who it is from, what it answers, its text, and
whether a machine wrote it. Pure functions of the bytes; no database, no network."""

import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

import nh3

# Stored columns' widths: a header longer than this is cut, never refused.
MAX_HEADER = 998
MAX_SUBJECT = 2000
# The text kept of one message (the conversation page shows it; the rest stays on the mail server).
MAX_TEXT = 100_000
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Subjects that out-of-office replies start with, in the languages our customers write in. Only a hint:
# a person may well write "Out of office on Friday", so the subject must start with it, not merely hold it.
AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|autoreply|out of (the )?office|abwesenheitsnotiz|"
    r"r[ée]ponse automatique|respuesta autom[áa]tica|risposta automatica|afwezig)\b",
    re.IGNORECASE,
)
PRECEDENCE_AUTOMATIC = frozenset({"bulk", "junk", "auto_reply", "list"})


class MalformedMessage(ValueError):
    """A message that cannot be read (no headers, no sender, MIME that does not parse); says why."""


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    in_reply_to: str
    # The ids this message names as its ancestors, nearest first: In-Reply-To, then References backwards.
    ancestors: tuple[str, ...]
    from_address: str
    from_name: str
    # Every address the message was delivered to (To, Cc, Delivered-To, X-Original-To), for plus-addressing.
    delivered_to: tuple[str, ...]
    subject: str
    text: str
    sent_at: datetime | None
    auto_reply_reason: str = ""
    headers_only: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def is_auto_reply(self) -> bool:
        return bool(self.auto_reply_reason)


def _header(message: EmailMessage, name: str) -> str:
    """A header's value as text, "" when absent; a header that does not decode is read as raw text."""
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 (the email package raises many kinds on bad encodings)
        value = None
        for key, raw in message.raw_items():
            if key.lower() == name.lower():
                value = raw
                break
    if value is None:
        return ""
    return " ".join(str(value).split())


def _ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(value or "")


def auto_reply_reason(message: EmailMessage) -> str:
    """Why `message` looks written by a machine (an out-of-office, a vacation notice, a list), or "".

    Headers say so for certain (RFC 3834 Auto-Submitted, the de-facto X-Autoreply, X-Autorespond,
    Precedence, Exchange's X-Auto-Response-Suppress, and a null Return-Path, which only bounces and
    automatic replies carry); a subject like "Automatic reply:" is the weaker hint used when they are silent.
    """
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto_submitted[:100]}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        value = _header(message, name)
        if value and (name == "X-Auto-Response-Suppress" or value.lower() not in {"no", "false", "0"}):
            return f"{name}: {value[:100]}"
    precedence = _header(message, "Precedence").lower()
    if precedence in PRECEDENCE_AUTOMATIC:
        return f"Precedence: {precedence}"
    if message.get("Return-Path") is not None and _header(message, "Return-Path").replace(" ", "") == "<>":
        return "Return-Path: <> (no return address)"
    subject = _header(message, "Subject")
    if AUTO_SUBJECT.match(subject):
        return f"Subject: {subject[:100]}"
    return ""


def html_to_text(markup: str) -> str:
    """The words of an HTML body: tags stripped by nh3 (script and style dropped with their content),
    entities decoded, blank runs collapsed, paragraph and line breaks kept as new lines."""
    markup = re.sub(r"(?i)</p\s*>|</h[1-6]\s*>", "\n\n", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</div\s*>|</li\s*>|</tr\s*>", "\n", markup)
    stripped = nh3.clean(markup, tags=set(), attributes={}, strip_comments=True)
    text = html.unescape(stripped)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _part_text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        # An unknown charset or bytes that are not what the charset says: keep what decodes.
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    return content if isinstance(content, str) else ""


def _body_text(message: EmailMessage) -> str:
    try:
        body = message.get_body(preferencelist=("plain", "html"))
    except Exception as error:  # noqa: BLE001 (broken MIME trees raise from deep inside the email package)
        raise MalformedMessage(f"The message's MIME structure cannot be read: {error}") from error
    if body is None:
        return ""
    text = _part_text(body)
    if body.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").strip()[:MAX_TEXT]


def _sent_at(message: EmailMessage) -> datetime | None:
    try:
        value = parsedate_to_datetime(_header(message, "Date"))
    except (TypeError, ValueError, IndexError):
        return None
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def parse(raw: bytes, *, headers_only: bool = False) -> ParsedMail:
    """Read one message (or, `headers_only`, its header block). Raises MalformedMessage when there is nothing
    to attribute it to: no headers at all, no sender address, or a MIME tree that does not parse."""
    if not raw or not raw.strip():
        raise MalformedMessage("The message is empty.")
    try:
        message = message_from_bytes(raw, policy=policy.default)
    except Exception as error:  # noqa: BLE001
        raise MalformedMessage(f"The message cannot be parsed: {error}") from error
    if not message.keys():
        raise MalformedMessage("The message has no headers.")
    try:
        senders = getaddresses([_header(message, "From")])
    except Exception:  # noqa: BLE001
        senders = []
    senders = [(name, address) for name, address in senders if "@" in address]
    if not senders:
        raise MalformedMessage(
            "The message has no sender address (its From header is missing or unreadable)."
        )
    from_name, from_address = senders[0]
    message_id = (_ids(_header(message, "Message-ID")) or [""])[0][:MAX_HEADER]
    if not message_id:
        # Without a Message-ID the message is still one message: name it by its headers, so seeing it again
        # (after a UIDVALIDITY change) finds the same name.
        digest = hashlib.sha256(raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]).hexdigest()[:32]
        message_id = f"<{digest}@no-message-id.invalid>"
    in_reply_to_ids = _ids(_header(message, "In-Reply-To"))
    references = _ids(_header(message, "References"))
    ancestors = list(dict.fromkeys([*in_reply_to_ids, *reversed(references)]))
    delivered = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To"):
        try:
            delivered += [address.lower() for _, address in getaddresses([_header(message, name)]) if address]
        except Exception:  # noqa: BLE001, S112 (an unreadable To or Cc only loses plus-addressing)
            continue
    return ParsedMail(
        message_id=message_id,
        in_reply_to=(in_reply_to_ids or [""])[0][:MAX_HEADER],
        ancestors=tuple(ancestor[:MAX_HEADER] for ancestor in ancestors),
        from_address=from_address.strip().lower()[:254],
        from_name=from_name.strip()[:200],
        delivered_to=tuple(dict.fromkeys(delivered)),
        subject=_header(message, "Subject")[:MAX_SUBJECT],
        text="" if headers_only else _body_text(message),
        sent_at=_sent_at(message),
        auto_reply_reason=auto_reply_reason(message),
        headers_only=headers_only,
    )


def excerpt(text: str, *, lines: int = 3, characters: int = 300) -> str:
    """The first lines a person wrote: greetings and sign-offs ("Hi Sam,", "Best,"), quoted lines ("> …") and
    the "On … wrote:" line before them left out."""
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(">"):
            continue
        if re.match(
            r"^(on .+ wrote:|am .+ schrieb .+:|le .+ a écrit\s*:|-----original message-----)$",
            stripped,
            re.IGNORECASE,
        ):
            break
        if stripped == "--":
            break
        if stripped.endswith(",") and len(stripped.split()) <= 3:
            continue  # "Hi Sam," and "Best," say nothing about what the reply says
        kept.append(stripped)
        if len(kept) == lines:
            break
    result = "\n".join(kept)
    return result if len(result) <= characters else result[: characters - 1].rstrip() + "…"
