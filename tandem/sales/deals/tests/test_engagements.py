"""Engagements on deals (the deals app's side of the engagements app, which may not import it): a call or
meeting logged on a deal lands on the deal's company and contacts (registry.timeline_people), the deal's next
step follows its earliest open task (the event and deals.handlers.sync_next_step), and the "Log activity"
panel is on contact, company and deal pages."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tandem.contacts.models import Activity
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core import events
from tandem.core.models import Role
from tandem.engagements import services
from tandem.engagements.models import Engagement, Task
from tandem.sales.deals.handlers import sync_next_step
from tandem.sales.deals.models import DealContact
from tandem.sales.deals.tests.factories import DealFactory, make_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(client):
    user = UserFactory(role=Role.SALES, team=TeamFactory(name="North"), first_name="Ana", last_name="Ruiz")
    client.force_login(user)
    return user


@pytest.fixture
def deal(rep):
    _, stages = make_pipeline()
    company = CompanyFactory(name="Acme", owner=rep, team=rep.team)
    deal = DealFactory(name="Acme rollout", stage=stages["Lead"], owner=rep, company=company)
    first = ContactFactory(first_name="Ben", last_name="Ode", company=company, owner=rep, team=rep.team)
    second = ContactFactory(first_name="Cleo", last_name="Park", company=company, owner=rep, team=rep.team)
    DealContact.objects.create(deal=deal, contact=first, is_primary=True)
    DealContact.objects.create(deal=deal, contact=second)
    return deal


def _drain() -> None:
    events.drain()


def test_a_meeting_on_a_deal_lands_on_the_deal_company_and_each_contact(rep, deal):
    ben, cleo = (link.contact for link in deal.deal_contacts.order_by("-is_primary"))
    meeting = services.log_meeting(
        actor=rep,
        subject_type="deal",
        subject_id=deal.pk,
        starts_at="2026-03-03T09:00",
        duration_minutes="45",
        attendee_ids=[str(cleo.pk)],
        notes="Demo went well",
    )
    rows = sorted(
        Activity.objects.values_list("contact_id", "company_id", "subject_type", "subject_id"), key=str
    )
    assert rows == sorted(
        [
            (None, deal.company_id, "deal", deal.pk),
            (ben.pk, None, "deal", deal.pk),
            (cleo.pk, None, "deal", deal.pk),
        ],
        key=str,
    )
    details = Activity.objects.first().details
    assert details == {
        "engagement_id": meeting.pk,
        "duration_minutes": 45,
        "attendees": ["Cleo Park"],
        "deal": "Acme rollout",
    }
    assert list(meeting.attendees.values_list("pk", flat=True)) == [cleo.pk]


def test_a_meeting_refuses_attendees_who_are_not_the_subjects_people(rep, deal):
    outsider = ContactFactory(owner=rep, team=rep.team)
    with pytest.raises(ValidationError) as refused:
        services.log_meeting(
            actor=rep,
            subject_type="deal",
            subject_id=deal.pk,
            attendee_ids=[outsider.pk],
            duration_minutes="9999",
        )
    assert refused.value.message_dict == {
        "duration_minutes": ["Give the duration in minutes, from 0 to 1440."],
        "attendees": ["Choose attendees among the people of this record."],
    }
    assert (Engagement.objects.count(), Activity.objects.count()) == (0, 0)


def test_the_deal_next_step_follows_its_earliest_open_task(rep, deal):
    later = services.create_task(
        actor=rep, values={"title": "Send contract", "subject": f"deal:{deal.pk}", "due_date": "2026-04-10"}
    )
    sooner = services.create_task(
        actor=rep, values={"title": "Pricing call", "subject": f"deal:{deal.pk}", "due_date": "2026-04-01"}
    )
    _drain()
    deal.refresh_from_db()
    assert (deal.next_step, deal.next_step_date) == ("Pricing call", datetime.date(2026, 4, 1))
    services.reschedule_task(actor=rep, task=sooner, due_date="2026-04-20")
    _drain()
    deal.refresh_from_db()
    assert (deal.next_step, deal.next_step_date) == ("Send contract", datetime.date(2026, 4, 10))
    services.complete_task(actor=rep, task=later)
    services.complete_task(actor=rep, task=sooner)
    _drain()
    deal.refresh_from_db()
    assert (deal.next_step, deal.next_step_date) == ("", None)


def test_the_next_step_handler_is_idempotent(rep, deal):
    services.create_task(
        actor=rep, values={"title": "Pricing call", "subject": f"deal:{deal.pk}", "due_date": "2026-04-01"}
    )
    _drain()
    deal.refresh_from_db()
    version = deal.updated_at
    sync_next_step(task_id=1, subject_type="deal", subject_id=deal.pk)  # a re-delivery
    deal.refresh_from_db()
    assert (deal.next_step, deal.updated_at) == ("Pricing call", version)


def test_moving_a_task_to_another_deal_updates_both(rep, deal):
    other = DealFactory(name="Second", stage=deal.stage, owner=rep)
    task = services.create_task(
        actor=rep, values={"title": "Pricing call", "subject": f"deal:{deal.pk}", "due_date": "2026-04-01"}
    )
    _drain()
    services.update_task(actor=rep, task=task, values={"subject": f"deal:{other.pk}"})
    _drain()
    deal.refresh_from_db()
    other.refresh_from_db()
    assert (deal.next_step, other.next_step, other.next_step_date) == (
        "",
        "Pricing call",
        datetime.date(2026, 4, 1),
    )


def test_the_log_panel_is_on_contact_company_and_deal_pages(client, rep):
    _, stages = make_pipeline()
    company = CompanyFactory(name="Acme", owner=rep, team=rep.team)
    contact = ContactFactory(owner=rep, team=rep.team, company=company)
    deal = DealFactory(name="Rollout", stage=stages["Lead"], owner=rep, company=company)
    for url in (
        reverse("contacts:contact_detail", args=[contact.pk]),
        reverse("contacts:company_detail", args=[company.pk]),
        reverse("deals:deal_detail", args=[deal.pk]),
    ):
        page = client.get(url).content.decode()
        assert 'id="log-activity-heading">Log activity' in page, url
        assert 'id="log-kind-call"' in page and 'id="log-kind-task"' in page


def test_adding_a_task_from_a_deal_page(client, rep):
    _, stages = make_pipeline()
    deal = DealFactory(name="Rollout", stage=stages["Lead"], owner=rep)
    DealContact.objects.create(deal=deal, contact=ContactFactory(owner=rep, team=rep.team), is_primary=True)
    url = reverse("engagements:log", args=["task"]) + f"?subject=deal:{deal.pk}"
    response = client.post(
        url,
        {
            "title": "Send proposal",
            "due_date": "2026-05-04",
            "due_time": "",
            "task_type": "email",
            "priority": "high",
            "notes": "",
        },
    )
    assert response.status_code == 302
    assert list(Task.objects.values_list("title", "subject_type", "subject_id", "owner_id", "task_type")) == [
        ("Send proposal", "deal", deal.pk, rep.pk, "email")
    ]
