"""The pages: My tasks (tabs, one-click complete and reschedule over htmx, another team's task refused), the
"Log activity" panel on contact, company and deal pages, its forms (errors kept, a 400, nothing written), and
the generated task list, page, form and API."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.contacts.models import Activity
from tandem.contacts.tests.factories import ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Role
from tandem.engagements import services
from tandem.engagements.models import Engagement, Task

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def rep(client):
    user = UserFactory(role=Role.SALES, team=TeamFactory(name="North"))
    client.force_login(user)
    return user


def _task(owner, title, due, **values):
    return services.create_task(actor=owner, values={"title": title, "due_date": due, **values})


def test_my_tasks_shows_each_tab_with_its_count(client, rep):
    contact = ContactFactory(first_name="Ben", last_name="Ode", owner=rep, team=rep.team)
    _task(rep, "Overdue call", TODAY - datetime.timedelta(days=2), subject=f"contact:{contact.pk}")
    _task(rep, "Today's email", TODAY)
    _task(rep, "Next week", TODAY + datetime.timedelta(days=7))
    _task(UserFactory(role=Role.SALES, team=rep.team), "Someone else's", TODAY)

    page = client.get(reverse("engagements:task_queue") + "?view=overdue").content.decode()
    assert "Overdue call" in page and "Today&#x27;s email" not in page and "Ben Ode" in page
    assert 'Overdue <span class="tab-count tab-count--alert" id="tab-count-overdue">1</span>' in page
    assert 'Due today <span class="tab-count" id="tab-count-today">1</span>' in page
    assert 'Upcoming <span class="tab-count" id="tab-count-upcoming">1</span>' in page
    today = client.get(reverse("engagements:task_queue") + "?view=today").content.decode()
    assert "Today&#x27;s email" in today and "Someone else" not in today


def test_complete_in_one_click_over_htmx_and_reschedule(client, rep):
    task = _task(rep, "Call back", TODAY)
    response = client.post(reverse("engagements:task_complete", args=[task.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "task-row--done" in response.content.decode() and "Done: Call back" in response.content.decode()
    task.refresh_from_db()
    assert task.status == "done"
    client.post(reverse("engagements:task_reopen", args=[task.pk]), HTTP_HX_REQUEST="true")
    response = client.post(
        reverse("engagements:task_reschedule", args=[task.pk]), {"snooze": "tomorrow"}, HTTP_HX_REQUEST="true"
    )
    task.refresh_from_db()
    assert (task.status, task.due_date) == ("open", TODAY + datetime.timedelta(days=1))
    bad = client.post(
        reverse("engagements:task_reschedule", args=[task.pk]), {"due_date": "31/12"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 400 and "is not a date; use YYYY-MM-DD." in bad.content.decode()


def _oob_counts(html: str) -> dict[str, str]:
    return dict(
        re.findall(
            r'<span class="tab-count[^"]*" id="tab-count-(\w+)" hx-swap-oob="true">([^<]*)</span>', html
        )
    )


def test_completing_and_rescheduling_answer_with_the_tabs_counts_out_of_band(client, rep):
    _task(rep, "Late one", TODAY - datetime.timedelta(days=1))
    task = _task(rep, "Call back", TODAY)
    _task(rep, "Another today", TODAY)
    _task(rep, "Later", TODAY + datetime.timedelta(days=3))

    done = client.post(reverse("engagements:task_complete", args=[task.pk]), HTTP_HX_REQUEST="true")
    assert _oob_counts(done.content.decode()) == {"overdue": "1", "today": "1", "upcoming": "1", "done": "1"}
    assert (
        'class="tab-count tab-count--alert" id="tab-count-overdue" hx-swap-oob="true">1<'
        in done.content.decode()
    )

    reopened = client.post(reverse("engagements:task_reopen", args=[task.pk]), HTTP_HX_REQUEST="true")
    assert _oob_counts(reopened.content.decode()) == {
        "overdue": "1",
        "today": "2",
        "upcoming": "1",
        "done": "0",
    }

    snoozed = client.post(
        reverse("engagements:task_reschedule", args=[task.pk]), {"snooze": "tomorrow"}, HTTP_HX_REQUEST="true"
    )
    assert _oob_counts(snoozed.content.decode()) == {
        "overdue": "1",
        "today": "1",
        "upcoming": "2",
        "done": "0",
    }

    # a refused date changes nothing, so it sends no counts
    bad = client.post(
        reverse("engagements:task_reschedule", args=[task.pk]), {"due_date": "31/12"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 400 and _oob_counts(bad.content.decode()) == {}

    # without htmx the answer is still a redirect back to the queue
    plain = client.post(reverse("engagements:task_complete", args=[task.pk]))
    assert (plain.status_code, plain["Location"]) == (302, reverse("engagements:task_queue"))


def test_another_teams_task_cannot_be_completed_and_nothing_changes(client, rep):
    task = _task(UserFactory(role=Role.SALES, team=TeamFactory(name="South")), "Theirs", TODAY)
    response = client.post(reverse("engagements:task_complete", args=[task.pk]))
    assert response.status_code == 404
    task.refresh_from_db()
    assert (task.status, task.done_at) == ("open", None)


def test_logging_a_call_from_the_form_lands_on_the_timeline(client, rep):
    contact = ContactFactory(owner=rep, team=rep.team)
    url = reverse("engagements:log", args=["call"]) + f"?subject=contact:{contact.pk}"
    form = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="outcome"' in form and "Log call" in form
    response = client.post(
        url,
        {
            "outcome": "no_answer",
            "duration_minutes": "",
            "notes": "Rang twice",
            "occurred_at": "",
            "form_token": "abc",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("contacts:contact_detail", args=[contact.pk])
    assert list(Activity.objects.values_list("kind", "contact_id", "body")) == [
        ("call_logged", contact.pk, "Rang twice")
    ]
    page = client.get(reverse("contacts:contact_detail", args=[contact.pk])).content.decode()
    assert "Call — No answer" in page


def test_a_bad_log_form_keeps_the_input_says_why_and_writes_nothing(client, rep):
    contact = ContactFactory(owner=rep, team=rep.team)
    url = reverse("engagements:log", args=["meeting"]) + f"?subject=contact:{contact.pk}"
    response = client.post(
        url, {"starts_at": "tomorrow-ish", "duration_minutes": "-5", "notes": "Kept <b>text</b>"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "is not a date and time; use YYYY-MM-DD HH:MM." in page
    assert "Give the duration in minutes, from 0 to 1440." in page
    assert "Kept &lt;b&gt;text&lt;/b&gt;" in page
    assert Engagement.objects.count() == 0


def test_a_record_the_user_cannot_see_has_no_log_form(client, rep):
    contact = ContactFactory(deleted_at=timezone.now())
    response = client.post(
        reverse("engagements:log", args=["call"]) + f"?subject=contact:{contact.pk}", {"outcome": "busy"}
    )
    assert response.status_code == 404 and Engagement.objects.count() == 0


def test_the_generated_task_pages_and_api(client, rep):
    contact = ContactFactory(first_name="Zoë", last_name="Ærø", owner=rep, team=rep.team)
    task = _task(rep, "Call Zoë", TODAY, subject=f"contact:{contact.pk}")
    listing = client.get(reverse("engagements:task_list")).content.decode()
    assert "Call Zoë" in listing and "Zoë Ærø" in listing
    detail = client.get(reverse("engagements:task_detail", args=[task.pk])).content.decode()
    assert "Call Zoë" in detail
    form = client.get(reverse("engagements:task_edit", args=[task.pk]))
    assert form.status_code == 200
    created = client.post(
        reverse("engagements:task_create"),
        {
            "title": "From the form",
            "subject": "",
            "due_date": "2026-06-01",
            "due_time": "",
            "priority": "low",
            "task_type": "todo",
            "owner": str(rep.pk),
            "status": "open",
            "notes": "",
        },
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    assert Task.objects.filter(title="From the form", priority="low").count() == 1


def test_the_task_page_marks_it_done_and_snoozes_it(client, rep):
    task = _task(rep, "Call back", TODAY - datetime.timedelta(days=1))
    url = reverse("engagements:task_detail", args=[task.pk])
    page = client.get(url).content.decode()
    assert "Overdue since" in page and "Mark done" in page
    response = client.post(reverse("engagements:task_complete", args=[task.pk]), {"next": url})
    assert response.status_code == 302 and response["Location"] == url
    task.refresh_from_db()
    assert task.status == "done"
    assert "Reopen" in client.get(url).content.decode()
    hostile = client.post(reverse("engagements:task_reopen", args=[task.pk]), {"next": "//evil.example/"})
    assert hostile["Location"] == reverse("engagements:task_queue")
