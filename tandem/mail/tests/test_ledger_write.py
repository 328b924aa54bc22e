"""Writing the ledger row: one key is one message, ever, in the caller's transaction; the row returned is the
row stored. The write is one INSERT … ON CONFLICT (key) DO NOTHING, so two transactions queueing one key at
once give one row and no error."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from tandem.mail.models import Category, Message, Status
from tandem.mail.services import InvalidMessage, queue_message
from tandem.mail.tests.support import make_identity


def _queue(key="write:1", to="ada@example.com", subject="First", **options) -> Message:
    return queue_message(
        key=key, category=Category.PERSONAL, to=[to], subject=subject, text="Hello", **options
    )


def _stored(message: Message) -> dict:
    values = {field.attname: getattr(message, field.attname) for field in Message._meta.concrete_fields}
    values["raw"] = bytes(values["raw"])
    return values


@pytest.mark.django_db
def test_the_row_returned_is_the_row_stored():
    # when a message is queued
    message = _queue(identity=make_identity(), about=("company", 12))

    # then what the caller holds is what a fresh read gives, field for field
    assert message.pk is not None
    assert not message._state.adding
    assert _stored(message) == _stored(Message.objects.get(pk=message.pk))
    assert (message.status, message.attempts, message.recipients) == (Status.QUEUED, 0, ["ada@example.com"])


@pytest.mark.django_db
def test_the_same_key_twice_is_one_message_and_the_second_call_gets_the_first_row():
    # given a queued message
    first = _queue(subject="First")

    # when the same key is queued again with other values
    second = _queue(subject="Second", to="bo@example.com")

    # then the ledger holds one row, the first, and the second call got it
    assert list(Message.objects.values_list("pk", "subject", "recipients")) == [
        (first.pk, "First", ["ada@example.com"])
    ]
    assert (second.pk, second.subject, second.recipients) == (first.pk, "First", ["ada@example.com"])


@pytest.mark.django_db
def test_a_known_key_with_input_that_no_longer_passes_still_returns_its_row():
    # given a queued message
    first = _queue()

    # when its key is queued again with a recipient that is not an address
    again = _queue(to="not an address")

    # then the existing row comes back, and nothing else was written
    assert again.pk == first.pk
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_a_new_key_with_a_bad_recipient_is_refused_and_writes_nothing():
    with pytest.raises(InvalidMessage) as refused:
        _queue(to="not an address")

    assert refused.value.code == "invalid_address"
    assert Message.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_row_and_the_key_free():
    # given a transaction that queues a message and then fails
    with pytest.raises(RuntimeError), transaction.atomic():
        _queue(subject="Rolled back")
        raise RuntimeError("the caller failed")

    # then nothing is in the ledger
    assert Message.objects.count() == 0

    # and the key can be queued again, as a new message
    message = _queue(subject="Second try")
    assert list(Message.objects.values_list("pk", "subject")) == [(message.pk, "Second try")]


class _RolledBack(Exception):
    pass


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_commits", [True, False], ids=["first commits", "first rolls back"])
def test_two_transactions_queueing_one_key_at_once_give_one_row_and_no_error(first_commits):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the second transaction cannot start its INSERT")
    identity = make_identity()
    first_queued, first_may_finish = threading.Event(), threading.Event()
    results: dict[str, Message | BaseException] = {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = _queue(key="race:1", subject="First", identity=identity)
                first_queued.set()
                first_may_finish.wait(10)
                if not first_commits:
                    raise _RolledBack
        except _RolledBack:
            pass
        finally:
            connections.close_all()

    def second():
        first_queued.wait(10)
        try:
            with transaction.atomic():
                results["second"] = _queue(key="race:1", subject="Second", identity=identity)
        except BaseException as error:  # noqa: BLE001 (the test reports it)
            results["second"] = error
        finally:
            connections.close_all()

    # given a transaction that queued a key and has not committed, and a second one queueing the same key
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_queued.wait(10)
    time.sleep(0.5)
    # then the second waits for the first
    assert "second" not in results

    # when the first commits (or rolls back)
    first_may_finish.set()
    for thread in threads:
        thread.join(20)

    # then there is one row: the first's when it committed (the second call got it), else the second's
    rows = list(Message.objects.values_list("pk", "subject"))
    second_result = results["second"]
    assert isinstance(second_result, Message), second_result
    if first_commits:
        assert rows == [(results["first"].pk, "First")]
        assert (second_result.pk, second_result.subject) == (results["first"].pk, "First")
    else:
        assert rows == [(second_result.pk, "Second")]
