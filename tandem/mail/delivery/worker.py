"""The delivery worker: claim due ledger rows, hand them to the relay, record the answers as they come back.

Claiming: one transaction picks due rows — QUEUED with `send_after_at` passed, or SENDING under a lease that
expired (their worker died) — locked with SKIP LOCKED on PostgreSQL so concurrent workers take disjoint
rows, and takes them with a conditional UPDATE (status SENDING, this worker, a lease, one more attempt).
SQLite runs one writer at a time, and the conditional UPDATE alone keeps two workers off one row.

Sending: the claimed batch goes through a pool of `relay.connections` sessions (threads, each with its own
connection, reused for many messages); only the main thread touches the database. Right before a marketing
message is handed over, the suppression list and the contact's consent are read again.

Recording: the answers that came back since the last recording are written in one transaction (one UPDATE
for the accepted ones, their outbox events in one statement), each only while its row is still this worker's:
- accepted → SENT, with the relay's answer, `sent_at` and `delivered_via`; event mail.message.sent.
- transient → QUEUED again, `send_after_at` = now + BACKOFF[attempt]; after the last step FAILED
  "gave up after N attempts: <last answer>"; event mail.message.failed.
- permanent → FAILED with the reason; event mail.message.failed.
- relay problem (authentication or TLS refused) → QUEUED again, the attempt not counted; the relay's alert
  is raised and admins notified once; the run stops. The next success clears the alert.

A worker killed mid-batch leaves its rows SENDING under its lease: the next run after the lease (or a run
with the same worker name) takes them again. A message the relay accepted just before the kill, whose
answer was never recorded, is then sent a second time. The sender pool bounds those: a connection takes a
slot of the in-flight window before it hands a message over, and the slot comes back only once the answer
is committed, so at most `in_flight_limit(connections)` messages (two per connection and one more: 3 on
one connection) are ever handed over without a recorded answer. Recording several answers in one commit
does not widen that bound: every answer in a batch holds a slot until the batch commits.
"""

import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.db import connection as database
from django.db import connections, router, transaction
from django.db.models import F, Q
from django.utils import timezone

from tandem.contacts.models import Consent, ConsentPurpose, ConsentStatus, Suppression, SuppressionReason
from tandem.contacts.normalize import hash_normalized_address
from tandem.core import events
from tandem.core.models import Role, User
from tandem.mail import events as mail_events
from tandem.mail.delivery.outcomes import Job, Outcome, Result
from tandem.mail.delivery.provider import ProviderSession
from tandem.mail.delivery.signing import SigningError, dkim_sign
from tandem.mail.delivery.smtp import SmtpSession
from tandem.mail.models import Category, Identity, Message, Relay, RelayKind, Status
from tandem.mail.relay import RelaySettings, current_relay

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
# The wait after the 1st, 2nd, … transient failure: about two days in all, then the message is given up.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
    timedelta(hours=8),
    timedelta(hours=12),
    timedelta(hours=18),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# While the relay needs a person, queued mail is tried again this often (the alert says what is wrong).
RELAY_PROBLEM_RETRY = timedelta(minutes=5)
# Rows claimed per connection at a time: enough to keep every connection busy, few enough that a dead
# worker strands little.
CLAIM_PER_CONNECTION = 50
# Each connection may run this many messages ahead of the recording (one on the wire, one answered and
# waiting to be recorded), so the relay's round trips overlap the database work; see in_flight_limit.
IN_FLIGHT_PER_CONNECTION = 2
# Personal (1:1) mail skips the unsubscribe list but not these: the address does not exist, or its owner
# called our mail spam.
PERSONAL_REFUSED_REASONS = (SuppressionReason.HARD_BOUNCE, SuppressionReason.COMPLAINT)


def default_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def in_flight_limit(connections: int) -> int:
    """At most this many messages are handed to the relay without their answers committed: what a worker
    killed at the worst moment sends a second time after its restart."""
    return IN_FLIGHT_PER_CONNECTION * max(1, connections) + 1


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th transient failure."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


@dataclass
class RunSummary:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    suppressed: int = 0
    waiting_for_relay: int = 0
    relay_problem: str = ""
    counts: dict = field(default_factory=dict)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.suppressed + self.waiting_for_relay


def _due_branches(now: datetime, worker: str) -> tuple[Q, ...]:
    return (
        Q(status=Status.QUEUED, send_after_at__lte=now),
        Q(status=Status.SENDING, lease_until__lt=now),
        # A worker restarted under the same name takes its own rows back at once.
        Q(status=Status.SENDING, worker=worker),
    )


