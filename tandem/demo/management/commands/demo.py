"""`manage.py demo` (what `make demo` runs): migrate, load the demo company once, print the logins, then run
the background worker as a child process and the web server in the foreground until Ctrl-C."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from tandem.core.models import User
from tandem.demo.generator import COMPANY_NAME, DEMO_LOGINS, DEMO_PASSWORD, GeneratorConfig, generate


def served_url(host: str, port: int) -> str:
    """The address a browser on this machine reaches the demo at: a wildcard bind ("0.0.0.0", "::") is
    reached on the loopback address, an IPv6 address is written in brackets."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class Command(BaseCommand):
    help = (
        "Run Tandem with its demo company: migrate, load the demo data once, start the worker and web server."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="do not start the Huey consumer")
        parser.add_argument("--load-only", action="store_true", help="migrate and load, start nothing")

    def handle(self, *args, host, port, no_worker, load_only, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.load_demo_company()
        self.print_logins(served_url(host, port))
        if load_only:
            return
        # Only once it serves: the loader sends nothing, and `--load-only` runs inside other processes (tests)
        # whose mail and links must not be redirected for the rest of their life.
        self.keep_mail_in_the_mailbox()
        self.use_the_served_site_url(host, port)
        worker = None if no_worker else self.start_worker()
        # A plain `kill` should stop the worker too: turn SIGTERM into the same clean exit as Ctrl-C.
        signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(0))
        self.turn_debug_pages_off()
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            if worker is not None:
                self.stop_worker(worker)

    def keep_mail_in_the_mailbox(self) -> None:
        # The demo never mails anyone, whatever relay the database or the environment names: every message
        # is kept in the in-app mailbox. The worker (a child process) inherits the variable.
        os.environ["TANDEM_MAIL_KEEP_IN_MAILBOX"] = "1"
        settings.TANDEM_MAIL_KEEP_IN_MAILBOX = True

    def use_the_served_site_url(self, host: str, port: int) -> None:
        """The emails' links and logo name the address the demo serves on (`make demo PORT=8080`), unless
        TANDEM_SITE_URL says otherwise (a proxy in front, another host name). The worker inherits it."""
        if os.environ.get("TANDEM_SITE_URL"):
            return
        url = served_url(host, port)
        os.environ["TANDEM_SITE_URL"] = url
        settings.SITE_URL = url

    def load_demo_company(self) -> None:
        # Idempotent: the demo admin exists only once the one-transaction load has committed.
        if User.objects.filter(email=DEMO_LOGINS[0]).exists():
            self.stdout.write(f"Reusing the {COMPANY_NAME} demo company already in the database.")
            return
        self.stdout.write(f"Loading the {COMPANY_NAME} demo company (a year of history)…")
        started = time.monotonic()
        # The history ends today: the data is the same for everyone who loads it on the same day.
        context = generate(GeneratorConfig(today=timezone.now().date()))
        counts = context.writer.counts
        self.stdout.write(
            f"Loaded {counts.get('contacts_contact', 0):,} contacts, {counts.get('contacts_company', 0):,}"
            f" companies and {counts.get('contacts_activity', 0):,} activities"
            f" in {time.monotonic() - started:.1f} s."
        )

    def turn_debug_pages_off(self) -> None:
        """The demo is the product as people will see it: the app's own 404 and 500 pages, never Django's
        debug pages (which list every URL pattern and the settings). TANDEM_DEBUG=1 keeps them on for a
        developer. Static files are still served: whitenoise finds them without DEBUG."""
        if os.environ.get("TANDEM_DEBUG") is None:
            settings.DEBUG = False

    def print_logins(self, url: str) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Tandem is at {url}/"))
        self.stdout.write(f"Log in with any of these (password: {DEMO_PASSWORD}):")
        for email in DEMO_LOGINS:
            self.stdout.write(f"  {email}")
        self.stdout.write("Stop with Ctrl-C.")
        self.stdout.write("")

    def start_worker(self) -> subprocess.Popen:
        environment = {**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
        return subprocess.Popen(  # noqa: S603 (our own interpreter and command, no user input)
            [sys.executable, "-m", "django", "run_huey"], env=environment, cwd=settings.BASE_DIR
        )

    def stop_worker(self, worker: subprocess.Popen) -> None:
        # Ctrl-C already reached the worker (same process group) unless the server stopped on its own;
        # SIGINT asks Huey for a graceful stop either way. Give it time to finish its task, then end it.
        if worker.poll() is None:
            worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.terminate()
            try:
                worker.wait(timeout=5)
            except subprocess.TimeoutExpired:
                worker.kill()
