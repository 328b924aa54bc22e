"""The tasks' REST API (/api/v1/tasks), generated from the engagements app's record declaration: create with
a subject, read, change with If-Match, and a refusal that says which field is wrong."""

import pytest

from tandem.api.tests.conftest import bearer, make_token
from tandem.contacts.models import Contact
from tandem.engagements.models import Task

pytestmark = pytest.mark.django_db


def test_create_read_and_change_a_task(client, seller):
    contact = Contact.objects.create(first_name="Ben", last_name="Ode", owner=seller, team=seller.team)
    token = bearer(make_token(seller))
    created = client.post(
        "/api/v1/tasks",
        {
            "title": "Call Ben",
            "subject": f"contact:{contact.pk}",
            "due_date": "2026-03-02",
            "priority": "high",
        },
        content_type="application/json",
        **token,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["title"], body["subject"], body["due_date"], body["priority"], body["status"]) == (
        "Call Ben",
        f"contact:{contact.pk}",
        "2026-03-02",
        "high",
        "open",
    )
    read = client.get(f"/api/v1/tasks/{body['id']}", **token)
    changed = client.patch(
        f"/api/v1/tasks/{body['id']}",
        {"status": "done"},
        content_type="application/json",
        HTTP_IF_MATCH=read["ETag"],
        **token,
    )
    assert changed.status_code == 200, changed.content
    task = Task.objects.get()
    assert task.status == "done" and task.done_at is not None


def test_a_bad_date_is_a_400_naming_the_field_and_nothing_is_written(client, seller):
    response = client.post(
        "/api/v1/tasks",
        {"title": "x", "due_date": "tomorrow"},
        content_type="application/json",
        **bearer(make_token(seller)),
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "due_date": "Input should be a valid date or datetime, input is too short"
    }
    assert Task.objects.count() == 0
