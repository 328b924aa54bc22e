"""The outbox: services publish events inside their transaction; a worker delivers them after commit.

A worker drains the outbox (`drain`): batch after batch of due events, oldest first, until none is left or
its time budget is spent, so a million-row import's events are delivered in one run instead of 500 a
minute. Each batch is claimed in one transaction (`claimed_at`, rows locked with SKIP LOCKED on
PostgreSQL, so concurrent drainers take disjoint batches; SQLite runs one writer at a time). A claim is a
lease: one older than CLAIM_TIMEOUT belongs to a dead worker and may be taken again, so a worker killed
mid-batch loses nothing.

Events nobody subscribes to are marked processed in the claiming transaction, one UPDATE per batch.
Each subscribed event is handled in its own transaction that first marks it processed, conditionally on
the claim still being this worker's: handlers and mark commit together or not at all, so a worker killed
mid-handler leaves the event to be handled again (once), and a worker whose claim was taken over does not
handle it a second time. A failed handler's writes roll back; the row keeps the error and a time for the next attempt,
further away after each failure (exponential backoff: RETRY_BASE_DELAY, doubled per attempt, at most
RETRY_MAX_DELAY). After MAX_ATTEMPTS the event is given up (`failed_at`), its last error kept for whoever
looks. Handlers must still tolerate re-delivery: what they do outside the database (mail, webhooks) is
not rolled back.
"""

import contextlib
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from tandem.core.models import Event

logger = logging.getLogger(__name__)

# A claim older than this is considered abandoned by a crashed worker and may be taken again.
CLAIM_TIMEOUT = timedelta(minutes=5)
MAX_ATTEMPTS = 10
RETRY_BASE_DELAY = timedelta(seconds=30)
RETRY_MAX_DELAY = timedelta(hours=6)
# A drain claims this many events at a time and keeps going for at most DRAIN_TIME_BUDGET, then leaves the
# rest to the next run: well inside CLAIM_TIMEOUT (a live drainer's claims never look abandoned), and short
# enough that a worker busy draining soon picks up other jobs (an import waiting to start).
DRAIN_BATCH_SIZE = 2000
DRAIN_TIME_BUDGET = timedelta(seconds=10)


def _ask_for_delivery() -> None:
    from tandem.core.tasks import deliver_events

    deliver_events()


# A worker recording thousands of results, each in its own small transaction (the mail worker), publishes
# inside `deferred_delivery()`: one delivery task when the block ends instead of one per commit.
_deferral = threading.local()


def _schedule_delivery() -> None:
    if getattr(_deferral, "depth", 0):
        transaction.on_commit(lambda: setattr(_deferral, "asked", True))
        return
    transaction.on_commit(_ask_for_delivery)


@contextlib.contextmanager
def deferred_delivery() -> Iterator[None]:
    """Inside the block, `publish` records events as usual, but delivery is asked for once, when the block
    ends, if any of them committed. Events are never lost either way: the sweep delivers what was missed."""
    depth = getattr(_deferral, "depth", 0)
    _deferral.depth = depth + 1
    try:
        yield
    finally:
        _deferral.depth = depth
        if depth == 0 and getattr(_deferral, "asked", False):
            _deferral.asked = False
            transaction.on_commit(_ask_for_delivery)


def publish(name: str, **payload: Any) -> Event:
    """Record an event in the current transaction and ask a worker to deliver it once it commits."""
    event = Event.objects.create(name=name, payload=payload)
    _schedule_delivery()
    return event


def publish_many(name: str, payloads: Iterable[dict[str, Any]]) -> int:
    """One event per payload, written in one statement (a bulk action or an import changing 2,000 stages);
    returns how many. Delivery is asked for once, after commit."""
    rows = list(payloads)
    if not rows:
        return 0
    # One executemany, not bulk_create: building a model instance per row was most of the cost at 2,000 a chunk.
    database = connections[Event.objects.db]
    fields = {field.name: field for field in Event._meta.concrete_fields}
    quote = database.ops.quote_name
    columns = ("name", "payload", "created_at", "attempts", "last_error")
    sql = (
        f"INSERT INTO {quote(Event._meta.db_table)} ({', '.join(quote(fields[column].column) for column in columns)})"
        f" VALUES ({', '.join(['%s'] * len(columns))})"
    )
    now = fields["created_at"].get_db_prep_save(timezone.now(), database)
    encoder = fields["payload"].encoder
    with database.cursor() as cursor:
        cursor.executemany(
            sql, [(name, database.ops.adapt_json_value(payload, encoder), now, 0, "") for payload in rows]
        )
    _schedule_delivery()
    return len(rows)


