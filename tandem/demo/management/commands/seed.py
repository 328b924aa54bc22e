"""`manage.py seed --contacts N`: the demo generator at any size, for benchmarks and load tests."""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tandem.contacts.models import Contact
from tandem.demo.generator import DEFAULT_SEED, GeneratorConfig, generate

# Benchmarks need the same rows on every machine, so the large data set has a fixed "today".
DEFAULT_TODAY = datetime.date(2026, 1, 1)


def refresh_statistics() -> None:
    """Leave the loaded database as a long-running one would be: fresh planner statistics (the list pages'
    plans at a million rows depend on them) and, on PostgreSQL, a vacuumed heap. A bulk load leaves every
    page's visibility-map bit unset, so until autovacuum gets to the table (minutes to hours at this size)
    a count that an index answers alone (an index-only scan) still reads the table row of every entry:
    the capped count of the contacts list read every matching row instead of 10,001 index entries.
    VACUUM cannot run inside a transaction: the seed commits per chunk, so none is open, except when a
    caller wraps the whole load in one (a test), which gets the statistics only."""
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


class Command(BaseCommand):
    help = "Load a deterministic data set of N contacts (and companies, activities) into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, required=True)
        parser.add_argument("--companies", type=int, help="default: one per six contacts (at least 10)")
        parser.add_argument(
            "--activities", type=int, help="about this many timeline rows in total; default: five per contact"
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=DEFAULT_TODAY)
        parser.add_argument("--chunk-size", type=int, default=20_000)

    def handle(self, *args, contacts, companies, activities, seed, today, chunk_size, **options):
        if contacts < 1:
            raise CommandError("--contacts must be at least 1.")
        existing = Contact.objects.count()
        if existing:
            raise CommandError(
                f"The database already has {existing:,} contacts; seed loads into an empty one "
                "(point DATABASE_URL at a new database, or `make clean`)."
            )
        config = GeneratorConfig(
            today=today,
            contacts=contacts,
            companies=companies if companies is not None else max(contacts // 6, 10),
            activities=activities if activities is not None else contacts * 5,
            seed=seed,
            chunk_size=chunk_size,
            commit_per_chunk=True,
        )
        started = time.monotonic()
        context = generate(config, progress=lambda step: self.stdout.write(f"  {step}…"))
        refresh_statistics()
        seconds = time.monotonic() - started
        for table, count in sorted(context.writer.counts.items()):
            self.stdout.write(f"  {table}: {count:,} rows")
        self.stdout.write(self.style.SUCCESS(f"Seeded {contacts:,} contacts in {seconds:.0f} s."))
