"""The outbox: events publish with the writer's transaction, are delivered after commit to the handlers
named in settings.TANDEM_SUBSCRIPTIONS, retried when a handler fails, and claimed by one worker only."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from tandem.core import events
from tandem.core.models import Event

CALLS: list[dict] = []
FAILURES_LEFT = {"count": 0}

TEST_SUBSCRIPTIONS = {
    "test.thing.happened": ["tandem.core.tests.test_events.remember"],
    "test.thing.flaky": ["tandem.core.tests.test_events.fail_then_remember"],
}


def remember(**payload) -> None:
    CALLS.append(payload)


def fail_then_remember(**payload) -> None:
    if FAILURES_LEFT["count"] > 0:
        FAILURES_LEFT["count"] -= 1
        raise RuntimeError("mail server down")
    CALLS.append(payload)


@pytest.fixture(autouse=True)
def test_subscriptions(settings):
    settings.TANDEM_SUBSCRIPTIONS = "tandem.core.tests.test_events.TEST_SUBSCRIPTIONS"
    CALLS.clear()
    FAILURES_LEFT["count"] = 0
    yield
    CALLS.clear()


@pytest.fixture(autouse=True)
def inline_queue():
    """Run queued tasks inline, as the worker would after commit. The root conftest sets
    TANDEM_HUEY_IMMEDIATE too late (pytest-django has already imported the settings), so say it here."""
    was_immediate = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = was_immediate


class Abandon(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_given_a_transaction_that_rolls_back_when_an_event_was_published_then_no_event_and_no_handler_call():
    with pytest.raises(Abandon), transaction.atomic():
        events.publish("test.thing.happened", thing_id=5)
        raise Abandon

    assert Event.objects.count() == 0
    assert CALLS == []


@pytest.mark.django_db(transaction=True)
def test_given_a_committed_event_when_the_transaction_ends_then_the_subscribed_handler_gets_its_payload():
    with transaction.atomic():
        event = events.publish("test.thing.happened", thing_id=5, kind="demo")
        # Nothing is delivered while the writer's transaction is open.
        assert CALLS == []

    assert CALLS == [{"thing_id": 5, "kind": "demo"}]
    delivered = Event.objects.get(pk=event.pk)
    assert (delivered.attempts, delivered.last_error, delivered.processed_at is not None) == (1, "", True)


@pytest.mark.django_db(transaction=True)
def test_given_an_event_nobody_subscribes_to_when_delivered_then_it_is_marked_processed():
    with transaction.atomic():
        event = events.publish("test.nobody.listens", thing_id=1)

    assert CALLS == []
    assert Event.objects.get(pk=event.pk).processed_at is not None


@pytest.mark.django_db(transaction=True)
def test_given_a_failing_handler_when_delivered_then_the_error_is_kept_and_a_later_sweep_delivers_it():
    FAILURES_LEFT["count"] = 1
    with transaction.atomic():
        event = events.publish("test.thing.flaky", thing_id=9)

    failed = Event.objects.get(pk=event.pk)
    assert (failed.attempts, failed.last_error, failed.processed_at, failed.claimed_at) == (
        1,
        "RuntimeError('mail server down')",
        None,
        None,
    )
    assert failed.next_attempt_at is not None
    assert CALLS == []
    # not before its backoff is over
    assert events.deliver_pending() == 0

    delivered_count = events.deliver_pending(now=failed.next_attempt_at)

    retried = Event.objects.get(pk=event.pk)
    assert delivered_count == 1
    assert CALLS == [{"thing_id": 9}]
    assert (retried.attempts, retried.processed_at is not None) == (2, True)
    assert events.deliver_pending(now=failed.next_attempt_at + datetime.timedelta(days=1)) == 0
    assert CALLS == [{"thing_id": 9}]


@pytest.mark.django_db
def test_given_a_handler_that_fails_twice_then_succeeds_it_is_retried_with_growing_delays_and_delivered():
    FAILURES_LEFT["count"] = 2
    start = timezone.now()
    event = Event.objects.create(name="test.thing.flaky", payload={"thing_id": 4})

    # first attempt fails: retry in 30 s
    assert events.deliver_pending(now=start) == 0
    first = Event.objects.get(pk=event.pk)
    # nothing is tried again before then
    assert events.deliver_pending(now=start + datetime.timedelta(seconds=29)) == 0
    # second attempt fails: retry in a minute
    assert events.deliver_pending(now=first.next_attempt_at) == 0
    second = Event.objects.get(pk=event.pk)
    # third attempt succeeds
    assert events.deliver_pending(now=second.next_attempt_at) == 1
    done = Event.objects.get(pk=event.pk)

    assert (first.attempts, first.next_attempt_at - start) == (1, datetime.timedelta(seconds=30))
    assert (second.attempts, second.next_attempt_at - first.next_attempt_at) == (
        2,
        datetime.timedelta(minutes=1),
    )
    assert second.last_error == "RuntimeError('mail server down')"
    assert (done.attempts, done.processed_at is not None, done.next_attempt_at, done.failed_at) == (
        3,
        True,
        None,
        None,
    )
    assert CALLS == [{"thing_id": 4}]


@pytest.mark.django_db
def test_given_a_handler_that_always_fails_when_swept_many_times_then_it_stops_after_the_maximum_attempts():
    FAILURES_LEFT["count"] = 1000
    event = Event.objects.create(name="test.thing.flaky", payload={"thing_id": 3})
    now = timezone.now()

    for _ in range(events.MAX_ATTEMPTS + 2):
        events.deliver_pending(now=now)
        now += events.RETRY_MAX_DELAY

    given_up = Event.objects.get(pk=event.pk)
    assert given_up.attempts == events.MAX_ATTEMPTS
    assert (given_up.failed_at is not None, given_up.next_attempt_at) == (True, None)
    assert given_up.last_error == "RuntimeError('mail server down')"
    assert FAILURES_LEFT["count"] == 1000 - events.MAX_ATTEMPTS


@pytest.mark.django_db
def test_given_one_event_when_two_workers_claim_it_then_only_the_first_succeeds():
    event = Event.objects.create(name="test.thing.happened", payload={"thing_id": 1})

    first, second = events.claim(event.pk), events.claim(event.pk)

    assert (first, second) == (True, False)
    assert events.deliver(event.pk) is False
    assert CALLS == []


@pytest.mark.django_db
def test_given_a_claim_abandoned_by_a_crashed_worker_when_it_is_stale_then_another_worker_may_take_it():
    stale = timezone.now() - events.CLAIM_TIMEOUT - datetime.timedelta(seconds=1)
    fresh = timezone.now() - datetime.timedelta(seconds=30)
    abandoned = Event.objects.create(name="test.thing.happened", payload={"thing_id": 1}, claimed_at=stale)
    busy = Event.objects.create(name="test.thing.happened", payload={"thing_id": 2}, claimed_at=fresh)

    assert events.deliver_pending() == 1
    assert CALLS == [{"thing_id": 1}]
    assert Event.objects.get(pk=busy.pk).processed_at is None
    assert Event.objects.get(pk=abandoned.pk).processed_at is not None


@pytest.mark.django_db
def test_given_a_processed_event_when_claimed_again_then_it_is_refused():
    event = Event.objects.create(name="test.thing.happened", payload={"thing_id": 1})
    assert events.deliver(event.pk) is True

    assert events.claim(event.pk) is False
    assert events.deliver(event.pk) is False
    assert CALLS == [{"thing_id": 1}]


@pytest.mark.django_db
def test_given_pending_events_when_swept_then_they_are_delivered_in_publication_order():
    for thing_id in (3, 1, 2):
        Event.objects.create(name="test.thing.happened", payload={"thing_id": thing_id})

    assert events.deliver_pending() == 3
    assert CALLS == [{"thing_id": 3}, {"thing_id": 1}, {"thing_id": 2}]