def _due(now: datetime, worker: str) -> Q:
    queued, expired, own = _due_branches(now, worker)
    return queued | expired | own


# What the worker reads of a claimed row (not the timestamps, the subject or the last answer: converting
# them cost more than the rest of the row).
CLAIMED_FIELDS = (
    "id",
    "category",
    "identity",
    "from_address",
    "recipients",
    "raw",
    "contact",
    "about_type",
    "about_id",
    "attempts",
)


def claim(*, worker: str, limit: int, now: datetime | None = None) -> list[Message]:
    """Take up to `limit` due messages for `worker`, oldest due first; returns the rows taken (status
    SENDING, with CLAIMED_FIELDS loaded and their identity).

    The candidates are read per kind of due row (queued and due, leased by a dead worker, leased by this
    worker's earlier life), each an index range read with its own limit, then merged: one query with the
    three conditions OR-ed had to read and sort every due row for each batch, a campaign's whole queue."""
    now = now or timezone.now()
    with transaction.atomic():
        due: dict[int, datetime] = {}
        for branch in _due_branches(now, worker):
            candidates = Message.objects.filter(branch).order_by("send_after_at", "id")
            if database.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True)
            due.update(candidates.values_list("id", "send_after_at")[:limit])
        ids = sorted(due, key=lambda pk: (due[pk], pk))[:limit]
        if not ids:
            return []
        Message.objects.filter(_due(now, worker), id__in=ids).update(
            status=Status.SENDING, worker=worker, lease_until=now + LEASE, attempts=F("attempts") + 1
        )
        taken = list(
            Message.objects.filter(id__in=ids, worker=worker, status=Status.SENDING)
            .only(*CLAIMED_FIELDS)
            .order_by("send_after_at", "id")
        )
    identities = Identity.objects.in_bulk({message.identity_id for message in taken if message.identity_id})
    for message in taken:
        if message.identity_id is not None:
            # None when the identity was deleted meanwhile: the message goes out unsigned, as its row would.
            message.identity = identities.get(message.identity_id)
    return taken


def _suppressions(messages: Iterable[Message]) -> dict[int, str]:
    """message pk → why it must not be sent, for the marketing and personal messages among `messages`."""
    checked = [message for message in messages if message.category != Category.TRANSACTIONAL]
    if not checked:
        return {}
    # The recipients are stored as email-validator wrote them when the message was queued, the form
    # normalize_email gives: hashed as they are, not checked a second time (a .test address, accepted
    # outside production, would not pass normalize_email's check and stop the run).
    hashes = {
        message.pk: {hash_normalized_address(address): address for address in message.recipients}
        for message in checked
    }
    all_hashes = {value for mapping in hashes.values() for value in mapping}
    suppressed = dict(
        Suppression.objects.filter(address_hash__in=all_hashes).values_list("address_hash", "reason")
    )
    withdrawn = set(
        Consent.objects.current()
        .filter(
            contact_id__in=[message.contact_id for message in checked if message.contact_id],
            purpose=ConsentPurpose.MARKETING_EMAIL,
            status=ConsentStatus.WITHDRAWN,
        )
        .values_list("contact_id", flat=True)
    )
    reasons: dict[int, str] = {}
    for message in checked:
        for digest, address in hashes[message.pk].items():
            reason = suppressed.get(digest)
            if reason is None:
                continue
            if message.category == Category.MARKETING or reason in PERSONAL_REFUSED_REASONS:
                label = SuppressionReason(reason).label.lower()
                reasons[message.pk] = f"Not sent: {address} is on the suppression list ({label})."
                break
        if (
            message.pk not in reasons
            and message.category == Category.MARKETING
            and message.contact_id in withdrawn
        ):
            reasons[message.pk] = "Not sent: the contact withdrew their consent to marketing email."
    return reasons


def _job(message: Message, *, sign: bool) -> Job:
    data = bytes(message.raw)
    identity = message.identity
    if sign and identity is not None and identity.dkim_selector and identity.dkim_private_key:
        data = dkim_sign(
            data,
            selector=identity.dkim_selector,
            domain=identity.domain,
            private_key=identity.dkim_private_key,
        )
    envelope_from = identity.address if identity is not None else parseaddr(message.from_address)[1]
    return Job(
        message_pk=message.pk, envelope_from=envelope_from, recipients=tuple(message.recipients), data=data
    )


