"""Due-task reminders: each assignee is told about their open tasks due today or overdue, once per task and
due date (a re-run sends nothing; a rescheduled task is reminded again for its new date), by email unless
they turned the kind off; a worker killed mid-run and run again reminds every task exactly once."""

import datetime
import sys

import pytest
from django.utils import timezone

from tandem.contacts.tests.factories import TeamFactory, UserFactory
from tandem.core.models import Role
from tandem.core.testing import WorkerHarness
from tandem.engagements import services
from tandem.engagements.models import Task
from tandem.notifications.models import Notification
from tandem.notifications.services import set_email_preferences
from tandem.notifications.tests.outbox import sent_to

TODAY = datetime.date(2026, 3, 10)


def _task(owner, title, due, **columns):
    now = timezone.now()
    return Task.objects.create(
        title=title,
        owner=owner,
        team=owner.team if owner else None,
        due_date=due,
        created_at=now,
        updated_at=now,
        **columns,
    )


@pytest.mark.django_db
def test_due_and_overdue_tasks_are_reminded_once_per_due_date():
    ana = UserFactory(role=Role.SALES, team=TeamFactory(), email="ana@example.com")
    due_today = _task(ana, "Call Ben", TODAY, due_time=datetime.time(15, 0))
    overdue = _task(ana, "Send the contract", TODAY - datetime.timedelta(days=3))
    _task(ana, "Later", TODAY + datetime.timedelta(days=1))
    _task(ana, "Done already", TODAY, status="done", done_at=timezone.now())
    _task(ana, "Trashed", TODAY, deleted_at=timezone.now())
    _task(None, "Nobody's", TODAY)

    assert services.send_due_reminders(today=TODAY) == 2
    assert services.send_due_reminders(today=TODAY) == 0  # the re-run sends nothing

    rows = list(
        Notification.objects.order_by("id").values_list("user_id", "kind", "title", "body", "url", "key")
    )
    assert rows == [
        (
            ana.pk,
            "engagements.task_due",
            "Task due today: Call Ben",
            "Due 10 Mar 2026 at 15:00.",
            "/tasks/mine/?view=today",
            f"task:{due_today.pk}:due:2026-03-10",
        ),
        (
            ana.pk,
            "engagements.task_due",
            "Overdue task: Send the contract",
            "Due 07 Mar 2026 — overdue.",
            "/tasks/mine/?view=overdue",
            f"task:{overdue.pk}:due:2026-03-07",
        ),
    ]
    assert sorted(message.subject for message in sent_to("ana@example.com")) == [
        "Overdue task: Send the contract",
        "Task due today: Call Ben",
    ]

    # when the overdue task is moved to today, it is reminded again, for its new date
    services.reschedule_task(actor=ana, task=overdue, due_date=TODAY)
    assert services.send_due_reminders(today=TODAY) == 1
    assert Notification.objects.filter(key=f"task:{overdue.pk}:due:2026-03-10").count() == 1


@pytest.mark.django_db
def test_a_user_who_turned_the_email_off_gets_the_bell_only():
    ben = UserFactory(role=Role.SALES, team=TeamFactory(), email="ben@example.com")
    set_email_preferences(actor=ben, email_kinds=set())
    _task(ben, "Call Cleo", TODAY)
    assert services.send_due_reminders(today=TODAY) == 1
    assert Notification.objects.filter(user=ben).count() == 1
    assert sent_to("ben@example.com") == []


TASKS = 900
BATCH = 30
SETUP = """
import datetime
from django.utils import timezone
from tandem.core.models import Role, User
from tandem.engagements.models import Task

users = [User.objects.create_user(f"rep{{n}}@example.com", "x", role=Role.SALES) for n in range(3)]
now = timezone.now()
today = timezone.localdate()
Task.objects.bulk_create([
    Task(title=f"Task {{n}}", owner=users[n % 3], due_date=today - datetime.timedelta(days=n % 5),
         created_at=now, updated_at=now)
    for n in range({tasks})
])
print(Task.objects.count())
"""


@pytest.mark.skipif(sys.platform != "linux", reason="SIGKILL of a child process")
def test_a_reminder_run_killed_mid_way_and_run_again_reminds_every_task_once(tmp_path):
    # given 900 due tasks of three reps
    harness = WorkerHarness(tmp_path)
    harness.manage("migrate", "-v0")
    assert int(harness.shell(SETUP.format(tasks=TASKS))) == TASKS
    reminded = "SELECT COUNT(*) FROM engagements_task WHERE reminded_for_date IS NOT NULL"
    notified = "SELECT COUNT(*) FROM notifications_notification"

    # when the run is killed with SIGKILL after a few batches committed
    worker = harness.start("send_task_reminders", "--batch", str(BATCH))
    harness.kill_when(worker, lambda: harness.count(reminded) >= 3 * BATCH)

    # then what committed is whole: each reminded task has its one notification, and no more
    killed_at = harness.count(reminded)
    assert 0 < killed_at < TASKS and killed_at % BATCH == 0
    assert harness.count(notified) == killed_at

    # when it runs again, twice
    assert harness.manage("send_task_reminders", "--batch", str(BATCH)).stdout.strip() == (
        f"Sent {TASKS - killed_at} reminders."
    )
    assert harness.manage("send_task_reminders").stdout.strip() == "Sent 0 reminders."

    # then every task was reminded exactly once, one email each
    assert harness.count(notified) == TASKS
    assert harness.count("SELECT COUNT(DISTINCT key) FROM notifications_notification") == TASKS
    assert harness.count("SELECT COUNT(*) FROM mail_message") == TASKS
