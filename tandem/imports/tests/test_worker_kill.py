"""A real worker killed with SIGKILL mid-import, then resumed: every row imported exactly once.

The import runs in a separate process (`manage.py run_import`) against a file-based SQLite database made
for this test, so the kill is a real one: no exception handler, no rollback code of ours runs.
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


def _environment(tmp_path: Path) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "TANDEM_", "DJANGO_SETTINGS_MODULE", "PYTEST"))
    }
    environment.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'tandem.sqlite3'}",
            "TANDEM_VAR_DIR": str(tmp_path / "var"),
            "TANDEM_HUEY_IMMEDIATE": "1",
        }
    )
    return environment


def _manage(environment, *arguments, **options) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own manage.py with fixed arguments)
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        **options,
    )


def _job_row(database: Path, job_id: int) -> dict:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    connection.row_factory = sqlite3.Row
    try:
        row = connection.execute("SELECT * FROM imports_importjob WHERE id = ?", [job_id]).fetchone()
        return dict(row) if row else {}
    finally:
        connection.close()


def test_sigkill_mid_import_then_resume_imports_every_row_once(tmp_path):
    # given a migrated database and a queued import of 20,000 rows (20 of them bad)
    environment = _environment(tmp_path)
    database = tmp_path / "tandem.sqlite3"
    csv_path = tmp_path / "people.csv"
    with open(csv_path, "w", encoding="utf-8") as handle:
        handle.write("Email,First name,Last name\n")
        for number in range(1, ROWS + 1):
            email = f"broken-{number}" if number % BAD_EVERY == 0 else f"person{number}@example.com"
            handle.write(f"{email},First{number},Last{number}\n")
    _manage(environment, "migrate", "-v0")
    job_id = int(
        _manage(environment, "shell", "--no-imports", "-c", SETUP.format(path=str(csv_path))).stdout.split()[
            -1
        ]
    )

    # when a runner is killed with SIGKILL once a few chunks have committed
    runner = subprocess.Popen(  # noqa: S603 (our own manage.py with fixed arguments)
        [
            sys.executable,
            "manage.py",
            "run_import",
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
    deadline = time.monotonic() + 60
    processed = 0
    while time.monotonic() < deadline and runner.poll() is None:
        processed = _job_row(database, job_id).get("processed_rows") or 0
        if processed >= 3 * CHUNK:
            break
        time.sleep(0.01)
    assert runner.poll() is None, (
        f"the runner ended before it could be killed: {runner.stderr.read()[-2000:]}"
    )
    runner.send_signal(signal.SIGKILL)
    runner.wait(timeout=10)
    assert runner.returncode == -signal.SIGKILL

    # then the job shows the last committed chunk, and the records match it exactly
    killed = _job_row(database, job_id)
    assert killed["status"] == "running" and killed["worker"] == "doomed"
    assert 0 < killed["processed_rows"] < ROWS and killed["processed_rows"] % CHUNK == 0
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    contacts_at_kill = connection.execute("SELECT COUNT(*) FROM contacts_contact").fetchone()[0]
    connection.close()
    assert contacts_at_kill == killed["created_count"]
    assert killed["created_count"] + killed["failed_count"] == killed["processed_rows"]

    # when an operator resumes it (taking over the dead runner's lease)
    resumed = _manage(environment, "run_import", str(job_id), "--take-over", "--chunk-size", str(CHUNK))
    assert resumed.stdout.startswith(
        f"Import {job_id}: done, 20000 rows, 19980 created, 0 updated, 0 skipped, 20 failed"
    )

    # then every row was imported exactly once
    done = _job_row(database, job_id)
    assert (done["status"], done["processed_rows"], done["created_count"], done["failed_count"]) == (
        "done",
        20_000,
        19_980,
        20,
    )
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        count = lambda sql: connection.execute(sql).fetchone()[0]  # noqa: E731
        assert count("SELECT COUNT(*) FROM contacts_contact") == 19_980
        assert count("SELECT COUNT(DISTINCT lower(email)) FROM contacts_contact") == 19_980
        assert count(f"SELECT COUNT(*) FROM imports_importchange WHERE job_id = {job_id}") == 19_980
        assert (
            count(f"SELECT COUNT(DISTINCT object_id) FROM imports_importchange WHERE job_id = {job_id}")
            == 19_980
        )
        assert count("SELECT COUNT(*) FROM contacts_activity WHERE kind = 'imported'") == 19_980
        assert count("SELECT COUNT(*) FROM contacts_stagechange") == 19_980
        assert [
            row[0]
            for row in connection.execute(
                f"SELECT row_number FROM imports_importrowerror WHERE job_id = {job_id} ORDER BY row_number"
            )
        ] == [number + 1 for number in range(BAD_EVERY, ROWS + 1, BAD_EVERY)]
    finally:
        connection.close()


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