class _MailboxSession:
    """No relay: the message is kept in the in-app mailbox, and nothing leaves the machine."""

    def send(self, job: Job) -> Outcome:
        return Outcome.sent("Kept in the in-app mailbox; nothing left this machine.")

    def close(self) -> None:
        pass


def _session(relay: RelaySettings):
    if relay.kind == RelayKind.SMTP:
        return SmtpSession(relay)
    if relay.kind == RelayKind.PROVIDER:
        return ProviderSession(relay)
    return _MailboxSession()


class SenderPool:
    """`size` sessions, each in its own thread with its own connection; answers come back to the caller's
    thread, which alone writes to the database. Even one connection gets its thread, so that signing the
    next messages and recording the last answers overlap the relay's round trips. The mailbox (no network)
    runs in the caller's thread (`threaded=False`).

    The in-flight window: a thread takes a slot before it hands a message over; the caller gives the slots
    back (`recorded`) once the answers it took (`answers`) are committed."""

    def __init__(self, relay: RelaySettings, size: int, *, threaded: bool = True):
        self.size = max(1, size)
        self.threaded = threaded
        self.results: queue.Queue = queue.Queue()
        self.pending = 0
        # Set once the relay needs a person: the jobs not yet sent come back untried.
        self.stopped_because = ""
        if not threaded:
            self.size = 1
            self.session = _session(relay)
            self.inline: list[Job] = []
            return
        self.jobs: queue.Queue = queue.Queue()
        # At most this many messages handed over without their answers recorded: what a kill can send twice.
        self.window = threading.Semaphore(in_flight_limit(self.size))
        self.threads = [
            threading.Thread(
                target=self._serve, args=(_session(relay),), daemon=True, name=f"mail-sender-{n}"
            )
            for n in range(self.size)
        ]
        for thread in self.threads:
            thread.start()

    def _serve(self, session) -> None:
        try:
            for job in iter(self.jobs.get, None):
                self.window.acquire()
                if self.stopped_because:
                    self.results.put((job, Outcome.relay_problem(self.stopped_because)))
                    continue
                try:
                    outcome = session.send(job)
                except Exception as error:  # noqa: BLE001 (a bug must not strand the job; it is retried)
                    logger.exception("The mail sender failed on message %s", job.message_pk)
                    outcome = Outcome.transient(f"Tandem could not hand the message over ({error}).")
                if outcome.result == Result.RELAY_PROBLEM:
                    # The other threads stop too: the same settings would fail them the same way.
                    self.stopped_because = outcome.response
                self.results.put((job, outcome))
        finally:
            session.close()

    def submit(self, job: Job) -> None:
        self.pending += 1
        if not self.threaded:
            self.inline.append(job)
        else:
            self.jobs.put(job)

    def answers(self, *, wait: bool, at_least: int = 1) -> list[tuple[Job, Outcome]]:
        """The answers that came back, in the order they came; when `wait`, at least one (one must be
        pending); without `wait`, none unless `at_least` are there. Each keeps its window slot until the
        caller says it is recorded."""
        if not self.threaded:
            # Nothing leaves the machine: the kept messages are answered here, a window's worth at a time.
            taken = self.inline[: in_flight_limit(self.size)] if wait else []
            del self.inline[: len(taken)]
            answers = [
                (
                    job,
                    Outcome.relay_problem(self.stopped_because)
                    if self.stopped_because
                    else self.session.send(job),
                )
                for job in taken
            ]
        else:
            if not wait and self.results.qsize() < at_least:
                return []
            answers = [self.results.get()] if wait else []
            while True:
                try:
                    answers.append(self.results.get_nowait())
                except queue.Empty:
                    break
        self.pending -= len(answers)
        return answers

    def recorded(self, count: int) -> None:
        """`count` answers taken from `answers` are committed: their connections may hand over as many more."""
        if self.threaded and count:
            self.window.release(count)

    def close(self) -> None:
        if not self.threaded:
            self.session.close()
            return
        if self.pending:
            # The caller stopped early (an error while recording): what is left is not sent, and the
            # threads must not wait for window room the caller will never free. The rows stay under
            # this worker's lease and are taken again after it.
            self.stopped_because = self.stopped_because or "The worker stopped before handing it over."
            self.window.release(self.pending + self.size)
        for _thread in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join()


