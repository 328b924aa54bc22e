"""Two people moving one deal at once (PostgreSQL, real threads): the last move wins and both moves are in
the history, each starting where the other left the deal."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.sales.deals import services
from tandem.sales.deals.models import Deal, DealStageChange
from tandem.sales.deals.tests.factories import DealFactory, make_pipeline


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_moves_are_both_in_the_history_and_the_last_wins():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    _, stages = make_pipeline()
    alice, bob = UserFactory(role=Role.ADMIN), UserFactory(role=Role.ADMIN)
    deal = DealFactory(stage=stages["Lead"], amount=Decimal("10.00"))
    start = threading.Barrier(2)
    failures = []

    def move(actor, stage):
        try:
            start.wait()
            services.move_deal(actor=actor, deal=Deal.objects.get(pk=deal.pk), stage=stage)
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=move, args=(alice, stages["Proposal"])),
        threading.Thread(target=move, args=(bob, stages["Won"])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    history = list(DealStageChange.objects.filter(deal=deal).order_by("id"))
    assert len(history) == 2
    # the second move starts where the first left the deal, and the deal is where the last one put it
    assert history[1].from_stage_id == history[0].to_stage_id
    assert history[0].from_stage_id == stages["Lead"].pk
    assert Deal.objects.get(pk=deal.pk).stage_id == history[1].to_stage_id
