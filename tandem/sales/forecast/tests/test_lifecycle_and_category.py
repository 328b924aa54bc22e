"""What the forecast asks of the deals and the spine: a deal's forecast category (the form's field and the
deal page's one click, refused for those who may not change the deal), and a company's lifecycle stage
(a won deal makes it a customer, forward only; a person may still set any stage; the migration's backfill)."""

import importlib
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tandem.contacts import services as contact_services
from tandem.contacts.models import Activity, Company, LifecycleStage
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Event, Role
from tandem.sales.deals import services as deal_services
from tandem.sales.deals.models import Deal, ForecastCategory, LossReason
from tandem.sales.deals.tests.factories import DealFactory, make_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def stages():
    return make_pipeline()[1]


@pytest.fixture
def rep():
    return UserFactory(role=Role.SALES, team=TeamFactory(name="North"))


# --- forecast category --------------------------------------------------------------------------------------


def test_a_new_deal_is_in_the_pipeline_category_and_the_rep_sets_commit(rep, stages):
    deal = deal_services.create_deal(actor=rep, values={"name": "Acme", "stage": stages["Lead"].pk})
    assert deal.forecast_category == ForecastCategory.PIPELINE
    deal_services.update_deal(actor=rep, deal=deal, values={"forecast_category": "commit"})
    assert Deal.objects.get(pk=deal.pk).forecast_category == "commit"
    entry = LogEntry.objects.filter(object_pk=str(deal.pk), content_type__model="deal").latest("id")
    assert entry.changes_dict == {"forecast_category": ["pipeline", "commit"]}


def test_an_unknown_category_is_refused(rep, stages):
    deal = DealFactory(owner=rep, stage=stages["Lead"])
    with pytest.raises(ValidationError) as caught:
        deal_services.update_deal(actor=rep, deal=deal, values={"forecast_category": "maybe"})
    assert caught.value.message_dict == {
        "forecast_category": [
            "“maybe” is not a forecast category; choose pipeline, best case, commit or omitted."
        ]
    }
    assert Deal.objects.get(pk=deal.pk).forecast_category == "pipeline"


def test_one_click_on_the_deal_page(client, rep, stages):
    deal = DealFactory(owner=rep, stage=stages["Lead"], amount=Decimal("10.00"))
    client.force_login(rep)
    page = client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()
    assert "Forecast category" in page and 'value="best_case"' in page
    response = client.post(
        reverse("forecast:deal_category", args=[deal.pk]), {"forecast_category": "best_case"}
    )
    assert response.status_code == 302
    assert Deal.objects.get(pk=deal.pk).forecast_category == "best_case"
    page = client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()
    assert "is now forecast as Best case" in page


def test_someone_who_may_not_change_the_deal_cannot_set_its_category(client, rep, stages):
    deal = DealFactory(owner=rep, stage=stages["Lead"])
    client.force_login(UserFactory(role=Role.MARKETING))
    response = client.post(reverse("forecast:deal_category", args=[deal.pk]), {"forecast_category": "commit"})
    assert response.status_code == 403
    assert Deal.objects.get(pk=deal.pk).forecast_category == "pipeline"
    assert not LogEntry.objects.filter(object_pk=str(deal.pk), content_type__model="deal").exists()


def test_a_stale_click_changes_nothing(client, rep, stages):
    deal = DealFactory(owner=rep, stage=stages["Lead"])
    client.force_login(rep)
    response = client.post(
        reverse("forecast:deal_category", args=[deal.pk]),
        {"forecast_category": "commit", "record_version": "2000-01-01T00:00:00+00:00"},
        follow=True,
    )
    assert "Someone changed this deal meanwhile" in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).forecast_category == "pipeline"


# --- company lifecycle --------------------------------------------------------------------------------------


def test_winning_a_deal_makes_its_company_a_customer(rep, stages):
    company = CompanyFactory(owner=rep, lifecycle_stage=LifecycleStage.OPPORTUNITY)
    deal = DealFactory(owner=rep, stage=stages["Lead"], company=company)

    deal_services.close_deal(actor=rep, deal=deal, outcome="won")

    company.refresh_from_db()
    assert company.lifecycle_stage == LifecycleStage.CUSTOMER
    entry = Activity.objects.get(company=company, contact=None, kind="stage_changed")
    assert (entry.details, entry.subject_type, entry.subject_id) == (
        {"from": "opportunity", "to": "customer"},
        "deal",
        deal.pk,
    )
    assert Event.objects.filter(name="contacts.company.stage_changed").values_list("payload", flat=True)[
        0
    ] == {
        "company_id": company.pk,
        "from_stage": "opportunity",
        "to_stage": "customer",
        "cause_type": "deal",
        "cause_id": deal.pk,
    }


