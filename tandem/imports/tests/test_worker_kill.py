"""A real worker killed with SIGKILL mid-import, then resumed: every row imported exactly once.

The import runs in a separate process (`manage.py run_import`) against a file-based SQLite database made
for this test, so the kill is a real one: no exception handler, no rollback code of ours runs.
"""

import sys

import pytest

from tandem.core.testing import WorkerHarness

ROWS = 20_000
CHUNK = 200
BAD_EVERY = 1_000  # every 1,000th row has an invalid address

SETUP = """
from django.core.files.uploadedfile import SimpleUploadedFile
from tandem.core.models import Role, User
from tandem.imports import services
from tandem.imports.models import ImportJob, Status

admin = User.objects.create_user("admin@example.com", "x", role=Role.ADMIN)
with open({path!r}, "rb") as handle:
    job = services.create_import(
        actor=admin, object_type="contact", uploaded_file=SimpleUploadedFile("people.csv", handle.read())
    )
job = services.set_mapping(
    actor=admin, job=job, mapping={{"0": "email", "1": "first_name", "2": "last_name"}}, key="email", mode="update"
)
ImportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)
print(job.pk)
"""


def test_sigkill_mid_import_then_resume_imports_every_row_once(tmp_path):
    # given a migrated database and a queued import of 20,000 rows (20 of them bad)
    harness = WorkerHarness(tmp_path, huey_immediate=True)
    csv_path = tmp_path / "people.csv"
    with open(csv_path, "w", encoding="utf-8") as handle:
        handle.write("Email,First name,Last name\n")
        for number in range(1, ROWS + 1):
            email = f"broken-{number}" if number % BAD_EVERY == 0 else f"person{number}@example.com"
            handle.write(f"{email},First{number},Last{number}\n")
    harness.manage("migrate", "-v0")
    job_id = int(harness.shell(SETUP.format(path=str(csv_path))))
    job = lambda: harness.row("imports_importjob", job_id)  # noqa: E731

    # when a runner is killed with SIGKILL once a few chunks have committed
    runner = harness.start("run_import", str(job_id), "--chunk-size", str(CHUNK), "--worker", "doomed")
    harness.kill_when(runner, lambda: (job().get("processed_rows") or 0) >= 3 * CHUNK, within=60)

    # then the job shows the last committed chunk, and the records match it exactly
    killed = job()
    assert killed["status"] == "running" and killed["worker"] == "doomed"
    assert 0 < killed["processed_rows"] < ROWS and killed["processed_rows"] % CHUNK == 0
    contacts_at_kill = harness.count("SELECT COUNT(*) FROM contacts_contact")
    assert contacts_at_kill == killed["created_count"]
    assert killed["created_count"] + killed["failed_count"] == killed["processed_rows"]

    # when an operator resumes it (taking over the dead runner's lease)
    resumed = harness.manage("run_import", str(job_id), "--take-over", "--chunk-size", str(CHUNK))
    assert resumed.stdout.startswith(
        f"Import {job_id}: done, 20000 rows, 19980 created, 0 updated, 0 skipped, 20 failed"
    )

    # then every row was imported exactly once
    done = job()
    assert (done["status"], done["processed_rows"], done["created_count"], done["failed_count"]) == (
        "done",
        20_000,
        19_980,
        20,
    )
    count = harness.count
    assert count("SELECT COUNT(*) FROM contacts_contact") == 19_980
    assert count("SELECT COUNT(DISTINCT lower(email)) FROM contacts_contact") == 19_980
    assert count(f"SELECT COUNT(*) FROM imports_importchange WHERE job_id = {job_id}") == 19_980
    assert (
        count(f"SELECT COUNT(DISTINCT object_id) FROM imports_importchange WHERE job_id = {job_id}") == 19_980
    )
    assert count("SELECT COUNT(*) FROM contacts_activity WHERE kind = 'imported'") == 19_980
    assert count("SELECT COUNT(*) FROM contacts_stagechange") == 19_980
    assert harness.values(
        f"SELECT row_number FROM imports_importrowerror WHERE job_id = {job_id} ORDER BY row_number"
    ) == [number + 1 for number in range(BAD_EVERY, ROWS + 1, BAD_EVERY)]


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
