"""`manage.py poll_mailboxes [--once]`: read the inbound mailboxes now (the worker does it every minute)."""

import time

from django.core.management.base import BaseCommand

from tandem.mail.models import InboundMailbox
from tandem.mail.services.inbound import poll_enabled_mailboxes


class Command(BaseCommand):
    help = (
        "Read new mail of every enabled inbound mailbox: once with --once, else every minute until stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Poll each mailbox once and exit.")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between polls (default 60).")

    def handle(self, *args, once: bool, interval: int, **options):
        if interval < 1:
            self.stderr.write("--interval must be at least 1 second.")
            return
        while True:
            reports = poll_enabled_mailboxes()
            if not reports:
                self.stdout.write("No enabled inbound mailboxes (add one under Settings → Inbound mail).")
            names = dict(InboundMailbox.objects.filter(pk__in=reports).values_list("pk", "name"))
            for pk, report in reports.items():
                write = self.stderr.write if report.error else self.stdout.write
                write(f"{names.get(pk, pk)}: {report.summary()}")
            if once:
                return
            time.sleep(interval)
