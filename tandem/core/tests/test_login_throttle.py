"""Login throttling counts across web processes: with two gunicorn workers and no Redis, the count of wrong
passwords must be one count, not one per process (8 wrong passwords used to pass with 2 workers)."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

# One web process: set Django up on the database given in the environment and try a password `tries` times
# through the real login page, printing for each try whether the page refused to check it (throttled).
WEB_PROCESS = """
import sys, django
django.setup()
from django.core.management import call_command
from django.test import Client
from tandem.core.models import User
if sys.argv[1] == "setup":
    call_command("migrate", verbosity=0, interactive=False)
    User.objects.create_user("ana@example.com", "the right passphrase 42")
    sys.exit(0)
client = Client()
for _ in range(int(sys.argv[1])):
    page = client.post("/accounts/login/", {"login": "ana@example.com", "password": "a wrong guess"})
    print("throttled" if page.status_code == 429 or b"Too many failed login attempts" in page.content else "checked")
"""


def run_web_process(environment: dict, argument: str) -> list[str]:
    finished = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [sys.executable, "-c", WEB_PROCESS, argument],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout.split()


def test_two_processes_share_one_count_of_wrong_passwords(tmp_path: Path):
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("TANDEM_", "DATABASE_URL"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        TANDEM_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        PYTHONPATH=str(settings.BASE_DIR),
    )
    run_web_process(environment, "setup")

    first_worker = run_web_process(environment, "3")
    second_worker = run_web_process(environment, "3")

    # allauth allows 5 failures per address in 5 minutes ("5/5m/key"): the sixth try is refused.
    assert first_worker == ["checked"] * 3
    assert second_worker == ["checked", "checked", "throttled"]
