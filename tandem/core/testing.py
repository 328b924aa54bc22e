"""Checks shared by the tests of every app (imported by tests only)."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Elements whose text cannot hold markup: a browser shows their text on its own (a tab title, an option).
_TEXT_ONLY = {"title", "option", "textarea", "script", "style"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _BidiFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.unisolated: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        has_control = any(control in data for control in BIDI_CONTROLS)
        if has_control and "bdi" not in self.stack and not _TEXT_ONLY.intersection(self.stack):
            self.unisolated.append(f"<{'><'.join(self.stack[-3:])}> {data.strip()[:60]!r}")


def unisolated_bidi_text(html: str) -> list[str]:
    """Text nodes holding a bidi control character (U+202E …) outside any `<bdi>`: each is user text shown
    unisolated. An empty list means the page is safe."""
    finder = _BidiFinder()
    finder.feed(html)
    return finder.unisolated


# --- a worker in its own process, killed for real ----------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]  # where manage.py is


class WorkerHarness:
    """`manage.py` commands in separate processes against a database of their own (a SQLite file under
    `directory`), or the test's own database (`database_url`, see `url_of`: a PostgreSQL test database of a
    `transactional_db` test, whose rows the processes see once committed), so a test can kill a worker with
    SIGKILL (no exception handler or rollback code of ours runs) and start it again, then read what the
    killed process left behind. SQL given to the reading methods uses `?` placeholders on either engine.

        harness = WorkerHarness(tmp_path)
        harness.manage("migrate", "-v0")
        job_id = int(harness.shell(SETUP))                    # the setup's last printed word
        worker = harness.start("run_import", str(job_id), "--worker", "doomed")
        harness.kill_when(worker, lambda: harness.row("imports_importjob", job_id)["processed_rows"] >= 600)
        harness.manage("run_import", str(job_id), "--take-over")   # the restart

    `huey_immediate`: whether tasks queued by the commands run inline (True) or wait for a worker.
    The environment leaves out the test run's own database, settings module and TANDEM_ variables, so the
    processes read nothing of the pytest session."""

    def __init__(
        self,
        directory: Path,
        *,
        database_url: str | None = None,
        huey_immediate: bool = False,
        timeout: float = 180,
    ):
        self.database = Path(directory) / "tandem.sqlite3"
        self.database_url = database_url or f"sqlite:///{self.database}"
        self.postgresql = self.database_url.startswith(("postgres://", "postgresql://"))
        self.timeout = timeout
        self.environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DATABASE_URL", "TANDEM_", "DJANGO_SETTINGS_MODULE", "PYTEST"))
        }
        self.environment.update(
            {
                "DATABASE_URL": self.database_url,
                "TANDEM_VAR_DIR": str(Path(directory) / "var"),
                "TANDEM_HUEY_IMMEDIATE": "1" if huey_immediate else "0",
            }
        )

    def manage(self, *arguments: str) -> subprocess.CompletedProcess:
        """Run a command to its end; a non-zero exit raises CalledProcessError (with its output)."""
        return subprocess.run(  # noqa: S603 (our own manage.py with the test's arguments)
            [sys.executable, "manage.py", *arguments],
            cwd=ROOT,
            env=self.environment,
            capture_output=True,
            text=True,
            check=True,
            timeout=self.timeout,
        )

    def shell(self, code: str) -> str:
        """Run Python in `manage.py shell`; returns the last word it printed (an id, a count)."""
        output = self.manage("shell", "--no-imports", "-c", code).stdout.split()
        return output[-1] if output else ""

    def start(self, *arguments: str) -> subprocess.Popen:
        """Start a command without waiting for it (a worker to kill)."""
        return subprocess.Popen(  # noqa: S603 (our own manage.py with the test's arguments)
            [sys.executable, "manage.py", *arguments],
            cwd=ROOT,
            env=self.environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def kill_when(
        self, process: subprocess.Popen, condition: Callable[[], bool], *, within: float = 90
    ) -> None:
        """Wait until `condition()` holds (polled every 10 ms), then SIGKILL `process`. Fails the test if the
        process ended first, or the condition did not come within `within` seconds."""
        deadline = time.monotonic() + within
        reached = False
        while time.monotonic() < deadline and process.poll() is None:
            if condition():
                reached = True
                break
            time.sleep(0.01)
        if process.poll() is not None:
            raise AssertionError(
                f"the process ended before it could be killed: {process.stderr.read()[-2000:]}"
            )
        if not reached:
            process.kill()
            process.wait(timeout=10)
            raise AssertionError(f"the condition did not come within {within} s; the process was killed")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        if process.returncode != -signal.SIGKILL:
            raise AssertionError(f"the process ended with {process.returncode}, not by SIGKILL")

    @staticmethod
    def url_of(connection) -> str:
        """The URL of the database a Django `connection` uses (in a test: the test database), for
        `database_url`. Only a database another process can open: not SQLite's in-memory test database."""
        settings = connection.settings_dict
        if connection.vendor == "postgresql":
            user = quote(settings.get("USER") or "", safe="")
            password = f":{quote(settings['PASSWORD'], safe='')}" if settings.get("PASSWORD") else ""
            address = f"{settings.get('HOST') or 'localhost'}:{settings.get('PORT') or 5432}"
            return f"postgres://{user}{password}@{address}/{settings['NAME']}"
        name = str(settings["NAME"])
        if connection.vendor != "sqlite" or name == ":memory:" or name.startswith("file:memorydb"):
            raise ValueError(f"A worker process cannot open this test database ({connection.vendor} {name}).")
        return f"sqlite:///{name}"

    def _connect(self, *, write: bool = False):
        if self.postgresql:
            import psycopg  # only here: the SQLite harness needs no driver

            return psycopg.connect(self.database_url, autocommit=True)
        path = self.database_url.removeprefix("sqlite:///")
        if write:
            return sqlite3.connect(path, timeout=10)
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgresql else sql

    def count(self, sql: str, parameters: tuple = ()) -> int:
        """The first column of the first row of `sql` (a COUNT), read while the processes may be writing."""
        connection = self._connect()
        try:
            return connection.execute(self._sql(sql), parameters).fetchone()[0]
        finally:
            connection.close()

    def values(self, sql: str, parameters: tuple = ()) -> list:
        """The first column of every row of `sql`."""
        connection = self._connect()
        try:
            return [row[0] for row in connection.execute(self._sql(sql), parameters)]
        finally:
            connection.close()

    def row(self, table: str, pk: int) -> dict:
        """One row of `table` as {column: value} ({} when there is none)."""
        connection = self._connect()
        try:
            cursor = connection.execute(self._sql(f"SELECT * FROM {table} WHERE id = ?"), [pk])  # noqa: S608 (the test's own table name)
            found = cursor.fetchone()
            return (
                dict(zip([column[0] for column in cursor.description], found, strict=True)) if found else {}
            )
        finally:
            connection.close()

    def execute(self, sql: str, parameters: tuple = ()) -> None:
        """Change the database behind the processes' backs (expire a lease)."""
        connection = self._connect(write=True)
        try:
            connection.execute(self._sql(sql), parameters)
            connection.commit()
        finally:
            connection.close()
