"""Two imports touching the same contacts at once, in two threads on PostgreSQL (real concurrent
transactions; SQLite serialises writers, so there the race cannot happen and the retry is tested in
test_engine.py with a stale lookup)."""

import threading

import pytest
from django.db import connection, connections

from tandem.contacts.models import Activity, ActivityKind, Contact
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.imports import engine
from tandem.imports.models import ImportChange, ImportJob, Status
from tandem.imports.tests.test_engine_support import mapped


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_people_at_once_give_one_contact_each(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    # given two files sharing 300 of their 400 addresses, in small chunks so the runs interleave
    monkeypatch.setattr(engine, "CHUNK_SIZE", 50)
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    shared = [f"shared{number}@example.com" for number in range(300)]
    first = mapped(
        admin,
        ["email", "first"],
        [[email, "First"] for email in shared] + [[f"a{n}@example.com", "A"] for n in range(100)],
        ["email", "first_name"],
    )
    second = mapped(
        admin,
        ["email", "title"],
        [[email.upper(), "Second"] for email in shared] + [[f"b{n}@example.com", "B"] for n in range(100)],
        ["email", "job_title"],
    )
    ImportJob.objects.filter(pk__in=[first.pk, second.pk]).update(status=Status.QUEUED)
    start = threading.Barrier(2)
    failures = []

    def runner(job_id: int) -> None:
        try:
            start.wait()
            engine.run(job_id, worker=f"thread-{job_id}")
        except Exception as error:  # reported below; a thread's exception would otherwise vanish
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(job.pk,)) for job in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then each address is one contact carrying both files' values, and the counts add up
    assert failures == []
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.DONE, Status.DONE)
    assert Contact.objects.count() == 500
    shared_contacts = Contact.objects.filter(email__iendswith="@example.com", email__istartswith="shared")
    assert set(shared_contacts.values_list("first_name", "job_title")) == {("First", "Second")}
    assert first.created_count + second.created_count == 500
    assert first.updated_count + second.updated_count == 300
    assert first.failed_count + second.failed_count == 0
    assert ImportChange.objects.filter(created=True).count() == 500
    assert Activity.objects.filter(kind=ActivityKind.IMPORTED).count() == 800
