"""A real delivery worker killed with SIGKILL while 1,000 messages are queued, then restarted: every message
accepted by the relay, and duplicates (counted by Message-ID at the server) at most the messages that were in
flight at the kill: handed to the relay without their answers committed, at most two per connection and one
more (`in_flight_limit`; the worker records several answers in one commit, each holding its slot until then).

The worker runs in a separate process (`manage.py send_mail_queue`) against a database made for this test
(a SQLite file; with DATABASE_URL on PostgreSQL, also a scratch PostgreSQL database), so the kill is a real
one. The relay is an aiosmtpd server in a thread of this process.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from tandem.mail.delivery.worker import in_flight_limit
from tandem.mail.testing import running_smtp_server

ROOT = Path(__file__).resolve().parents[3]
MESSAGES = 1_000

SETUP = """
from django.db import transaction
from tandem.mail.models import Category, Identity, Relay, RelayKind, Security
from tandem.mail.services import queue_message

Relay.objects.create(
    pk=1, kind=RelayKind.SMTP, host="127.0.0.1", port={port}, security=Security.NONE, connections={connections}
)
identity = Identity.objects.create(from_name="Ana", address="ana@tandem-test.example")
with transaction.atomic():
    for number in range({count}):
        queue_message(
            key=f"kill:{{number}}", category=Category.PERSONAL, to=[f"person{{number}}@example.com"],
            subject=f"Message {{number}}", text="Hello", identity=identity,
        )
print("queued")
"""

COUNT_SQL = "SELECT status, COUNT(*) FROM mail_message GROUP BY status"


def _databases() -> list[str]:
    engines = ["sqlite"]
    url = os.environ.get("TANDEM_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        engines.append("postgresql")
    return engines


def _environment(tmp_path: Path, database_url: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "TANDEM_", "DJANGO_SETTINGS_MODULE", "PYTEST"))
    }
    environment.update({"DATABASE_URL": database_url, "TANDEM_VAR_DIR": str(tmp_path / "var")})
    return environment


def _manage(environment, *arguments) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own manage.py with fixed arguments)
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )


@pytest.fixture(params=_databases())
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tandem.sqlite3'}"
        return
    import psycopg

    server = os.environ.get("TANDEM_TEST_DATABASE_URL") or os.environ["DATABASE_URL"]
    base, _, name = server.rpartition("/")
    scratch = f"{name}_mailkill_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.replace(f"/{name}", "/postgres"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{scratch}"')
    try:
        yield f"{base}/{scratch}"
    finally:
        with psycopg.connect(server.replace(f"/{name}", "/postgres"), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def _statuses(environment) -> dict[str, int]:
    script = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        f"    cursor.execute({COUNT_SQL!r})\n"
        "    print(dict(cursor.fetchall()))\n"
    )
    return eval(_manage(environment, "shell", "--no-imports", "-c", script).stdout.strip())  # noqa: S307


@pytest.mark.parametrize("connections", [1, 4], ids=["one connection", "four connections"])
def test_sigkill_mid_queue_then_restart_delivers_every_message_with_at_most_the_in_flight_twice(
    tmp_path, database_url, connections
):
    environment = _environment(tmp_path, database_url)
    with running_smtp_server() as server:
        # given 1,000 queued messages and a relay
        _manage(environment, "migrate", "-v0")
        _manage(
            environment,
            "shell",
            "--no-imports",
            "-c",
            SETUP.format(port=server.port, count=MESSAGES, connections=connections),
        )

        # when a worker is killed with SIGKILL once 300 messages reached the relay
        worker = subprocess.Popen(  # noqa: S603 (our own manage.py with fixed arguments)
            [sys.executable, "manage.py", "send_mail_queue", "--once", "--worker", "doomed"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and worker.poll() is None and len(server.messages) < 300:
            time.sleep(0.005)
        assert worker.poll() is None, f"the worker ended before the kill: {worker.stderr.read()[-2000:]}"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        received_at_kill = len(server.messages)

        # then the ledger shows some sent, some still held by the dead worker, the rest queued
        at_kill = _statuses(environment)
        assert 0 < at_kill.get("sent", 0) < MESSAGES
        assert at_kill.get("sent", 0) + at_kill.get("sending", 0) + at_kill.get("queued", 0) == MESSAGES
        # the relay accepted a few messages whose answer the worker never recorded: at most the sender's
        # window, two per connection and one more (3 on one connection, 9 on four)
        in_flight = received_at_kill - at_kill["sent"]
        assert 0 <= in_flight <= in_flight_limit(connections) == 2 * connections + 1

        # when the worker is restarted under the same name (a new name would wait for the lease)
        finished = _manage(environment, "send_mail_queue", "--once", "--worker", "doomed")

        # then every message was accepted, and duplicates are at most the messages in flight at the kill
        assert finished.stdout.startswith(f"{MESSAGES - at_kill['sent']} sent, 0 to retry, 0 failed")
        assert _statuses(environment) == {"sent": MESSAGES}
        counts = Counter(received.message_id for received in server.messages)
    assert len(counts) == MESSAGES
    duplicates = sum(count - 1 for count in counts.values())
    assert duplicates == in_flight


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
