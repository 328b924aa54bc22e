"""publish_many: the bulk paths' outbox rows (one per record, one INSERT), delivered like any event; events no
handler subscribes to are marked processed in one UPDATE."""

import pytest
from django.db import transaction

from tandem.core import events
from tandem.core.models import Event

pytestmark = pytest.mark.django_db(transaction=True)


def test_many_events_are_recorded_with_their_payloads_and_unheard_ones_are_processed_at_once():
    with transaction.atomic():
        count = events.publish_many(
            "tests.thing.happened", [{"thing_id": 1}, {"thing_id": 2}, {"thing_id": 3}]
        )

    assert count == 3
    rows = list(Event.objects.order_by("id").values_list("name", "payload", "attempts", "processed_at"))
    # Huey runs the delivery task inline in tests, after the commit: nobody subscribes, so all are processed.
    assert [(name, payload, attempts) for name, payload, attempts, _ in rows] == [
        ("tests.thing.happened", {"thing_id": 1}, 1),
        ("tests.thing.happened", {"thing_id": 2}, 1),
        ("tests.thing.happened", {"thing_id": 3}, 1),
    ]
    assert all(processed_at is not None for *_, processed_at in rows)
