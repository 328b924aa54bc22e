"""Deal services: creation (source, first history row, lifecycle), moves (required fields, history,
timeline, event, lifecycle forward only), closing, optimistic edits and permission refusals."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tandem.contacts.models import Activity, Contact, LifecycleStage, StageChange
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Event, Role
from tandem.sales.deals import services
from tandem.sales.deals.models import Deal, DealStageChange, LossReason, StageKind
from tandem.sales.deals.tests.factories import DealFactory, make_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline():
    return make_pipeline()


def test_creating_a_deal_copies_the_source_writes_history_and_moves_the_contact_to_opportunity(pipeline):
    # given a sales rep and a lead who first came from a webinar, working at a company
    _, stages = pipeline
    rep = UserFactory(role=Role.SALES)
    company = CompanyFactory(name="Acme")
    lead = ContactFactory(source="webinar", company=company, lifecycle_stage=LifecycleStage.LEAD)

    # when the rep creates a deal for her
    deal = services.create_deal(
        actor=rep,
        values={
            "name": "Acme rollout",
            "amount": "12500.50",
            "currency": "usd",
            "stage": stages["Lead"].pk,
            "primary_contact": lead.pk,
        },
    )

    # then the deal has the decimal amount, the contact's source and her company, and one history row
    deal.refresh_from_db()
    assert (deal.amount, deal.currency, deal.source, deal.company_id) == (
        Decimal("12500.50"),
        "USD",
        "webinar",
        company.pk,
    )
    assert (deal.owner_id, deal.team_id, deal.status) == (rep.pk, rep.team_id, StageKind.OPEN)
    assert list(DealStageChange.objects.filter(deal=deal).values_list("from_stage", "to_stage", "actor")) == [
        (None, stages["Lead"].pk, rep.pk)
    ]
    # the contact moved forward through the contacts service (its own stage history, caused by the deal)
    lead.refresh_from_db()
    assert lead.lifecycle_stage == LifecycleStage.OPPORTUNITY
    change = StageChange.objects.filter(contact=lead).latest("id")
    assert (change.from_stage, change.to_stage, change.cause_type, change.cause_id) == (
        "lead",
        "opportunity",
        "deal",
        deal.pk,
    )
    assert set(Activity.objects.filter(kind="deal_created").values_list("contact_id", "company_id")) == {
        (None, None),  # the deal's own row
        (lead.pk, None),
        (None, company.pk),
    }
    assert Event.objects.filter(name="sales.deal.created", payload__deal_id=deal.pk).count() == 1


def test_a_float_amount_is_refused_with_a_sentence(pipeline):
    rep = UserFactory(role=Role.SALES)
    with pytest.raises(ValidationError) as refused:
        services.create_deal(actor=rep, values={"name": "Float", "amount": 0.1})
    assert refused.value.message_dict == {
        "amount": ['Give the amount as a decimal number in text, e.g. "1250.00".']
    }
    assert Deal.objects.count() == 0


def test_moving_into_a_stage_that_needs_an_amount_is_refused_until_it_has_one(pipeline):
    # given a deal without an amount
    _, stages = pipeline
    rep = UserFactory(role=Role.SALES)
    deal = DealFactory(stage=stages["Lead"], owner=rep)

    # when it is moved to Proposal, then it is refused and nothing moved
    with pytest.raises(ValidationError) as refused:
        services.move_deal(actor=rep, deal=deal, stage=stages["Proposal"].pk)
    assert refused.value.message_dict == {"stage": ["Fill in the amount before moving the deal to Proposal."]}
    deal.refresh_from_db()
    assert deal.stage_id == stages["Lead"].pk
    assert DealStageChange.objects.filter(deal=deal).count() == 0

    # when it has an amount, the move goes through
    services.update_deal(actor=rep, deal=deal, values={"amount": "900"})
    services.move_deal(actor=rep, deal=deal, stage=stages["Proposal"])
    assert deal.stage_id == stages["Proposal"].pk
    assert list(DealStageChange.objects.filter(deal=deal).values_list("from_stage", "to_stage")) == [
        (stages["Lead"].pk, stages["Proposal"].pk)
    ]
    event = Event.objects.get(name="sales.deal.stage_changed")
    assert event.payload["deal_id"] == deal.pk and event.payload["to_stage_id"] == stages["Proposal"].pk


def test_a_stage_of_another_pipeline_is_refused(pipeline):
    _, stages = pipeline
    _, others = make_pipeline("Renewals")
    rep = UserFactory(role=Role.ADMIN)
    deal = DealFactory(stage=stages["Lead"], owner=rep)
    with pytest.raises(ValidationError) as refused:
        services.move_deal(actor=rep, deal=deal, stage=others["Lead"].pk)
    assert refused.value.message_dict == {
        "stage": ["That stage belongs to another pipeline; choose one of this deal's."]
    }


def test_won_makes_every_contact_a_customer_and_lifecycle_never_goes_backwards(pipeline):
    # given a deal with a lead as primary contact and an evangelist as a second contact
    _, stages = pipeline
    rep = UserFactory(role=Role.SALES)
    lead = ContactFactory(lifecycle_stage=LifecycleStage.LEAD)
    fan = ContactFactory(lifecycle_stage=LifecycleStage.EVANGELIST)
    deal = services.create_deal(
        actor=rep,
        values={"name": "Big", "amount": "10", "primary_contact": lead.pk, "stage": stages["Lead"].pk},
    )
    deal.deal_contacts.create(contact=fan, role="champion")

    # when it is won
    services.close_deal(actor=rep, deal=deal, outcome="won", reason="Best fit")

    # then the lead is a customer, the evangelist stays an evangelist
    assert Contact.objects.get(pk=lead.pk).lifecycle_stage == LifecycleStage.CUSTOMER
    assert Contact.objects.get(pk=fan.pk).lifecycle_stage == LifecycleStage.EVANGELIST
    deal.refresh_from_db()
    assert (deal.status, deal.stage_id, deal.won_reason) == (StageKind.WON, stages["Won"].pk, "Best fit")
    assert deal.closed_at is not None
    assert Activity.objects.filter(kind="deal_won", contact=fan).count() == 1


def test_lost_needs_a_reason_from_the_list_and_keeps_competitor_and_note(pipeline):
    _, stages = pipeline
    rep = UserFactory(role=Role.SALES)
    deal = DealFactory(stage=stages["Lead"], owner=rep)
    with pytest.raises(ValidationError) as refused:
        services.close_deal(actor=rep, deal=deal, outcome="lost", reason="")
    assert refused.value.message_dict == {"reason": ["Choose why the deal was lost."]}
    price = LossReason.objects.get(label="Price")
    services.close_deal(
        actor=rep, deal=deal, outcome="lost", reason=price.pk, competitor="Globex", note="Too dear"
    )
    deal.refresh_from_db()
    assert (deal.status, deal.loss_reason_id, deal.competitor, deal.close_note) == (
        StageKind.LOST,
        price.pk,
        "Globex",
        "Too dear",
    )


def test_a_stale_edit_is_refused_and_changes_nothing(pipeline):
    _, stages = pipeline
    rep = UserFactory(role=Role.SALES)
    deal = DealFactory(stage=stages["Lead"], owner=rep, amount=Decimal("100.00"))
    version = services.deal_version(deal)
    services.update_deal(actor=rep, deal=deal, values={"amount": "200"})
    with pytest.raises(services.StaleRecord):
        services.update_deal(
            actor=rep, deal=Deal.objects.get(pk=deal.pk), values={"amount": "300"}, expected_version=version
        )
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("200.00")


def test_a_rep_of_another_team_may_not_move_a_deal_and_nothing_changes(pipeline):
    _, stages = pipeline
    owner = UserFactory(role=Role.SALES, team=TeamFactory(name="North"))
    stranger = UserFactory(role=Role.SALES, team=TeamFactory(name="South"))
    deal = DealFactory(stage=stages["Lead"], owner=owner, amount=Decimal("5.00"))
    with pytest.raises(PermissionDenied):
        services.move_deal(actor=stranger, deal=deal, stage=stages["Proposal"].pk)
    with pytest.raises(PermissionDenied):
        services.update_deal(actor=stranger, deal=deal, values={"amount": "1"})
    deal.refresh_from_db()
    assert (deal.stage_id, deal.amount) == (stages["Lead"].pk, Decimal("5.00"))
    assert DealStageChange.objects.count() == 0
    assert Event.objects.filter(name__startswith="sales.").count() == 0


def test_marketing_may_view_but_not_create_deals(pipeline):
    marketer = UserFactory(role=Role.MARKETING)
    with pytest.raises(PermissionDenied):
        services.create_deal(actor=marketer, values={"name": "Nope"})
    assert Deal.objects.count() == 0


def test_bulk_move_moves_only_deals_that_meet_the_stage_and_writes_history(pipeline):
    _, stages = pipeline
    admin = UserFactory(role=Role.ADMIN)
    with_amount = DealFactory(stage=stages["Lead"], amount=Decimal("1.00"))
    without = DealFactory(stage=stages["Lead"])
    moved = services.bulk_update_deals(
        actor=admin,
        deal_ids=[with_amount.pk, without.pk],
        action="move_stage",
        value=str(stages["Proposal"].pk),
    )
    assert moved == 1
    assert Deal.objects.get(pk=with_amount.pk).stage_id == stages["Proposal"].pk
    assert Deal.objects.get(pk=without.pk).stage_id == stages["Lead"].pk
    assert DealStageChange.objects.filter(deal=with_amount).count() == 1


def test_loss_reasons_are_replaced_in_order_and_a_removed_one_is_retired():
    admin = UserFactory(role=Role.ADMIN)
    services.save_loss_reasons(actor=admin, labels=["Timing", "Budget cut", "", "Price"])
    assert list(LossReason.objects.filter(active=True).values_list("label", flat=True)) == [
        "Timing",
        "Budget cut",
        "Price",
    ]
    assert LossReason.objects.get(label="Competitor").active is False
    rep = UserFactory(role=Role.SALES)
    with pytest.raises(PermissionDenied):
        services.save_loss_reasons(actor=rep, labels=["Mine"])
    assert not LossReason.objects.filter(label="Mine").exists()
