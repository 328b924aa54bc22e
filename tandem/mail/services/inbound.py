"""Every write of inbound mail: the mailboxes admins connect, and the poll that reads them.

A poll holds the mailbox's lease (tandem.core.leases), so two workers never read one mailbox at once. It
asks the server for the UIDs after the last one handled, their sizes first, and then handles each message in
its own transaction, which also moves `last_uid`: a poll killed half-way resumes after the last message it
committed and never handles one twice. The unique constraints on (mailbox, UIDVALIDITY, UID) and on
(mailbox, Message-ID) hold even when the server renumbers the folder (a new UIDVALIDITY starts over at UID 1).

A message is kept when it answers something Tandem sent (In-Reply-To or References name a ledger row's
Message-ID, or it came to a reply+<token> address), or — when the mailbox opts in — when it comes from a
known contact. A kept message goes on the contact's (and their company's) timeline; a person's reply tells
the sender of the original through a notification. An automatic reply (out of office, vacation notice) is
kept and shown, but never notifies and is never answered: Tandem sends nothing in return to any inbound
message, so a loop of auto-replies cannot become a storm.
"""

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tandem.contacts.services.timeline import record_activity
from tandem.core import audit, leases, secrets
from tandem.core.models import User
from tandem.mail.inbound import imap, parsing
from tandem.mail.inbound.tasks import check_mailbox
from tandem.mail.inbound.threads import (
    answered_message,
    contact_for_address,
    reply_address_for,  # noqa: F401 (compose calls it from here)
)
from tandem.mail.inbound.timeline import EMAIL_RECEIVED, EMAIL_REPLIED
from tandem.mail.models import (
    InboundKind,
    InboundMailbox,
    InboundMessage,
    InboundSecurity,
    PollResult,
    SkippedMessage,
)
from tandem.notifications.services import notify

logger = logging.getLogger(__name__)

NOTIFICATION_KIND = "mail.reply_received"
SUBJECT_TYPE = "inbound_email"
LEASE_DURATION = timedelta(minutes=5)
# A poll handles at most this many messages; the next poll (a minute later) continues. Keeps one lease short.
MESSAGES_PER_POLL = 500
EDITABLE_FIELDS = (
    "name", "host", "port", "security", "username", "folder", "identity", "enabled", "log_unsolicited",
    "reply_address",
)  # fmt: skip


def max_bytes() -> int:
    """Messages above this size are handled from their headers only (TANDEM_INBOUND_MAX_BYTES)."""
    return int(getattr(settings, "TANDEM_INBOUND_MAX_BYTES", 10 * 1024 * 1024))


def timeout_seconds() -> float:
    return float(getattr(settings, "TANDEM_INBOUND_TIMEOUT", 30))


# --- mailboxes -----------------------------------------------------------------------------------------------


def _clean(values: dict, *, new: bool) -> dict:
    errors: dict[str, str] = {}
    name = (values.get("name") or "").strip()
    host = (values.get("host") or "").strip()
    username = (values.get("username") or "").strip()
    folder = (values.get("folder") or "").strip() or "INBOX"
    port = values.get("port")
    security = values.get("security") or InboundSecurity.TLS
    reply_address = (values.get("reply_address") or "").strip().lower()
    if not name:
        errors["name"] = "Give the mailbox a name, such as “Sales replies”."
    if not host:
        errors["host"] = "Enter the IMAP server's host name, such as imap.example.com."
    elif any(character.isspace() or character in "/@" for character in host):
        errors["host"] = "Enter only the host name (no “imap://”, no user name, no spaces)."
    if not isinstance(port, int) or not 1 <= port <= 65535:
        errors["port"] = "The port is a number from 1 to 65535 (993 for TLS, 143 for STARTTLS)."
    if security not in InboundSecurity.values:
        errors["security"] = "Choose how the connection is encrypted."
    elif security == InboundSecurity.NONE and host and not imap.is_loopback(host):
        errors["security"] = (
            "An unencrypted connection is allowed only to a server on this machine (localhost): the password "
            "would cross the network in clear text. Choose TLS or STARTTLS."
        )
    if not username:
        errors["username"] = "Enter the user name the IMAP server expects (often the full address)."
    if new and not values.get("password"):
        errors["password"] = "Enter the mailbox's password."  # noqa: S105 (a message, not a password)
    if any(character in folder for character in "\r\n\0"):
        errors["folder"] = "A folder name cannot contain a line break."
    if reply_address and (reply_address.count("@") != 1 or "+" in reply_address.partition("@")[0]):
        errors["reply_address"] = "Enter one address without a “+”, such as reply@example.com."
    if errors:
        raise ValidationError(errors)
    return {
        "name": name[:100], "host": host.lower(), "port": port, "security": security, "username": username,
        "folder": folder, "identity": values.get("identity"), "enabled": bool(values.get("enabled")),
        "log_unsolicited": bool(values.get("log_unsolicited")), "reply_address": reply_address,
    }  # fmt: skip


