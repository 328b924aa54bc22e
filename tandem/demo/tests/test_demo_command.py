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
    monkeypatch.setenv("TANDEM_MAIL_KEEP_IN_MAILBOX", "")  # recorded, so the "1" the command sets is removed
    monkeypatch.delenv("TANDEM_MAIL_KEEP_IN_MAILBOX")
    monkeypatch.setattr(settings, "SITE_URL", settings.SITE_URL)
    _without_a_site_url(monkeypatch)

    demo.Command(stdout=io.StringIO()).run_from_argv(["manage.py", "demo", "--no-worker", "--port", "8080"])

    assert seen == {"debug": False, "address": "127.0.0.1:8080"}


def _without_a_site_url(monkeypatch) -> None:
    # Set, then removed: monkeypatch then removes what the command sets, so no later test inherits it.
    monkeypatch.setenv("TANDEM_SITE_URL", "http://set-by-the-test")
    monkeypatch.delenv("TANDEM_SITE_URL")


def _serve_demo(monkeypatch, *arguments) -> dict:
    """Run `manage.py demo` with a stand-in for the server that notes the site URL it would serve with and
    the logo's address in an email written then."""
    from django.template import Context, Template

    from tandem.brand.models import BrandKit
    from tandem.demo.management.commands import demo

    User.objects.create_user(DEMO_LOGINS[0], PASSWORD)  # the demo company is "already loaded"
    BrandKit.objects.create(pk=1, name="Northwind", logo_png=b"png", logo_hash="abc123", logo_width=10)
    seen = {}
    real_call_command = demo.call_command

    def call_command(name, *args, **options):
        if name == "runserver":
            header = Template("{% load brand_email %}{% brand_email_header %}").render(Context())
            seen["site_url"] = settings.SITE_URL
            seen["environment"] = os.environ.get("TANDEM_SITE_URL")
            seen["logo"] = re.search(r'<img [^>]*src="([^"]+)"', header).group(1)
            return None
        return real_call_command(name, *args, **options)

    monkeypatch.setattr(demo, "call_command", call_command)
    # What the command changes for its process, restored after the test.
    monkeypatch.setattr(settings, "DEBUG", settings.DEBUG)
    monkeypatch.setattr(settings, "SITE_URL", settings.SITE_URL)
    monkeypatch.setattr(settings, "TANDEM_MAIL_KEEP_IN_MAILBOX", False)
    monkeypatch.setenv("TANDEM_MAIL_KEEP_IN_MAILBOX", "")  # recorded, so the "1" the command sets is removed
    monkeypatch.delenv("TANDEM_MAIL_KEEP_IN_MAILBOX")
    output = io.StringIO()
    demo.Command(stdout=output).run_from_argv(["manage.py", "demo", "--no-worker", *arguments])
    seen["printed"] = re.search(r"Tandem is at (\S+)", output.getvalue()).group(1)
    return seen


@pytest.mark.django_db
def test_the_demo_on_another_port_names_that_port_in_its_emails(monkeypatch):
    _without_a_site_url(monkeypatch)

    seen = _serve_demo(monkeypatch, "--port", "8080")

    assert seen == {
        "site_url": "http://127.0.0.1:8080",
        "environment": "http://127.0.0.1:8080",  # the worker's emails too
        "logo": "http://127.0.0.1:8080/brand/logo/abc123.png",
        "printed": "http://127.0.0.1:8080/",
    }


@pytest.mark.django_db
def test_the_demo_bound_to_every_address_names_the_loopback_one(monkeypatch):
    _without_a_site_url(monkeypatch)

    seen = _serve_demo(monkeypatch, "--host", "0.0.0.0", "--port", "9000")  # noqa: S104

    assert (seen["site_url"], seen["printed"]) == ("http://127.0.0.1:9000", "http://127.0.0.1:9000/")


@pytest.mark.django_db
def test_a_site_url_set_explicitly_is_kept(monkeypatch):
    monkeypatch.setenv("TANDEM_SITE_URL", "https://crm.example.com")
    monkeypatch.setattr(settings, "SITE_URL", "https://crm.example.com")

    seen = _serve_demo(monkeypatch, "--port", "8080")

    assert seen["site_url"] == seen["environment"] == "https://crm.example.com"
    assert seen["logo"] == "https://crm.example.com/brand/logo/abc123.png"


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
