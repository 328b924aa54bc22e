"""Issue 7: a real bulk-job runner killed with SIGKILL mid-job, then resumed: every matching contact changed
exactly once, no duplicate stage-change rows.

The job runs in a separate process (`manage.py run_bulk_job`) against a file-based SQLite database made for
this test, so the kill is a real one: no exception handler, no rollback code of ours runs.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

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


def _environment(tmp_path: Path) -> dict[str, str]:
    """A process environment of its own: a fresh SQLite file, Huey not immediate (nothing runs the task)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "TANDEM_", "DJANGO_SETTINGS_MODULE", "PYTEST"))
    }
    environment.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'tandem.sqlite3'}",
            "TANDEM_VAR_DIR": str(tmp_path / "var"),
            "TANDEM_HUEY_IMMEDIATE": "0",
        }
    )
    return environment


def _manage(environment, *arguments) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own manage.py with fixed arguments)
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=180,
    )


def _count(database, sql: str) -> int:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


def _job(database, job_id: int) -> dict:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    connection.row_factory = sqlite3.Row
    try:
        return dict(connection.execute("SELECT * FROM bulkjobs_bulkjob WHERE id = ?", [job_id]).fetchone())
    finally:
        connection.close()


def test_sigkill_mid_job_then_resume_changes_every_contact_once(tmp_path):
    # given a migrated database with 12,000 leads and 500 customers, and a queued job "set every lead to SQL"
    environment = _environment(tmp_path)
    database = tmp_path / "tandem.sqlite3"
    _manage(environment, "migrate", "-v0")
    setup = SETUP.format(leads=LEADS, customers=CUSTOMERS)
    job_id = int(_manage(environment, "shell", "--no-imports", "-c", setup).stdout.split()[-1])
    assert _job(database, job_id)["state"] == "queued"

    # when a runner is killed with SIGKILL once a few chunks have committed
    runner = subprocess.Popen(  # noqa: S603 (our own manage.py with fixed arguments)
        [
            sys.executable,
            "manage.py",
            "run_bulk_job",
            str(job_id),
            "--chunk-size",
            str(CHUNK),
            "--worker",
            "doomed",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and runner.poll() is None:
        if (_job(database, job_id).get("processed") or 0) >= 3 * CHUNK:
            break
        time.sleep(0.01)
    assert runner.poll() is None, (
        f"the runner ended before it could be killed: {runner.stderr.read()[-2000:]}"
    )
    runner.send_signal(signal.SIGKILL)
    runner.wait(timeout=10)
    assert runner.returncode == -signal.SIGKILL

    # then the job shows its last committed chunk, and the contacts match it exactly
    killed = _job(database, job_id)
    assert (killed["state"], killed["worker"], killed["total"]) == ("running", "doomed", LEADS)
    assert 0 < killed["processed"] < LEADS and killed["processed"] % CHUNK == 0
    assert killed["changed"] == killed["processed"]
    assert (
        _count(database, "SELECT COUNT(*) FROM contacts_contact WHERE lifecycle_stage = 'sql'")
        == killed["changed"]
    )
    assert _count(database, "SELECT COUNT(*) FROM contacts_stagechange") == killed["changed"]
    assert (
        _count(database, "SELECT MAX(id) FROM contacts_contact WHERE lifecycle_stage = 'sql'")
        == killed["last_id"]
    )

    # when an operator resumes it (taking over the dead runner's lease)
    resumed = _manage(environment, "run_bulk_job", str(job_id), "--take-over", "--chunk-size", str(CHUNK))
    assert resumed.stdout.startswith(
        f"Bulk job {job_id}: done, {LEADS} processed, {LEADS} changed, 0 skipped (not allowed), 0 already as asked"
    )

    # then every lead was changed exactly once, and nothing else was touched
    count = lambda sql: _count(database, sql)  # noqa: E731
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
    done = _job(database, job_id)
    assert (done["state"], done["processed"], done["changed"], done["denied"], done["unchanged"]) == (
        "done",
        LEADS,
        LEADS,
        0,
        0,
    )


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