def _duplicate_error(cleaned: dict) -> ValidationError:
    return ValidationError(
        {
            "folder": f"{cleaned['username']} on {cleaned['host']} already has a mailbox for “{cleaned['folder']}”."
        }
    )


@transaction.atomic
def create_mailbox(*, actor, request=None, password: str, **values) -> InboundMailbox:
    """Connect an IMAP mailbox (the caller checked the actor is an admin). Raises ValidationError with a
    message per field; the password is stored and never shown again."""
    cleaned = _clean({**values, "password": password}, new=True)
    if InboundMailbox.objects.filter(
        **{key: cleaned[key] for key in ("host", "port", "username", "folder")}
    ).exists():
        raise _duplicate_error(cleaned)
    mailbox = InboundMailbox.objects.create(**cleaned, password=password, created_by=actor)
    audit.record(
        actor=actor, action=audit.Action.CREATE, target=mailbox, event="inbound_mailbox_created", request=request,
        changes={key: [None, str(cleaned[key])] for key in cleaned if cleaned[key] not in ("", None)},
    )  # fmt: skip
    return mailbox


@transaction.atomic
def update_mailbox(
    *, actor, mailbox: InboundMailbox, request=None, password: str = "", **values
) -> InboundMailbox:
    """Change a mailbox's settings; an empty `password` keeps the stored one. A new host, user or folder
    starts reading that folder from its beginning."""
    cleaned = _clean(values, new=False)
    others = InboundMailbox.objects.exclude(pk=mailbox.pk)
    if others.filter(**{key: cleaned[key] for key in ("host", "port", "username", "folder")}).exists():
        raise _duplicate_error(cleaned)
    changes = {
        key: [str(getattr(mailbox, key) or ""), str(value or "")]
        for key, value in cleaned.items()
        if getattr(mailbox, key) != value
    }
    if password:
        changes["password"] = ["(hidden)", "(changed)"]
        mailbox.password = password
    if {"host", "port", "username", "folder"} & set(changes):
        mailbox.uidvalidity = None
        mailbox.last_uid = 0
    for key, value in cleaned.items():
        setattr(mailbox, key, value)
    mailbox.save()
    if changes:
        audit.record(
            actor=actor, action=audit.Action.UPDATE, target=mailbox, changes=changes,
            event="inbound_mailbox_changed", request=request,
        )  # fmt: skip
    return mailbox


@transaction.atomic
def delete_mailbox(*, actor, mailbox: InboundMailbox, request=None) -> None:
    """Disconnect a mailbox and forget what was kept from it (the timeline entries stay)."""
    audit.record(
        actor=actor,
        action=audit.Action.DELETE,
        target=mailbox,
        event="inbound_mailbox_deleted",
        request=request,
    )
    mailbox.delete()


def request_check(*, mailbox: InboundMailbox) -> InboundMailbox:
    """ "Check now" (the caller checked the actor is an admin): note when it was asked and queue a poll of this
    mailbox after the commit, so the page answers at once and shows the outcome when the worker has it
    (`check_pending`). The poll holds the mailbox's lease like the periodic one: a check asked while a poll
    runs is answered by that poll."""
    now = timezone.now()
    InboundMailbox.objects.filter(pk=mailbox.pk).update(check_requested_at=now)
    mailbox.check_requested_at = now
    transaction.on_commit(lambda: check_mailbox(mailbox.pk))
    return mailbox