def subscriptions() -> dict[str, list[str]]:
    # The map lives in config (the top layer); core reads it through settings so it never imports upwards.
    return import_string(settings.TANDEM_SUBSCRIPTIONS)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 30 s, 1 min, 2 min, 4 min ... at most 6 hours."""
    return min(RETRY_BASE_DELAY * (2 ** max(attempts - 1, 0)), RETRY_MAX_DELAY)


def _due(now: datetime) -> Q:
    return Q(processed_at__isnull=True, failed_at__isnull=True) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def _claimable(now: datetime) -> Q:
    """Due, and held by nobody: never claimed, or claimed longer than CLAIM_TIMEOUT ago by a dead worker."""
    return _due(now) & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))


def claim(event_id: int, *, now: datetime | None = None) -> bool:
    """Take one event for delivery; False if another worker holds a fresh claim, it is done or given up,
    or its next attempt is not due yet."""
    now = now or timezone.now()
    return Event.objects.filter(_claimable(now), pk=event_id).update(claimed_at=now) == 1


def deliver(event_id: int, *, now: datetime | None = None) -> bool:
    """Claim and deliver one event to every subscribed handler. Returns True when it is processed."""
    now = now or timezone.now()
    if not claim(event_id, now=now):
        return False
    name, payload, attempts = Event.objects.values_list("name", "payload", "attempts").get(pk=event_id)
    return _handle(event_id, name, payload, attempts, claimed_at=now, handlers=subscriptions().get(name, []))


def _handle(
    event_id: int, name: str, payload: dict, attempts: int, *, claimed_at: datetime, handlers: list[str]
) -> bool:
    """Run a claimed event's handlers in one transaction with the mark that it is processed. The mark is
    conditional on the claim still being ours: False, handling nothing, when another worker took the
    event over meanwhile (ours was presumed dead) or it is already processed."""
    attempts += 1
    with transaction.atomic():
        taken = Event.objects.filter(pk=event_id, claimed_at=claimed_at, processed_at__isnull=True).update(
            processed_at=timezone.now(), attempts=attempts, next_attempt_at=None
        )
        if not taken:
            return False
        try:
            with transaction.atomic():  # a failing handler's writes roll back, the bookkeeping below stays
                for handler_path in handlers:
                    import_string(handler_path)(**payload)
        except Exception as error:  # a handler failure must not lose the event: record it and retry later
            logger.exception("Handler failed for event %s %s (attempt %s)", name, event_id, attempts)
            gave_up = attempts >= MAX_ATTEMPTS
            Event.objects.filter(pk=event_id).update(
                processed_at=None,
                claimed_at=None,
                last_error=repr(error)[:2000],
                next_attempt_at=None if gave_up else claimed_at + retry_delay(attempts),
                failed_at=claimed_at if gave_up else None,
            )
            return False
    return True


def _claim_batch(limit: int, now: datetime) -> tuple[int, int, list[tuple[int, str, dict, int]]]:
    """Take up to `limit` due events, oldest first, in one transaction. Those nobody subscribes to are
    delivered there and then (marked processed: one UPDATE for all of them, an import publishes one per
    contact); the others are claimed. Returns (events taken, events processed, the claimed events as
    (id, name, payload, attempts)).

    SKIP LOCKED lets a concurrent drainer pass over the rows this one is taking instead of waiting for
    them and then finding them taken; once committed, the claim (`claimed_at`) or the processed mark keeps
    them out of every other drainer's batch."""
    subscribed = subscriptions()
    with transaction.atomic():
        taken = list(
            Event.objects.select_for_update(skip_locked=True)
            .filter(_claimable(now))
            .order_by("created_at", "id")
            .values_list("id", "name", "attempts")[:limit]
        )
        unheard = [event_id for event_id, name, _ in taken if not subscribed.get(name)]
        heard = [(event_id, name, attempts) for event_id, name, attempts in taken if subscribed.get(name)]
        processed = 0
        if unheard:
            processed = Event.objects.filter(pk__in=unheard).update(
                processed_at=now, attempts=F("attempts") + 1
            )
        if heard:
            Event.objects.filter(pk__in=[event_id for event_id, _, _ in heard]).update(claimed_at=now)
    payloads = (
        dict(Event.objects.filter(pk__in=[event_id for event_id, _, _ in heard]).values_list("id", "payload"))
        if heard
        else {}
    )
    claimed = [(event_id, name, payloads[event_id], attempts) for event_id, name, attempts in heard]
    return len(taken), processed, claimed


def _deliver_claimed(claimed: list[tuple[int, str, dict, int]], now: datetime, deadline: float) -> int:
    """Handle claimed events in order; returns how many were processed. Past the deadline, the claims not
    yet handled are given back (not left to expire), so the next run takes them at once."""
    subscribed = subscriptions()
    done = 0
    for position, (event_id, name, payload, attempts) in enumerate(claimed):
        if time.monotonic() >= deadline:
            Event.objects.filter(
                pk__in=[row[0] for row in claimed[position:]], claimed_at=now, processed_at__isnull=True
            ).update(claimed_at=None)
            break
        done += _handle(event_id, name, payload, attempts, claimed_at=now, handlers=subscribed.get(name, []))
    return done


def drain(
    *,
    time_budget: timedelta = DRAIN_TIME_BUDGET,
    batch_size: int = DRAIN_BATCH_SIZE,
    now: datetime | None = None,
) -> int:
    """Deliver due events, batch after batch in publication order, until none is due or `time_budget` has
    passed; returns how many were processed. Safe to run in several workers at once (see the module)."""
    deadline = time.monotonic() + time_budget.total_seconds()
    processed = 0
    while True:
        moment = now or timezone.now()
        taken, delivered, claimed = _claim_batch(batch_size, moment)
        processed += delivered + _deliver_claimed(claimed, moment, deadline)
        if taken < batch_size or time.monotonic() >= deadline:
            return processed


def deliver_pending(limit: int = 500, *, now: datetime | None = None) -> int:
    """Deliver one batch of up to `limit` due events in publication order; returns how many were processed."""
    now = now or timezone.now()
    _taken, delivered, claimed = _claim_batch(limit, now)
    return delivered + _deliver_claimed(claimed, now, deadline=float("inf"))
