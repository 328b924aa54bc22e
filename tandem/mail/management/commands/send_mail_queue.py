"""`manage.py send_mail_queue [--once] [--worker NAME]`: run the mail delivery worker in the foreground.

For operators (see what the relay answers, drain a backlog) and for the killed-worker test. Without
`--once` it keeps going, looking for due mail every few seconds, until Ctrl-C or SIGTERM.
"""

import signal
import sys
import time

from django.core.management.base import BaseCommand

from tandem.mail.delivery import default_worker, deliver_due


class Command(BaseCommand):
    help = "Hand the queued mail to the relay: once (--once), or until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="deliver what is due now, then exit")
        parser.add_argument("--worker", default="", help="the worker's name (default: host:pid)")
        parser.add_argument("--idle-seconds", type=float, default=5.0, help="the wait when nothing is due")

    def handle(self, *args, once, worker, idle_seconds, **options):
        worker = worker or default_worker()
        signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(0))
        try:
            while True:
                summary = deliver_due(worker=worker)
                if summary.handled or once:
                    self.stdout.write(
                        f"{summary.sent} sent, {summary.retried} to retry, {summary.failed} failed,"
                        f" {summary.suppressed} suppressed"
                        + (
                            f"; the relay needs attention: {summary.relay_problem}"
                            if summary.relay_problem
                            else ""
                        )
                    )
                if once:
                    return
                if not summary.handled or summary.relay_problem:
                    time.sleep(idle_seconds)
        except KeyboardInterrupt:
            return