def check_pending(mailbox: InboundMailbox) -> bool:
    """Whether a "Check now" is still waiting for a poll to end."""
    return mailbox.check_requested_at is not None and (
        mailbox.last_polled_at is None or mailbox.last_polled_at < mailbox.check_requested_at
    )


# --- polling -------------------------------------------------------------------------------------------------


@dataclass
class PollReport:
    """What one poll did, for the mailbox row and the management command."""

    seen: int = 0
    replies: int = 0
    automatic: int = 0
    other_mail: int = 0
    ignored: int = 0
    duplicates: int = 0
    too_large: int = 0
    skipped: int = 0
    error: str = ""
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.error:
            return self.error
        if not self.seen:
            return "No new mail."
        parts = [f"{self.seen} new message{'s' if self.seen != 1 else ''}"]
        for count, label in (
            (self.replies, "repl{}"), (self.automatic, "automatic repl{}"), (self.other_mail, "from contacts"),
            (self.too_large, "too large, read from headers"), (self.skipped, "unreadable, skipped"),
            (self.duplicates, "seen before"), (self.ignored, "not for Tandem"),
        ):  # fmt: skip
            if count:
                parts.append(f"{count} " + label.format("ies" if count != 1 else "y"))
        return ", ".join(parts) + "."


class LeaseLost(Exception):
    """Another worker took the mailbox over (this one was presumed dead): stop without committing."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def poll_mailbox(
    *, mailbox: InboundMailbox, worker: str | None = None, connect: Callable = imap.connect
) -> PollReport:
    """Read the new messages of one mailbox and record the outcome on its row. Never raises for what the
    server or the mail does: a server that is down, refuses the login or times out is recorded as the
    mailbox's error (and the next poll retries); an unreadable message is recorded as skipped by UID."""
    worker = worker or worker_name()
    jobs = InboundMailbox.objects.filter(pk=mailbox.pk)
    report = PollReport()
    if not leases.claim(jobs, worker=worker, duration=LEASE_DURATION):
        report.error = "Another worker is reading this mailbox right now."
        return report
    mailbox.refresh_from_db(fields=["password"])
    if secrets.is_unreadable(mailbox.password):
        # Never log in with an empty password: say what to do, and let the next poll try again.
        report.error = secrets.unreadable_message("password")
        leases.release(
            jobs, worker=worker, last_polled_at=timezone.now(), last_result=PollResult.FAILED,
            last_message=report.error,
        )  # fmt: skip
        mailbox.refresh_from_db()
        return report
    address = imap.ServerAddress(
        host=mailbox.host, port=mailbox.port, security=mailbox.security, username=mailbox.username,
        password=mailbox.password, folder=mailbox.folder, timeout=timeout_seconds(),
    )  # fmt: skip
    try:
        with connect(address) as session:
            _read_new(mailbox, session, worker, report)
    except imap.MailboxUnavailable as error:
        report.error = str(error)
    except LeaseLost:
        report.error = "Another worker took this mailbox over; it continues from there."
        return report
    except Exception as error:  # the poll must not crash the worker; the traceback goes to the log
        logger.exception("Polling inbound mailbox %s failed", mailbox.pk)
        report.error = f"Unexpected error while reading the mailbox: {type(error).__name__}: {error}"
    leases.release(
        jobs, worker=worker, last_polled_at=timezone.now(),
        last_result=PollResult.FAILED if report.error else PollResult.OK, last_message=report.summary()[:2000],
    )  # fmt: skip
    mailbox.refresh_from_db()
    return report


