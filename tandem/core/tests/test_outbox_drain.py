"""Draining the outbox: batch after batch until empty or out of time, and never an event lost or handled
twice, whether a worker dies mid-batch or two drain at once."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from tandem.core import events, tasks
from tandem.core.models import Event

TEST_SUBSCRIPTIONS = {"test.thing.happened": ["tandem.core.tests.test_outbox_drain.note_handled"]}
KILL_AT = {"number": None}


class WorkerKilled(BaseException):
    """Stands for the process dying: not an Exception, so no handler-failure bookkeeping runs."""


def note_handled(*, number: int) -> None:
    """A handler with a database effect: one `test.handled` row per delivery it completes."""
    if number == KILL_AT["number"]:
        raise WorkerKilled
    Event.objects.create(name="test.handled", payload={"number": number})


@pytest.fixture(autouse=True)
def test_subscriptions(settings):
    settings.TANDEM_SUBSCRIPTIONS = "tandem.core.tests.test_outbox_drain.TEST_SUBSCRIPTIONS"
    KILL_AT["number"] = None


def publish_things(count: int, name: str = "test.thing.happened") -> None:
    Event.objects.bulk_create([Event(name=name, payload={"number": number}) for number in range(count)])


def handled_numbers() -> list[int]:
    return sorted(Event.objects.filter(name="test.handled").values_list("payload__number", flat=True))


@pytest.mark.django_db
def test_one_run_drains_every_batch_not_only_the_first():
    # given more events than one batch holds (nobody subscribes to them: an import's stage changes)
    publish_things(1_234, name="test.nobody.listens")

    # when the after-commit task runs once
    processed = tasks.deliver_events.call_local()

    # then all of them are processed, not the first 500
    assert processed == 1_234
    assert Event.objects.filter(processed_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_a_run_takes_batches_until_the_outbox_is_empty():
    publish_things(25)

    processed = events.drain(batch_size=10)

    assert processed == 50  # the 25 events and the 25 rows their handler published, drained as they came
    assert handled_numbers() == list(range(25))
    assert Event.objects.filter(name="test.thing.happened", processed_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_a_run_out_of_time_gives_back_the_claims_it_did_not_handle():
    # given three events, and a run with no time left
    publish_things(3)

    # when it drains
    processed = events.drain(time_budget=datetime.timedelta(0))

    # then it handled none, and left them claimable at once (not until their claim expires)
    assert processed == 0
    assert list(Event.objects.values_list("processed_at", "claimed_at")) == [(None, None)] * 3
    assert events.drain() == 3
    assert handled_numbers() == [0, 1, 2]


@pytest.mark.django_db
def test_a_worker_killed_mid_batch_loses_nothing_and_handles_nothing_twice():
    # given ten events, and a worker that dies while handling the fourth
    publish_things(10)
    KILL_AT["number"] = 3
    killed_at = timezone.now()
    with pytest.raises(WorkerKilled):
        events.drain(now=killed_at)

    # then the three before it are done, the fourth's handler effects rolled back, the rest still claimed
    assert handled_numbers() == [0, 1, 2]
    assert Event.objects.filter(name="test.thing.happened", processed_at__isnull=True).count() == 7
    # and nobody takes them while the dead worker's claim is fresh (only the three rows handlers published)
    KILL_AT["number"] = None
    assert events.drain(now=killed_at + datetime.timedelta(seconds=30)) == 3
    assert Event.objects.filter(name="test.thing.happened", processed_at__isnull=True).count() == 7

    # when the claim is old enough to belong to a dead worker, the next run takes the rest
    assert (
        events.drain(now=killed_at + events.CLAIM_TIMEOUT + datetime.timedelta(seconds=1)) == 7
    )  # the rows its handlers wrote wait for the next run

    # then every event was handled exactly once
    assert handled_numbers() == list(range(10))
    attempts = Event.objects.filter(name="test.thing.happened").values_list("attempts", flat=True)
    assert set(attempts) == {1}


@pytest.mark.django_db
def test_a_drainer_whose_claim_was_taken_over_does_not_handle_the_event():
    # given an event claimed by a worker presumed dead, then taken over by another
    publish_things(1)
    event = Event.objects.get()
    old_claim = timezone.now() - events.CLAIM_TIMEOUT - datetime.timedelta(seconds=1)
    Event.objects.filter(pk=event.pk).update(claimed_at=old_claim)
    assert events.claim(event.pk) is True

    # when the slow first worker gets to it
    handled = events._handle(event.pk, event.name, event.payload, 0, claimed_at=old_claim, handlers=["x.y"])

    # then it does nothing: the event is the new claimant's
    assert (handled, handled_numbers()) == (False, [])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
@pytest.mark.django_db(transaction=True)
def test_two_drainers_at_once_share_the_events_and_handle_each_once():
    # given 1,000 events waiting
    publish_things(1_000)
    totals: list[int] = []
    start = threading.Barrier(2)

    def drainer() -> None:
        try:
            start.wait()
            totals.append(events.drain(batch_size=100, time_budget=datetime.timedelta(minutes=2)))
        finally:
            connections.close_all()

    # when two workers drain at the same time
    workers = [threading.Thread(target=drainer) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    # then each event was handled exactly once, and both did part of the work
    assert sum(totals) >= 1_000  # and the handlers' own `test.handled` rows, drained as they came
    assert handled_numbers() == list(range(1_000))
    assert Event.objects.filter(processed_at__isnull=True).exclude(name="test.handled").count() == 0
    assert set(Event.objects.filter(name="test.thing.happened").values_list("attempts", flat=True)) == {1}
    assert len(totals) == 2 and min(totals) > 0
