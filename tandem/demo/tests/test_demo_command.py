"""`manage.py demo` and `make demo`: the product as people see it, on the port they ask for."""

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tandem.core.models import User
from tandem.demo.generator import DEMO_LOGINS

PASSWORD = "a long enough passphrase 42"


@pytest.mark.django_db
def test_the_demo_serves_without_debug_pages(monkeypatch):
    from tandem.demo.management.commands import demo

    User.objects.create_user(DEMO_LOGINS[0], PASSWORD)  # the demo company is "already loaded"
    seen = {}
    real_call_command = demo.call_command

    def call_command(name, *args, **options):
        if name == "runserver":  # stands in for the server: note what it would run with
            seen["debug"] = settings.DEBUG
            seen["address"] = args[0]
            return None
        return real_call_command(name, *args, **options)

    monkeypatch.setattr(demo, "call_command", call_command)
    monkeypatch.delenv("TANDEM_DEBUG", raising=False)
    monkeypatch.setattr(settings, "DEBUG", True)
    # The command keeps mail in the mailbox for its process: restored after the test, or every later test in
    # the run would deliver to the mailbox whatever relay it configures.
    monkeypatch.setattr(settings, "TANDEM_MAIL_KEEP_IN_MAILBOX", False)
    monkeypatch.delenv("TANDEM_MAIL_KEEP_IN_MAILBOX", raising=False)

    demo.Command(stdout=io.StringIO()).run_from_argv(["manage.py", "demo", "--no-worker", "--port", "8080"])

    assert seen == {"debug": False, "address": "127.0.0.1:8080"}


def test_make_demo_takes_a_port():
    makefile_dir = Path(settings.BASE_DIR)

    # Under `make test` this runs inside make: without its variables the inner make prints no
    # "Entering/Leaving directory" lines and takes no flags from the outer one.
    environment = {
        name: value for name, value in os.environ.items() if name not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")
    }
    dry_run = subprocess.run(  # noqa: S603
        ["make", "--no-print-directory", "-n", "-W", "pyproject.toml", "demo", "PORT=8080"],  # noqa: S607
        cwd=makefile_dir,
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    ).stdout

    assert dry_run.strip().splitlines()[-1].endswith("manage.py demo --host 127.0.0.1 --port 8080")


def test_every_image_the_readme_shows_exists_and_is_small():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    images = re.findall(r"\]\((docs/screenshots/[^)]+\.png)\)", readme)

    assert images == ["docs/screenshots/contacts.png", "docs/screenshots/contacts-phone.png"]
    for image in images:
        path = Path(settings.BASE_DIR) / image
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", image
        assert path.stat().st_size < 300 * 1024, image