def _read_new(mailbox: InboundMailbox, session, worker: str, report: PollReport) -> None:
    jobs = InboundMailbox.objects.filter(pk=mailbox.pk)
    uidvalidity = session.uidvalidity
    current = jobs.values("uidvalidity", "last_uid").get()
    last_uid = current["last_uid"]
    if current["uidvalidity"] != uidvalidity:
        # A first poll, or the server renumbered the folder: start from its first message.
        if current["uidvalidity"] is not None:
            report.notes.append("The folder was renumbered (new UIDVALIDITY); read again from the start.")
        last_uid = 0
        if not leases.renew(
            jobs, worker=worker, duration=LEASE_DURATION, uidvalidity=uidvalidity, last_uid=0
        ):
            raise LeaseLost
    uids = session.uids_after(last_uid)[:MESSAGES_PER_POLL]
    sizes = session.sizes(uids)
    limit = max_bytes()
    for uid in uids:
        size = sizes.get(uid)
        if size is None:
            continue  # expunged between SEARCH and FETCH
        too_large = size > limit
        # The headers decide whether the message is Tandem's business; most of a shared inbox is not, and its
        # bodies are never downloaded. The network is read here, outside the transaction that records it.
        raw = session.fetch(uid, headers_only=True) or b""
        if not too_large and _worth_reading(mailbox, raw):
            raw = session.fetch(uid) or raw
        report.seen += 1
        receive_message(
            mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, raw=raw, size=size, too_large=too_large,
            worker=worker, report=report,
        )  # fmt: skip


def _worth_reading(mailbox: InboundMailbox, headers: bytes) -> bool:
    """Whether the whole message is needed: it would be kept (a reply, or mail from a contact the mailbox
    logs), or its headers do not even parse (the whole message then says why it is skipped)."""
    try:
        parsed = parsing.parse(headers, headers_only=True)
    except parsing.MalformedMessage:
        return True
    if InboundMessage.objects.filter(mailbox=mailbox, message_id=parsed.message_id).exists():
        return False
    if answered_message(parsed) is not None:
        return True
    return mailbox.log_unsolicited and contact_for_address(parsed.from_address) is not None


def receive_message(
    *, mailbox: InboundMailbox, uidvalidity: int, uid: int, raw: bytes, size: int, too_large: bool = False,
    worker: str, report: PollReport | None = None,
) -> InboundMessage | None:  # fmt: skip
    """Handle one message of the mailbox in one transaction that also moves the mailbox's `last_uid` past it
    (under the worker's lease). `raw` is the whole message, or only its header block when it is `too_large` or
    none of Tandem's business. Returns the kept InboundMessage, or None when it was not kept (not for Tandem,
    seen before, or unreadable: then it is recorded as a SkippedMessage)."""
    report = report if report is not None else PollReport()
    jobs = InboundMailbox.objects.filter(pk=mailbox.pk)
    try:
        with transaction.atomic():
            if not leases.renew(jobs, worker=worker, duration=LEASE_DURATION, last_uid=uid):
                raise LeaseLost
            return _keep(
                mailbox, uidvalidity, uid, parsing.parse(raw, headers_only=too_large), size, too_large, report
            )
    except LeaseLost:
        raise
    except parsing.MalformedMessage as error:
        reason = str(error)
    except Exception as error:
        # A message that trips an error of ours must not stop the mailbox forever at its UID: its work is
        # rolled back, it is recorded as skipped with the error, and the traceback goes to the log.
        logger.exception("Inbound mailbox %s: handling UID %s:%s failed", mailbox.pk, uidvalidity, uid)
        reason = f"Could not be handled: {type(error).__name__}: {error}"
    logger.warning("Inbound mailbox %s: skipped UID %s:%s: %s", mailbox.pk, uidvalidity, uid, reason)
    with transaction.atomic():
        if not leases.renew(jobs, worker=worker, duration=LEASE_DURATION, last_uid=uid):
            raise LeaseLost
        SkippedMessage.objects.get_or_create(
            mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, defaults={"reason": reason[:2000]}
        )
    report.skipped += 1
    return None


