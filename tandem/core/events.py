"""The outbox: services publish events inside their transaction; a worker delivers them after commit.

Delivery claims each row with a conditional update, so two workers never run the same row at once, and
calls the handlers named in config/subscriptions.py. A failed handler leaves the row unprocessed with the
error recorded and a time for the next attempt, further away after each failure (exponential backoff:
RETRY_BASE_DELAY, doubled per attempt, at most RETRY_MAX_DELAY). After MAX_ATTEMPTS the event is given up
(`failed_at`), its last error kept for whoever looks. Handlers must tolerate re-delivery.
"""

import logging
from collections.abc import Iterable
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


def _schedule_delivery() -> None:
    def schedule() -> None:
        from tandem.core.tasks import deliver_events

        deliver_events()

    transaction.on_commit(schedule)


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


def claim(event_id: int, *, now: datetime | None = None) -> bool:
    """Take one event for delivery; False if another worker holds a fresh claim, it is done or given up,
    or its next attempt is not due yet."""
    now = now or timezone.now()
    stale_before = now - CLAIM_TIMEOUT
    claimed = (
        Event.objects.filter(_due(now), pk=event_id)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale_before))
        .update(claimed_at=now)
    )
    return claimed == 1


def deliver(event_id: int, *, now: datetime | None = None) -> bool:
    """Deliver one event to every subscribed handler. Returns True when it is processed."""
    now = now or timezone.now()
    if not claim(event_id, now=now):
        return False
    event = Event.objects.get(pk=event_id)
    attempts = event.attempts + 1
    try:
        for handler_path in subscriptions().get(event.name, []):
            import_string(handler_path)(**event.payload)
    except Exception as error:  # a handler failure must not lose the event: record it and retry later
        logger.exception("Handler failed for event %s (attempt %s)", event_id, attempts)
        gave_up = attempts >= MAX_ATTEMPTS
        Event.objects.filter(pk=event_id).update(
            claimed_at=None,
            attempts=attempts,
            last_error=repr(error)[:2000],
            next_attempt_at=None if gave_up else now + retry_delay(attempts),
            failed_at=now if gave_up else None,
        )
        return False
    Event.objects.filter(pk=event_id).update(
        processed_at=timezone.now(), attempts=attempts, next_attempt_at=None
    )
    return True


def deliver_pending(limit: int = 500, *, now: datetime | None = None) -> int:
    """Deliver up to `limit` due events in publication order; returns how many were processed."""
    now = now or timezone.now()
    pending = list(
        Event.objects.filter(_due(now)).order_by("created_at", "id").values_list("id", "name")[:limit]
    )
    subscribed = subscriptions()
    # An event no handler subscribes to is delivered by marking it processed: one UPDATE for all of them,
    # not three queries each (an import publishes a stage_changed event per contact).
    unheard = [event_id for event_id, name in pending if not subscribed.get(name)]
    done = 0
    if unheard:
        done = Event.objects.filter(pk__in=unheard, processed_at__isnull=True).update(
            processed_at=now, attempts=F("attempts") + 1
        )
    return done + sum(1 for event_id, name in pending if subscribed.get(name) and deliver(event_id, now=now))
