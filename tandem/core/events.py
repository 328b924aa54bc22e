"""The outbox: services publish events inside their transaction; a worker delivers them after commit.

Delivery claims each row with a conditional update, so two workers never run the same row at once, and
calls the handlers named in config/subscriptions.py. A failed handler leaves the row unprocessed with the
error recorded; it is retried on the next sweep, so handlers must tolerate re-delivery.
"""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from tandem.core.models import Event

logger = logging.getLogger(__name__)

# A claim older than this is considered abandoned by a crashed worker and may be taken again.
CLAIM_TIMEOUT = timedelta(minutes=5)
MAX_ATTEMPTS = 10


def publish(name: str, **payload: Any) -> Event:
    """Record an event in the current transaction and ask a worker to deliver it once it commits."""
    event = Event.objects.create(name=name, payload=payload)

    def schedule() -> None:
        from tandem.core.tasks import deliver_events

        deliver_events()

    transaction.on_commit(schedule)
    return event


def subscriptions() -> dict[str, list[str]]:
    # The map lives in config (the top layer); core reads it through settings so it never imports upwards.
    return import_string(settings.TANDEM_SUBSCRIPTIONS)


def claim(event_id: int) -> bool:
    """Take one event for delivery; False if another worker holds a fresh claim or it is done."""
    now = timezone.now()
    stale_before = now - CLAIM_TIMEOUT
    claimed = (
        Event.objects.filter(pk=event_id, processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale_before))
        .update(claimed_at=now)
    )
    return claimed == 1


def deliver(event_id: int) -> bool:
    """Deliver one event to every subscribed handler. Returns True when it is processed."""
    if not claim(event_id):
        return False
    event = Event.objects.get(pk=event_id)
    try:
        for handler_path in subscriptions().get(event.name, []):
            import_string(handler_path)(**event.payload)
    except Exception as error:  # a handler failure must not lose the event: record it and retry later
        logger.exception("Handler failed for event %s", event_id)
        Event.objects.filter(pk=event_id).update(
            claimed_at=None, attempts=event.attempts + 1, last_error=repr(error)[:2000]
        )
        return False
    Event.objects.filter(pk=event_id).update(processed_at=timezone.now(), attempts=event.attempts + 1)
    return True


def deliver_pending(limit: int = 500) -> int:
    """Deliver up to `limit` pending events in publication order; returns how many were processed."""
    pending_ids = list(
        Event.objects.filter(processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .order_by("created_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    return sum(1 for event_id in pending_ids if deliver(event_id))


def publish_many(name: str, payloads: list[dict[str, Any]]) -> int:
    """Record one event per payload with one INSERT (the bulk paths: an import changing 2,000 stages), in the
    current transaction, and ask a worker to deliver them once it commits."""
    if not payloads:
        return 0
    Event.objects.bulk_create([Event(name=name, payload=payload) for payload in payloads], batch_size=1000)

    def schedule() -> None:
        from tandem.core.tasks import deliver_events

        deliver_events()

    transaction.on_commit(schedule)
    return len(payloads)
