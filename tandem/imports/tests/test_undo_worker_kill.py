"""Issue 7: an undo whose worker is killed (SIGKILL) mid-way stays "undoing" no longer: once its lease
expires the sweep resumes it, and the user may ask for it again; it ends with every imported row removed."""

import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tandem.imports.tests.test_worker_kill import ROOT, _environment, _job_row, _manage

ROWS = 6_000
BATCH = 100

SETUP = """
from django.core.files.uploadedfile import SimpleUploadedFile
from tandem.core.models import Role, User
from tandem.imports import engine, services
from tandem.imports.models import ImportJob, Status

admin = User.objects.create_user("admin@example.com", "x", role=Role.ADMIN)
with open({path!r}, "rb") as handle:
    job = services.create_import(
        actor=admin, object_type="contact", uploaded_file=SimpleUploadedFile("people.csv", handle.read())
    )
job = services.set_mapping(
    actor=admin, job=job, mapping={{"0": "email", "1": "first_name"}}, key="email", mode="update"
)
ImportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)
engine.run(job.pk, worker="setup")
# Asked for as the page does, without running the task here (the killed runner below does the work).
ImportJob.objects.filter(pk=job.pk).update(status=Status.UNDOING, lease_until=None, worker="")
print(job.pk)
"""

RETRY = """
from django.core.exceptions import ValidationError
from tandem.core.models import User
from tandem.imports import services
from tandem.imports.models import ImportJob

job = ImportJob.objects.get(pk={job_id})
services.undo_import(actor=User.objects.get(email="admin@example.com"), job=job)
print(ImportJob.objects.get(pk={job_id}).status)
"""

EXPIRE_AND_SWEEP = """
from datetime import timedelta
from django.utils import timezone
from tandem.imports import services
from tandem.imports.models import ImportJob

ImportJob.objects.filter(pk={job_id}).update(lease_until=timezone.now() - timedelta(seconds=1))
print(services.resume_stalled_imports())
"""


def _count(database, sql: str) -> int:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


def _kill_mid_undo(environment, database, job_id: int) -> None:
    runner = subprocess.Popen(  # noqa: S603 (our own manage.py with fixed arguments)
        [sys.executable, "manage.py", "run_import", str(job_id), "--undo", "--chunk-size", str(BATCH)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and runner.poll() is None:
        if _count(database, "SELECT COUNT(*) FROM contacts_contact") <= ROWS - 3 * BATCH:
            break
        time.sleep(0.01)
    assert runner.poll() is None, f"the undo ended before it could be killed: {runner.stderr.read()[-2000:]}"
    runner.send_signal(signal.SIGKILL)
    runner.wait(timeout=10)


def _write_csv(path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("Email,First name\n")
        for number in range(1, ROWS + 1):
            handle.write(f"person{number}@example.com,First{number}\n")


def test_an_undo_killed_mid_way_is_resumed_by_the_sweep(tmp_path):
    environment = _environment(tmp_path)
    database = tmp_path / "tandem.sqlite3"
    _write_csv(tmp_path / "people.csv")
    _manage(environment, "migrate", "-v0")
    job_id = int(
        _manage(
            environment, "shell", "--no-imports", "-c", SETUP.format(path=str(tmp_path / "people.csv"))
        ).stdout.split()[-1]
    )

    _kill_mid_undo(environment, database, job_id)

    killed = _job_row(database, job_id)
    left = _count(database, "SELECT COUNT(*) FROM contacts_contact")
    assert killed["status"] == "undoing"
    assert 0 < left < ROWS and left % BATCH == 0
    assert _count(database, f"SELECT COUNT(*) FROM imports_importchange WHERE job_id = {job_id}") == left

    # when the dead runner's lease has expired, the periodic sweep queues the undo again (run inline here)
    swept = _manage(environment, "shell", "--no-imports", "-c", EXPIRE_AND_SWEEP.format(job_id=job_id))

    assert swept.stdout.split()[-1] == "1"
    assert _job_row(database, job_id)["status"] == "undone"
    assert _count(database, "SELECT COUNT(*) FROM contacts_contact") == 0
    assert _count(database, f"SELECT COUNT(*) FROM imports_importchange WHERE job_id = {job_id}") == 0


def test_an_undo_killed_mid_way_may_be_asked_for_again(tmp_path):
    environment = _environment(tmp_path)
    database = tmp_path / "tandem.sqlite3"
    _write_csv(tmp_path / "people.csv")
    _manage(environment, "migrate", "-v0")
    job_id = int(
        _manage(
            environment, "shell", "--no-imports", "-c", SETUP.format(path=str(tmp_path / "people.csv"))
        ).stdout.split()[-1]
    )
    _kill_mid_undo(environment, database, job_id)
    connection = sqlite3.connect(database)
    connection.execute(
        "UPDATE imports_importjob SET lease_until = '2000-01-01 00:00:00' WHERE id = ?", [job_id]
    )
    connection.commit()
    connection.close()

    retried = _manage(environment, "shell", "--no-imports", "-c", RETRY.format(job_id=job_id))

    assert retried.stdout.split()[-1] == "undone"
    assert _count(database, "SELECT COUNT(*) FROM contacts_contact") == 0


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
