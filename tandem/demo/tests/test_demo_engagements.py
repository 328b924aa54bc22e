"""The demo's calls, meetings and tasks: a year of them on deals and qualified contacts, open tasks on every
open deal (overdue, today and later) whose earliest is the deal's next step, done tasks in the past."""

import datetime

import pytest
from django.db.models import Count, Max, Min

from tandem.contacts.models import Activity
from tandem.demo.generator import GeneratorConfig, generate
from tandem.engagements.models import Engagement, Task
from tandem.engagements.selectors import earliest_open_task
from tandem.sales.deals.models import Deal

SMALL = GeneratorConfig(today=datetime.date(2026, 1, 1), contacts=400, companies=40, chunk_size=150)


@pytest.mark.django_db
def test_the_demo_has_a_year_of_calls_and_meetings_and_tasks_that_drive_next_steps():
    generate(SMALL)
    end = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    kinds = dict(Engagement.objects.values_list("kind").annotate(count=Count("id")))
    assert kinds["call"] > 100 and kinds["meeting"] > 10
    span = Engagement.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    assert span["last"] <= end and (span["last"] - span["first"]).days > 180
    assert set(Engagement.objects.values_list("subject_type", flat=True)) == {"deal", "contact"}
    assert Activity.objects.filter(kind__in=["call_logged", "meeting_logged"]).count() >= kinds["call"]
    assert Activity.objects.filter(occurred_at__gt=end).count() == 0

    today = SMALL.today
    open_tasks = Task.objects.filter(status="open")
    assert open_tasks.filter(due_date__lt=today).exists()
    assert open_tasks.filter(due_date=today).exists()
    assert open_tasks.filter(due_date__gt=today).exists()
    assert Task.objects.filter(status="done", done_at__lte=end).exists()
    for deal in Deal.objects.filter(status="open", pk__in=open_tasks.values("subject_id")):
        task = earliest_open_task("deal", deal.pk)
        assert (deal.next_step, deal.next_step_date) == (task.title, task.due_date)
