"""The spine's old kinds `call`, `meeting`, `task_done` are rewritten to the engagements' kinds by a data
migration (and back, sparing the rows the engagements' services wrote), and none of them is declared any more."""

import datetime
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from tandem.contacts import selectors
from tandem.contacts.models import Activity, ActivityKind
from tandem.contacts.tests.factories import ContactFactory
from tandem.core import timeline
from tandem.core.models import Role, User

BEFORE = [("engagements", "0001_tasks_and_engagements")]


def _kinds() -> list[tuple[str, str]]:
    return list(Activity.objects.order_by("id").values_list("body", "kind"))


@pytest.mark.django_db(transaction=True)
def test_the_migration_rewrites_the_old_kinds_and_going_back_restores_only_those():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    contact = ContactFactory()
    now = timezone.now()
    rows = [
        ("old call", "call", {}),
        ("old meeting", "meeting", {}),
        ("old task", "task_done", {}),
        ("logged call", "call_logged", {"engagement_id": 7, "outcome": "busy"}),
        ("logged meeting", "meeting_logged", {"engagement_id": 8}),
        ("completed task", "task_completed", {"task_id": 9, "title": "Send it"}),
        ("a note", "note", {}),
    ]
    Activity.objects.bulk_create(
        Activity(contact=contact, kind=kind, occurred_at=now, body=body, details=details)
        for body, kind, details in rows
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert _kinds() == [
        ("old call", "call_logged"),
        ("old meeting", "meeting_logged"),
        ("old task", "task_completed"),
        ("logged call", "call_logged"),
        ("logged meeting", "meeting_logged"),
        ("completed task", "task_completed"),
        ("a note", "note"),
    ]

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    assert _kinds() == [(body, kind) for body, kind, _details in rows]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_old_kinds_are_declared_nowhere_and_the_new_ones_are():
    keys = set(timeline.keys())
    assert {"call", "meeting", "task_done"} & keys == set()
    assert {"call_logged", "meeting_logged", "email_logged", "task_completed"} <= keys
    assert not {"CALL", "MEETING", "TASK_DONE"} & set(vars(ActivityKind))


@pytest.mark.django_db
def test_a_rewritten_row_reads_as_a_call_a_meeting_or_a_task_on_the_timeline_and_its_filter_finds_it(client):
    admin = User.objects.create_user("admin@example.com", "pw", role=Role.ADMIN)
    client.force_login(admin)
    contact = ContactFactory(owner=admin)
    at = timezone.now()
    for offset, kind in enumerate(("call_logged", "meeting_logged", "task_completed")):
        Activity.objects.create(
            contact=contact, kind=kind, occurred_at=at - datetime.timedelta(minutes=offset), details={}
        )

    html = client.get(reverse("contacts:contact_detail", args=[contact.pk])).content.decode()
    titles = re.findall(r'<span class="timeline-title">([^<]*)</span>', html)
    assert titles[:3] == ["Call", "Meeting", "Task completed"]
    assert 'data-kind="call_logged"' in html and 'data-kind="call"' not in html

    page = selectors.timeline(contact=contact, kinds=["call_logged", "task_completed"])
    assert [entry.kind for entry in page.rows] == ["call_logged", "task_completed"]
