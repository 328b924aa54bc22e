"""Engagement services: tasks (create, complete, reopen, reschedule, change, permissions), calls, meetings and
emails logged by hand with their timeline entries (on a deal: its company and contacts), and a deal's next
step following its earliest open task through the event and the deals app's handler."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tandem.contacts.models import Activity
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core import events
from tandem.core.models import Event, Role
from tandem.engagements import services
from tandem.engagements.models import Engagement, Task, TaskStatus
from tandem.sales.deals.models import DealContact
from tandem.sales.deals.tests.factories import DealFactory, make_pipeline

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def team():
    return TeamFactory(name="North")


@pytest.fixture
def rep(team):
    return UserFactory(role=Role.SALES, team=team, first_name="Ana", last_name="Ruiz")


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


def test_a_new_task_belongs_to_its_creator_and_publishes_its_change(rep):
    contact = ContactFactory(owner=rep, team=rep.team)
    task = services.create_task(
        actor=rep,
        values={
            "title": "  Call   back ",
            "subject": f"contact:{contact.pk}",
            "due_date": "2026-03-02",
            "due_time": "14:30",
            "priority": "high",
            "task_type": "call",
        },
    )
    task.refresh_from_db()
    assert (task.title, task.subject_type, task.subject_id, task.due_date, task.due_time) == (
        "Call back",
        "contact",
        contact.pk,
        datetime.date(2026, 3, 2),
        datetime.time(14, 30),
    )
    assert (task.owner_id, task.team_id, task.status, task.done_at, task.priority) == (
        rep.pk,
        rep.team_id,
        "open",
        None,
        "high",
    )
    assert list(Event.objects.filter(name="engagements.task.changed").values_list("payload", flat=True)) == [
        {"task_id": task.pk, "subject_type": "contact", "subject_id": contact.pk}
    ]


def test_bad_input_is_refused_field_by_field_and_nothing_is_written(rep):
    other_team_contact = ContactFactory(owner=rep, deleted_at=timezone.now())  # in the trash
    with pytest.raises(ValidationError) as refused:
        services.create_task(
            actor=rep,
            values={
                "title": "",
                "due_date": "2026-02-30",
                "due_time": "25:99",
                "priority": "urgent",
                "subject": f"contact:{other_team_contact.pk}",
            },
        )
    assert refused.value.message_dict == {
        "title": ["Say what has to be done, e.g. “Call back about the renewal”."],
        "due_date": ["“2026-02-30” is not a date; use YYYY-MM-DD."],
        "due_time": ["“25:99” is not a time; use HH:MM, e.g. 14:30."],
        "priority": ["Choose a priority: low, normal, high."],
        "subject": ["Choose a contact that exists."],
    }
    assert Task.objects.count() == 0


def test_completing_writes_the_timeline_once_and_reopening_clears_done_at(rep):
    contact = ContactFactory(owner=rep, team=rep.team, company=CompanyFactory(name="Globex"))
    task = services.create_task(
        actor=rep,
        values={"title": "Send the proposal", "subject": f"contact:{contact.pk}", "due_date": TODAY},
    )
    services.complete_task(actor=rep, task=task)
    services.complete_task(actor=rep, task=task)  # a second click changes nothing
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.done_at is not None
    rows = list(
        Activity.objects.filter(kind="task_completed").values_list("contact_id", "company_id", "details")
    )
    assert rows == [
        (
            contact.pk,
            contact.company_id,
            {"task_id": task.pk, "title": "Send the proposal", "task_type": "todo"},
        )
    ]
    services.reopen_task(actor=rep, task=task)
    task.refresh_from_db()
    assert (task.status, task.done_at) == ("open", None)


def test_rescheduling_moves_the_due_date_and_refuses_nonsense(rep):
    task = services.create_task(actor=rep, values={"title": "Follow up", "due_date": TODAY})
    services.reschedule_task(actor=rep, task=task, due_date=services.snooze_date("tomorrow", TODAY))
    task.refresh_from_db()
    assert task.due_date == TODAY + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.reschedule_task(actor=rep, task=task, due_date="soon")
    assert refused.value.message_dict == {"due_date": ["“soon” is not a date; use YYYY-MM-DD."]}
    assert services.snooze_date("next_week", datetime.date(2026, 3, 4)) == datetime.date(2026, 3, 9)


def test_someone_of_another_team_may_not_complete_or_reschedule_and_nothing_changes(rep):
    task = services.create_task(actor=rep, values={"title": "Mine", "due_date": TODAY})
    stranger = UserFactory(role=Role.SALES, team=TeamFactory(name="South"))
    viewer = UserFactory(role=Role.READ_ONLY, team=rep.team)
    before = Event.objects.count()
    for actor in (stranger, viewer):
        with pytest.raises(PermissionDenied):
            services.complete_task(actor=actor, task=task)
        with pytest.raises(PermissionDenied):
            services.reschedule_task(actor=actor, task=task, due_date="2026-05-01")
    task.refresh_from_db()
    assert (task.status, task.due_date, task.done_at) == ("open", TODAY, None)
    assert Event.objects.count() == before
    assert not Activity.objects.filter(kind="task_completed").exists()


def test_a_read_only_user_may_not_log_a_call_and_nothing_is_written(rep):
    contact = ContactFactory(owner=rep, team=rep.team)
    viewer = UserFactory(role=Role.READ_ONLY, team=rep.team)
    with pytest.raises(PermissionDenied):
        services.log_call(actor=viewer, subject_type="contact", subject_id=contact.pk)
    assert (Engagement.objects.count(), Activity.objects.count(), Event.objects.count()) == (0, 0, 0)


def test_a_call_on_a_contact_lands_on_the_contact_and_its_company(rep):
    company = CompanyFactory(name="Globex")
    contact = ContactFactory(owner=rep, team=rep.team, company=company)
    when = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 15))
    call = services.log_call(
        actor=rep,
        subject_type="contact",
        subject_id=contact.pk,
        outcome="left_voicemail",
        duration_minutes="3",
        notes="Asked for a call back\nabout pricing",
        occurred_at=when,
        form_token="t1",
    )
    again = services.log_call(actor=rep, subject_type="contact", subject_id=contact.pk, form_token="t1")
    assert again.pk == call.pk and Engagement.objects.count() == 1
    assert list(
        Activity.objects.values_list("kind", "contact_id", "company_id", "occurred_at", "body", "details")
    ) == [
        (
            "call_logged",
            contact.pk,
            company.pk,
            when,
            "Asked for a call back\nabout pricing",
            {"engagement_id": call.pk, "outcome": "left_voicemail", "duration_minutes": 3},
        )
    ]


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


def test_an_email_logged_needs_a_subject_or_text(rep):
    company = CompanyFactory(owner=rep, team=rep.team)
    with pytest.raises(ValidationError) as refused:
        services.log_email(actor=rep, subject_type="company", subject_id=company.pk, email_subject=" ")
    assert refused.value.message_dict == {"email_subject": ["Give the email's subject or paste its text."]}
    email = services.log_email(
        actor=rep,
        subject_type="company",
        subject_id=company.pk,
        email_subject="Réponse: tarifs ‮gpj.exe",
        body="Hello",
    )
    assert list(Activity.objects.values_list("kind", "company_id", "contact_id", "details")) == [
        ("email_logged", company.pk, None, {"engagement_id": email.pk, "subject": "Réponse: tarifs ‮gpj.exe"})
    ]


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
    from tandem.sales.deals.handlers import sync_next_step

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