def _mark_sent(
    accepted: list[tuple[Message, Outcome]], *, worker: str, relay: RelaySettings, now: datetime
) -> set[int]:
    """SENT for the accepted messages whose rows are still this worker's, in one UPDATE (each keeps its own
    answer from the relay); returns the ids it changed."""
    writer = connections[router.db_for_write(Message)]
    fields = {field.name: field for field in Message._meta.concrete_fields}
    quote = writer.ops.quote_name

    def column(name: str) -> str:
        return quote(fields[name].column)

    def value(name: str, python_value):
        return fields[name].get_db_prep_save(python_value, writer)

    ids = [message.pk for message, _outcome in accepted]
    answers = [part for message, outcome in accepted for part in (message.pk, outcome.response[:2000])]
    sql = (
        f"UPDATE {quote(Message._meta.db_table)} SET {column('status')} = %s, {column('sent_at')} = %s,"
        f" {column('delivered_via')} = %s, {column('worker')} = %s, {column('lease_until')} = NULL,"
        f" {column('last_response')} = CASE {column('id')} {' '.join(['WHEN %s THEN %s'] * len(ids))} END"
        f" WHERE {column('id')} IN ({', '.join(['%s'] * len(ids))})"
        f" AND {column('worker')} = %s AND {column('status')} = %s"
        f" RETURNING {column('id')}"
    )
    params = [
        Status.SENT.value,
        value("sent_at", now),
        relay.label,
        "",
        *answers,
        *ids,
        worker,
        Status.SENDING.value,
    ]
    with writer.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _record(
    answers: list[tuple[Message, Outcome]], *, worker: str, relay: RelaySettings, summary: RunSummary
) -> None:
    """Write the answers in one commit, each only if its row is still this worker's (a row another worker
    took over after this one's lease ran out is left to it)."""
    now = timezone.now()
    with transaction.atomic():
        accepted = [(message, outcome) for message, outcome in answers if outcome.result == Result.SENT]
        if accepted:
            changed = _mark_sent(accepted, worker=worker, relay=relay, now=now)
            events.publish_many(
                mail_events.MESSAGE_SENT,
                [mail_events.payload(message) for message, _outcome in accepted if message.pk in changed],
            )
            summary.sent += len(changed)
        for message, outcome in answers:
            if outcome.result != Result.SENT:
                _record_not_sent(message, outcome, worker=worker, now=now, summary=summary)


def _record_not_sent(
    message: Message, outcome: Outcome, *, worker: str, now: datetime, summary: RunSummary
) -> None:
    mine = Message.objects.filter(pk=message.pk, worker=worker, status=Status.SENDING)
    response = outcome.response[:2000]
    if outcome.result == Result.RELAY_PROBLEM:
        if mine.update(
            status=Status.QUEUED,
            attempts=F("attempts") - 1,
            send_after_at=now + RELAY_PROBLEM_RETRY,
            last_response=response,
            worker="",
            lease_until=None,
        ):
            summary.waiting_for_relay += 1
    elif outcome.result == Result.TRANSIENT and message.attempts < MAX_ATTEMPTS:
        if mine.update(
            status=Status.QUEUED,
            send_after_at=now + backoff(message.attempts),
            last_response=response,
            worker="",
            lease_until=None,
        ):
            summary.retried += 1
    else:
        reason = response
        if outcome.result == Result.TRANSIENT:
            reason = f"gave up after {message.attempts} attempts: {response}"[:2000]
        if mine.update(
            status=Status.FAILED, failed_at=now, last_response=reason, worker="", lease_until=None
        ):
            events.publish(mail_events.MESSAGE_FAILED, **mail_events.payload(message), reason=reason)
            summary.failed += 1


def _record_suppressed(message: Message, reason: str, *, worker: str, summary: RunSummary) -> None:
    with transaction.atomic():
        if Message.objects.filter(pk=message.pk, worker=worker, status=Status.SENDING).update(
            status=Status.SUPPRESSED, last_response=reason, worker="", lease_until=None
        ):
            events.publish(mail_events.MESSAGE_SUPPRESSED, **mail_events.payload(message), reason=reason)
            summary.suppressed += 1


def raise_relay_alert(relay: RelaySettings, reason: str) -> None:
    """Show `reason` as the relay's alert and notify every active admin once per alert."""
    from tandem.notifications.services import notify

    now = timezone.now()
    with transaction.atomic():
        row = Relay.objects.select_for_update().filter(pk=1).first()
        if row is None:
            # An installation configured by its environment has no row: one is written to carry the alert
            # (host and port for the record; never the password, which stays in the environment).
            row = Relay.objects.create(
                pk=1, kind=RelayKind.SMTP, host=relay.host, port=relay.port, from_environment=True
            )
        if row.alert == reason:
            return
        row.alert, row.alert_at = reason, now
        row.save(update_fields=["alert", "alert_at"])
        for admin in User.objects.filter(role=Role.ADMIN, is_active=True):
            notify(
                user=admin,
                kind="mail.relay_problem",
                title="Mail is not going out",
                body=reason,
                key=f"mail.relay_problem:{now.isoformat()}",
            )


