"""The demo's deals: two pipelines, a year of deals won and lost with reasons, the same on every run."""

import pytest
from django.db import transaction

from tandem.demo import generator
from tandem.demo.generator import generate
from tandem.demo.tests.test_generator import SMALL
from tandem.sales.deals.models import Deal, DealStageChange, Pipeline, StageKind


class RolledBack(Exception):
    pass


def deal_rows():
    try:
        with transaction.atomic():
            generate(SMALL)
            rows = list(
                Deal.objects.order_by("created_at", "name").values_list(
                    "name", "amount", "currency", "stage__name", "status", "loss_reason__label", "created_at"
                )
            )
            pipelines = list(Pipeline.objects.values_list("name", "is_default"))
            lost_without_reason = Deal.objects.filter(status=StageKind.LOST, loss_reason__isnull=True).count()
            every_deal_has_history = not Deal.objects.exclude(
                pk__in=DealStageChange.objects.values("deal_id")
            ).exists()
            raise RolledBack
    except RolledBack:
        return rows, pipelines, lost_without_reason, every_deal_has_history


@pytest.fixture(autouse=True)
def _only_the_steps_deals_need(monkeypatch):
    # The deals step reads the contacts; the mail steps are not needed (and are covered by their own tests).
    steps = [
        generator.create_teams_and_users,
        generator.create_tags,
        generator.create_property_definitions,
        generator.create_companies,
        generator.create_contacts,
        generator.reset_sequences,
        generator.create_deals,
    ]
    monkeypatch.setattr(generator, "STEPS", steps)
    monkeypatch.setattr(
        generator,
        "CONTACT_STEPS",
        [step for step in generator.CONTACT_STEPS if step.__name__ != "write_personal_emails"],
    )


@pytest.mark.django_db
def test_the_demo_has_two_pipelines_and_deals_won_lost_and_open_the_same_every_run():
    rows, pipelines, lost_without_reason, every_deal_has_history = deal_rows()
    again, *_ = deal_rows()

    assert pipelines == [("New business", True), ("Renewals", False)]
    assert rows == again
    statuses = {row[4] for row in rows}
    assert statuses == {StageKind.OPEN, StageKind.WON, StageKind.LOST}
    assert lost_without_reason == 0
    assert every_deal_has_history


def board_health():
    import datetime

    from tandem.sales.deals.selectors import is_rotting

    try:
        with transaction.atomic():
            generate(SMALL)
            open_deals = list(Deal.objects.filter(status=StageKind.OPEN).select_related("stage"))
            # The demo's "now" is the morning of the configured day.
            now = datetime.datetime.combine(SMALL.today, datetime.time(9), tzinfo=datetime.UTC)
            rotting = sum(is_rotting(deal, deal.stage, now) for deal in open_deals)
            without_step = sum(not deal.next_step for deal in open_deals)
            order_kept = all(
                change.changed_at <= deal.stage_entered_at
                for deal in open_deals
                for change in DealStageChange.objects.filter(deal=deal)
            )
            raise RolledBack
    except RolledBack:
        return len(open_deals), rotting, without_step, order_kept


@pytest.mark.django_db
def test_only_a_realistic_share_of_the_open_demo_deals_rot():
    count, rotting, without_step, order_kept = board_health()
    assert count > 20
    assert 0.05 <= rotting / count <= 0.25, (rotting, count)
    assert 0 < without_step < count * 0.25
    assert order_kept


def creation_entries():
    from tandem.contacts.models import Activity

    try:
        with transaction.atomic():
            generate(SMALL)
            deals = {
                pk: (created_at, stage_entered_at)
                for pk, created_at, stage_entered_at in Deal.objects.values_list(
                    "pk", "created_at", "stage_entered_at"
                )
            }
            entries = list(
                Activity.objects.filter(kind="deal_created", subject_type="deal").values_list(
                    "subject_id", "occurred_at", "contact_id", "company_id"
                )
            )
            first_moves = dict(
                DealStageChange.objects.filter(from_stage__isnull=True).values_list("deal_id", "changed_at")
            )
            raise RolledBack
    except RolledBack:
        return deals, entries, first_moves


@pytest.mark.django_db
def test_a_demo_deal_is_created_when_its_created_entry_says_and_has_its_own_row():
    deals, entries, first_moves = creation_entries()

    # every "created" entry is dated with its deal's creation, which is when it entered its first stage
    assert len(deals) > 50
    assert {subject_id: at for subject_id, at, *_ in entries} == {pk: row[0] for pk, row in deals.items()}
    assert first_moves == {pk: row[0] for pk, row in deals.items()}
    # not with the stage it sits in now (an open deal that moved entered its stage after its creation)
    assert sum(created < entered for created, entered in deals.values()) > 10
    # one row of the deal's own for each deal, as the services write (its page shows it whatever its links)
    own = [
        subject_id
        for subject_id, _at, contact_id, company_id in entries
        if (contact_id, company_id) == (None, None)
    ]
    assert sorted(own) == sorted(deals)