def _keep(mailbox, uidvalidity, uid, parsed, size, too_large, report) -> InboundMessage | None:
    if InboundMessage.objects.filter(mailbox=mailbox, message_id=parsed.message_id).exists():
        report.duplicates += 1
        return None
    answers = answered_message(parsed)
    contact = answers.contact if answers is not None and answers.contact_id else None
    if contact is None or contact.deleted_at is not None:
        contact = contact_for_address(parsed.from_address)
    if answers is None and not (mailbox.log_unsolicited and contact is not None):
        report.ignored += 1
        return None
    # Someone other than the conversation's contact may answer it (a colleague they copied in, someone they
    # forwarded it to, one of our own people): the reply stays in the conversation, under the real sender.
    from_contact = from_user = None
    if contact is not None and (contact.email or "").lower() != parsed.from_address.lower():
        from_contact = contact_for_address(parsed.from_address)
        from_user = (
            User.objects.filter(email__iexact=parsed.from_address).first() if parsed.from_address else None
        )
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.create(
                mailbox=mailbox, uidvalidity=uidvalidity, uid=uid,
                kind=InboundKind.REPLY if answers is not None else InboundKind.UNSOLICITED,
                message_id=parsed.message_id, in_reply_to=parsed.in_reply_to, from_address=parsed.from_address,
                from_name=parsed.from_name, subject=parsed.subject, text=parsed.text,
                received_at=parsed.sent_at or timezone.now(), size=size, too_large=too_large,
                is_auto_reply=parsed.is_auto_reply, auto_reply_reason=parsed.auto_reply_reason[:200],
                answers=answers, contact=contact, from_contact=from_contact, from_user=from_user,
                is_internal=from_user is not None,
            )  # fmt: skip
    except IntegrityError:
        # The same message under another UID (copied twice into the folder): kept once.
        report.duplicates += 1
        return None
    if too_large:
        report.too_large += 1
    if answers is None:
        report.other_mail += 1
    elif inbound.is_auto_reply:
        report.automatic += 1
    else:
        report.replies += 1
    _record_on_timeline(inbound)
    replied_to_self = inbound.from_user_id is not None and inbound.from_user_id == getattr(
        answers, "sender_id", None
    )
    if (
        answers is not None
        and not inbound.is_auto_reply
        and answers.sender_id is not None
        and not replied_to_self
    ):
        title, body, url = reply_notice(inbound)
        notify(
            user=answers.sender,
            kind=NOTIFICATION_KIND,
            key=f"reply:{inbound.pk}",
            title=title,
            body=body,
            url=url,
        )
    return inbound


def reply_notice(inbound: InboundMessage) -> tuple[str, str, str]:
    """What the sender of the answered message is told about a reply: (title, body, link). The demo words its
    notices with it too."""
    internal = " (internal)" if inbound.is_internal else ""
    return (
        f"{inbound.sender_name}{internal} replied: {inbound.subject or '(no subject)'}"[:300],
        parsing.excerpt(inbound.text),
        reverse("mail:conversation", args=[inbound.answers_id]),
    )


def _record_on_timeline(inbound: InboundMessage) -> None:
    if inbound.contact is None:
        return
    if inbound.is_auto_reply and inbound.answers_id is not None:
        # One automatic reply per sent message is worth a line; the rest of a loop would bury the timeline.
        earlier = InboundMessage.objects.filter(answers_id=inbound.answers_id, is_auto_reply=True)
        if earlier.exclude(pk=inbound.pk).exists():
            return
    entry = {
        "kind": EMAIL_REPLIED if inbound.answers_id is not None else EMAIL_RECEIVED,
        "occurred_at": inbound.received_at,
        "subject_type": SUBJECT_TYPE,
        "subject_id": inbound.pk,
        "body": parsing.excerpt(inbound.text),
        "details": {"automatic": inbound.is_auto_reply, "subject": inbound.subject[:300]},
    }
    # On the conversation's contact: the reply belongs to the thread, whoever wrote it.
    record_activity(contact=inbound.contact, company=inbound.contact.company, **entry)
    other = inbound.from_contact
    if other is not None and other.pk != inbound.contact.pk:
        # And on the contact who wrote it. Their company's timeline gets it once: not again when it is the
        # same company as the conversation's.
        company = other.company if other.company_id != inbound.contact.company_id else None
        record_activity(contact=other, company=company, **entry)


def poll_enabled_mailboxes(*, worker: str | None = None) -> dict[int, PollReport]:
    """Poll every enabled mailbox once (the periodic task and `manage.py poll_mailboxes`)."""
    reports = {}
    for mailbox in InboundMailbox.objects.filter(enabled=True).order_by("pk"):
        reports[mailbox.pk] = poll_mailbox(mailbox=mailbox, worker=worker)
    return reports
