"""Engagement services: tasks (create, complete, reopen, reschedule, change, permissions), calls, meetings and
emails logged by hand with their timeline entries (on a deal: its company and contacts), and a deal's next
step following its earliest open task through the event and the deals app's handler."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tandem.contacts.models import Activity
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Event, Role
from tandem.engagements import services
from tandem.engagements.models import Engagement, Task, TaskStatus

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def team():
    return TeamFactory(name="North")


@pytest.fixture
def rep(team):
    return UserFactory(role=Role.SALES, team=team, first_name="Ana", last_name="Ruiz")


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


def test_each_log_keys_its_refusals_by_its_forms_field_names_and_writes_nothing(rep):
    contact = ContactFactory(owner=rep, team=rep.team)
    reference = {"actor": rep, "subject_type": "contact", "subject_id": contact.pk}
    too_long = "x" * (services.MAX_NOTES + 1)
    length = [f"At most {services.MAX_NOTES} characters (this has {services.MAX_NOTES + 1})."]
    bad_time = ["“soon” is not a date and time; use YYYY-MM-DD HH:MM."]

    with pytest.raises(ValidationError) as call:
        services.log_call(**reference, occurred_at="soon", notes=too_long)
    assert call.value.message_dict == {"occurred_at": bad_time, "notes": length}
    with pytest.raises(ValidationError) as meeting:
        services.log_meeting(**reference, starts_at="soon", notes=too_long)
    assert meeting.value.message_dict == {"starts_at": bad_time, "notes": length}
    with pytest.raises(ValidationError) as email:
        services.log_email(**reference, email_subject="Hello", sent_at="soon", body=too_long)
    assert email.value.message_dict == {"sent_at": bad_time, "body": length}
    assert (Engagement.objects.count(), Activity.objects.filter(contact=contact).count()) == (0, 0)