def clear_relay_alert() -> None:
    Relay.objects.filter(pk=1).exclude(alert="").update(alert="", alert_at=None)


def deliver_due(
    *,
    worker: str | None = None,
    time_budget: timedelta | None = None,
    relay: RelaySettings | None = None,
    limit: int | None = None,
) -> RunSummary:
    """Deliver what is due until nothing is left, the time budget is spent, `limit` messages are handled,
    or the relay needs a person. Safe to run in several processes at once."""
    worker = worker or default_worker()
    relay = relay or current_relay()
    if relay.unreadable:
        # Logging in with a secret Tandem cannot read would only be refused (and may lock the account): the
        # mail is not claimed, so it stays queued, untried, until the secret is entered again.
        reason = (
            f"The relay's stored {relay.unreadable} can no longer be read (Tandem's encryption key changed):"
            f" re-enter the {relay.unreadable} in the mail settings. Mail waits in the queue until then."
        )
        raise_relay_alert(relay, reason)
        return RunSummary(relay_problem=reason)
    deadline = time.monotonic() + time_budget.total_seconds() if time_budget else None
    # One outbox delivery task for the run, not one per recorded message.
    with events.deferred_delivery():
        return _deliver(worker=worker, relay=relay, deadline=deadline, limit=limit)


def _deliver(*, worker: str, relay: RelaySettings, deadline: float | None, limit: int | None) -> RunSummary:
    summary = RunSummary()
    pool = SenderPool(relay, relay.connections, threaded=relay.kind != RelayKind.MAILBOX)
    sign = relay.kind == RelayKind.SMTP
    alert_cleared = False
    by_pk: dict[int, Message] = {}
    lease_renewed_at = time.monotonic()

    def record(answers: list[tuple[Job, Outcome]]) -> None:
        nonlocal alert_cleared, lease_renewed_at
        if not answers:
            return
        for _job_done, outcome in answers:
            if outcome.result == Result.RELAY_PROBLEM and not summary.relay_problem:
                summary.relay_problem = outcome.response
                pool.stopped_because = pool.stopped_because or outcome.response
                raise_relay_alert(relay, outcome.response)
        _record(
            [(by_pk[job.message_pk], outcome) for job, outcome in answers],
            worker=worker,
            relay=relay,
            summary=summary,
        )
        # Only now, with the answers committed, may the connections hand over as many more messages.
        pool.recorded(len(answers))
        if not alert_cleared and any(outcome.result == Result.SENT for _job_done, outcome in answers):
            clear_relay_alert()
            alert_cleared = True
        if time.monotonic() - lease_renewed_at > LEASE.total_seconds() / 3:
            Message.objects.filter(pk__in=by_pk, worker=worker, status=Status.SENDING).update(
                lease_until=timezone.now() + LEASE
            )
            lease_renewed_at = time.monotonic()

    try:
        while not summary.relay_problem:
            if deadline is not None and time.monotonic() > deadline:
                break
            batch_size = CLAIM_PER_CONNECTION * pool.size
            if limit is not None:
                batch_size = min(batch_size, limit - summary.handled)
                if batch_size <= 0:
                    break
            batch = claim(worker=worker, limit=batch_size)
            if not batch:
                break
            by_pk = {message.pk: message for message in batch}
            suppressed = _suppressions(batch)
            lease_renewed_at = time.monotonic()
            for message in batch:
                if message.pk in suppressed:
                    _record_suppressed(message, suppressed[message.pk], worker=worker, summary=summary)
                    continue
                try:
                    job = _job(message, sign=sign)
                except SigningError as error:
                    _record(
                        [(message, Outcome.permanent(str(error)))],
                        worker=worker,
                        relay=relay,
                        summary=summary,
                    )
                    continue
                pool.submit(job)
                # The answers that came back while this message was signed, once they fill all but one slot
                # per connection: recorded now, not after the whole batch, they give the connections their
                # window back before it runs out, and several share one commit.
                record(pool.answers(wait=False, at_least=in_flight_limit(pool.size) - pool.size))
            while pool.pending:
                record(pool.answers(wait=True))
    finally:
        pool.close()
    return summary