@pytest.mark.parametrize("stage", [LifecycleStage.EVANGELIST, LifecycleStage.OTHER, LifecycleStage.CUSTOMER])
def test_a_won_deal_never_moves_a_company_backwards_or_out_of_other(rep, stages, stage):
    company = CompanyFactory(owner=rep, lifecycle_stage=stage)
    deal = DealFactory(owner=rep, stage=stages["Lead"], company=company)
    deal_services.close_deal(actor=rep, deal=deal, outcome="won")
    company.refresh_from_db()
    assert company.lifecycle_stage == stage
    assert not Activity.objects.filter(company=company, contact=None, kind="stage_changed").exists()


def test_a_lost_deal_leaves_the_company_where_it_is(rep, stages):
    company = CompanyFactory(owner=rep, lifecycle_stage=LifecycleStage.SQL)
    deal = DealFactory(owner=rep, stage=stages["Lead"], company=company)
    reason = LossReason.objects.filter(active=True).first()
    deal_services.close_deal(actor=rep, deal=deal, outcome="lost", reason=reason.pk)
    company.refresh_from_db()
    assert company.lifecycle_stage == LifecycleStage.SQL


def test_a_person_may_set_any_stage_and_it_is_on_the_timeline(rep):
    admin = UserFactory(role=Role.ADMIN)
    company = CompanyFactory(owner=admin, lifecycle_stage=LifecycleStage.CUSTOMER)
    contact_services.update_company(actor=admin, company=company, values={"lifecycle_stage": "lead"})
    company.refresh_from_db()
    assert company.lifecycle_stage == "lead"
    entry = Activity.objects.get(company=company, kind="stage_changed")
    assert (entry.details, entry.subject_type) == ({"from": "customer", "to": "lead"}, "user")
    # the stage has its own entry, so no "updated" entry repeats it
    assert not Activity.objects.filter(company=company, kind="updated").exists()
    with pytest.raises(ValidationError) as caught:
        contact_services.update_company(actor=admin, company=company, values={"lifecycle_stage": "king"})
    assert caught.value.message_dict == {"lifecycle_stage": ["“king” is not a lifecycle stage."]}


def test_the_company_list_filters_by_stage(client):
    admin = UserFactory(role=Role.ADMIN)
    CompanyFactory(name="Zenith Customer", lifecycle_stage=LifecycleStage.CUSTOMER)
    CompanyFactory(name="Nadir Lead", lifecycle_stage=LifecycleStage.LEAD)
    client.force_login(admin)
    page = client.get(reverse("contacts:company_list") + "?stage=customer").content.decode()
    assert "Zenith Customer" in page and "Nadir Lead" not in page
    page = client.get(reverse("contacts:company_list") + "?stage=king").content.decode()
    assert "king" in page and "lifecycle stage" in page


def test_the_backfill_makes_companies_with_a_customer_contact_customers():
    with_customer = CompanyFactory(name="With customer")
    with_evangelist = CompanyFactory(name="With evangelist")
    with_lead = CompanyFactory(name="With lead only")
    with_trashed_customer = CompanyFactory(name="With a trashed customer")
    ContactFactory(company=with_customer, lifecycle_stage=LifecycleStage.CUSTOMER)
    ContactFactory(company=with_customer, lifecycle_stage=LifecycleStage.LEAD)
    ContactFactory(company=with_evangelist, lifecycle_stage=LifecycleStage.EVANGELIST)
    ContactFactory(company=with_lead, lifecycle_stage=LifecycleStage.LEAD)
    ContactFactory(
        company=with_trashed_customer, lifecycle_stage=LifecycleStage.CUSTOMER, deleted_at=timezone.now()
    )
    migration = importlib.import_module("tandem.contacts.migrations.0015_company_lifecycle_stage")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    assert dict(Company.objects.values_list("name", "lifecycle_stage")) == {
        "With customer": "customer",
        "With evangelist": "customer",
        "With lead only": "lead",
        "With a trashed customer": "lead",
    }
