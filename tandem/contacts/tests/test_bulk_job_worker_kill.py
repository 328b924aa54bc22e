"""Issue 7: a real bulk-job runner killed with SIGKILL mid-job, then resumed: every matching contact changed
exactly once, no duplicate stage-change rows.

The job runs in a separate process (`manage.py run_bulk_job`) against a file-based SQLite database made for
this test, so the kill is a real one: no exception handler, no rollback code of ours runs.
"""

import sys

import pytest

from tandem.core.testing import WorkerHarness

LEADS = 12_000
CUSTOMERS = 500  # not matched by the filter: never touched
CHUNK = 200

# The page's path into the service, with the task not run (Huey is not immediate here): the runner below
# does the work.
SETUP = """
from django.utils import timezone
from tandem.contacts.models import Contact
from tandem.core.bulkjobs import services
from tandem.core.models import Role, User

admin = User.objects.create_user("admin@example.com", "x", role=Role.ADMIN)
now = timezone.now()
Contact.objects.bulk_create(
    [
        Contact(
            email=f"person{{number}}@example.com", email_domain="example.com", first_name=f"P{{number}}",
            lifecycle_stage="lead" if number <= {leads} else "customer", created_at=now, updated_at=now,
        )
        for number in range(1, {leads} + {customers} + 1)
    ],
    batch_size=2000,
)
job = services.start_bulk_job(actor=admin, object_type="contact", action="set_stage", value="sql", query="stage=lead")
print(job.pk)
"""


def test_sigkill_mid_job_then_resume_changes_every_contact_once(tmp_path):
    # given a migrated database with 12,000 leads and 500 customers, and a queued job "set every lead to SQL"
    harness = WorkerHarness(tmp_path)
    harness.manage("migrate", "-v0")
    job_id = int(harness.shell(SETUP.format(leads=LEADS, customers=CUSTOMERS)))
    job = lambda: harness.row("bulkjobs_bulkjob", job_id)  # noqa: E731
    assert job()["state"] == "queued"

    # when a runner is killed with SIGKILL once a few chunks have committed
    runner = harness.start("run_bulk_job", str(job_id), "--chunk-size", str(CHUNK), "--worker", "doomed")
    harness.kill_when(runner, lambda: (job().get("processed") or 0) >= 3 * CHUNK)

    # then the job shows its last committed chunk, and the contacts match it exactly
    killed = job()
    assert (killed["state"], killed["worker"], killed["total"]) == ("running", "doomed", LEADS)
    assert 0 < killed["processed"] < LEADS and killed["processed"] % CHUNK == 0
    assert killed["changed"] == killed["processed"]
    assert (
        harness.count("SELECT COUNT(*) FROM contacts_contact WHERE lifecycle_stage = 'sql'")
        == killed["changed"]
    )
    assert harness.count("SELECT COUNT(*) FROM contacts_stagechange") == killed["changed"]
    assert (
        harness.count("SELECT MAX(id) FROM contacts_contact WHERE lifecycle_stage = 'sql'")
        == killed["last_id"]
    )

    # when an operator resumes it (taking over the dead runner's lease)
    resumed = harness.manage("run_bulk_job", str(job_id), "--take-over", "--chunk-size", str(CHUNK))
    assert resumed.stdout.startswith(
        f"Bulk job {job_id}: done, {LEADS} processed, {LEADS} changed, 0 skipped (not allowed), 0 already as asked"
    )

    # then every lead was changed exactly once, and nothing else was touched
    count = harness.count
    assert count("SELECT COUNT(*) FROM contacts_contact WHERE lifecycle_stage = 'sql'") == LEADS
    assert count("SELECT COUNT(*) FROM contacts_contact WHERE lifecycle_stage = 'customer'") == CUSTOMERS
    assert count("SELECT COUNT(*) FROM contacts_stagechange") == LEADS
    assert count("SELECT COUNT(DISTINCT contact_id) FROM contacts_stagechange") == LEADS
    assert count("SELECT COUNT(*) FROM contacts_activity WHERE kind = 'stage_changed'") == LEADS
    assert (
        count("SELECT COUNT(DISTINCT contact_id) FROM contacts_activity WHERE kind = 'stage_changed'")
        == LEADS
    )
    assert (
        count("SELECT COUNT(*) FROM contacts_stagechange WHERE from_stage <> 'lead' OR to_stage <> 'sql'")
        == 0
    )
    done = job()
    assert (done["state"], done["processed"], done["changed"], done["denied"], done["unchanged"]) == (
        "done",
        LEADS,
        LEADS,
        0,
        0,
    )


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
