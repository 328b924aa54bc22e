"""The worker-kill harness against the test's own database (PostgreSQL): a bulk job set up through the ORM in
the test, run by a `manage.py run_bulk_job` process that is killed with SIGKILL and restarted, changes every
matching contact once. SQLite's test database lives in memory, where no other process can reach it."""

import sys

import pytest
from django.db import connection
from django.utils import timezone

from tandem.contacts.models import Contact
from tandem.core.bulkjobs import services
from tandem.core.models import Role, User
from tandem.core.testing import WorkerHarness

LEADS = 3_000
CHUNK = 50

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite's test database is in memory, out of another's reach",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_against_the_test_database_is_restarted_and_changes_each_contact_once(
    tmp_path, monkeypatch
):
    # Given 3,000 leads and a queued "set every lead to SQL" job, committed in the test's own database (its
    # task not run here: tasks run inline in tests, and the worker below is to do the work)
    monkeypatch.setattr(services.tasks, "run_bulk_job", lambda job_id: None)
    admin = User.objects.create_user("admin@example.com", "x", role=Role.ADMIN)
    now = timezone.now()
    Contact.objects.bulk_create(
        Contact(
            email=f"person{number}@example.com",
            email_domain="example.com",
            first_name=f"P{number}",
            lifecycle_stage="lead",
            created_at=now,
            updated_at=now,
        )
        for number in range(LEADS)
    )
    job = services.start_bulk_job(
        actor=admin, object_type="contact", action="set_stage", value="sql", query="stage=lead"
    )
    harness = WorkerHarness(tmp_path, database_url=WorkerHarness.url_of(connection))
    row = lambda: harness.row("bulkjobs_bulkjob", job.pk)  # noqa: E731

    # When its runner is killed once a few chunks committed, and restarted taking over the dead one's lease
    runner = harness.start("run_bulk_job", str(job.pk), "--chunk-size", str(CHUNK), "--worker", "doomed")
    harness.kill_when(runner, lambda: (row().get("processed") or 0) >= 3 * CHUNK)
    killed = row()
    harness.manage("run_bulk_job", str(job.pk), "--take-over", "--chunk-size", str(CHUNK))

    # Then the kill left whole chunks, and the restart finished the rest, each contact changed once
    assert killed["state"] == "running" and 0 < killed["processed"] < LEADS
    assert killed["processed"] % CHUNK == 0
    done = row()
    assert (done["state"], done["processed"], done["changed"]) == ("done", LEADS, LEADS)
    assert harness.count("SELECT COUNT(*) FROM contacts_contact WHERE lifecycle_stage = ?", ("sql",)) == LEADS
    assert harness.count("SELECT COUNT(*) FROM contacts_stagechange") == LEADS
