"""One timed import, in its own process: `python -m bench.import_runner ours|raw|ours-upsert|raw-upsert DB CSV`.

Prints {"seconds", "rows"} as JSON. Each path runs in a fresh process against its own copy of the database,
so neither warms the other's caches; Django's start-up is not timed, only the import itself.

- ours: the real import path: services.create_import (saves the upload, sniffs encoding, delimiter and
  headers), set_mapping, then the engine's run (a counting pass for the progress bar, then chunks of 2,000:
  parse, normalise and validate every cell, look up existing records, insert/update contacts, timeline
  entries, stage changes, undo records, and the job's counters, one transaction per chunk).
- raw: what a hand-written loader would do: csv.reader over the file, each row straight into a tuple of
  the contact columns (no validation), executemany in one transaction into the same table with the same
  indexes; the upsert variant uses INSERT ... ON CONFLICT (lower(email)) DO UPDATE.
"""

import csv
import datetime
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAPPING = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "job_title",
    "country",
    "lifecycle_stage",
    "property:plan",
]
PLAN_CHOICES = ["free", "starter", "pro", "enterprise"]
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
    " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=268435456;"
)


def ours(csv_path: str, mode: str) -> dict:
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tandem.contacts.models import PropertyDefinition, PropertyType
    from tandem.core.models import Role, User
    from tandem.imports import engine, services
    from tandem.imports.models import ImportJob, Status

    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        admin = User.objects.create_user("bench-admin@example.com", "bench", role=Role.ADMIN)
    PropertyDefinition.objects.get_or_create(
        object_type="contact",
        name="plan",
        defaults={"label": "Plan", "value_type": PropertyType.CHOICE, "choices": PLAN_CHOICES},
    )
    started = time.perf_counter()
    with open(csv_path, "rb") as handle:
        upload = SimpleUploadedFile(os.path.basename(csv_path), b"")
        upload.file = handle  # stream the file through the upload's chunks, as Django hands it over
        upload.size = os.path.getsize(csv_path)
        job = services.create_import(actor=admin, object_type="contact", uploaded_file=upload)
    job = services.set_mapping(
        actor=admin,
        job=job,
        mapping={str(i): target for i, target in enumerate(MAPPING)},
        key="email",
        mode=mode,
    )
    ImportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)
    job = engine.run(job.pk, worker="bench")
    seconds = time.perf_counter() - started
    if job.status != Status.DONE or job.failed_count:
        raise SystemExit(
            f"import ended {job.status} with {job.failed_count} failed rows: {job.error_message}"
        )
    return {
        "seconds": seconds,
        "rows": job.processed_rows,
        "created": job.created_count,
        "updated": job.updated_count,
    }


CONTACT_COLUMNS = (
    "email, external_id, email_domain, first_name, last_name, phone, job_title, country, lifecycle_stage,"
    " lead_status, score, source, source_medium, source_campaign, source_referrer, source_landing_page,"
    " owner_id, team_id, company_id, properties, created_at, updated_at, deleted_at"
)


def raw(database: str, csv_path: str, upsert: bool) -> dict:
    connection = sqlite3.connect(database, isolation_level=None)
    connection.executescript(SQLITE_PRAGMAS)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    sql = f"INSERT INTO contacts_contact ({CONTACT_COLUMNS}) VALUES ({', '.join(['?'] * 23)})"
    if upsert:
        sql += (
            " ON CONFLICT (lower(email)) WHERE deleted_at IS NULL DO UPDATE SET first_name = excluded.first_name,"
            " last_name = excluded.last_name, phone = excluded.phone, job_title = excluded.job_title,"
            " country = excluded.country, lifecycle_stage = excluded.lifecycle_stage,"
            " properties = excluded.properties, updated_at = excluded.updated_at"
        )
    started = time.perf_counter()
    rows = 0
    with open(csv_path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        connection.execute("BEGIN IMMEDIATE")
        batch = []
        for email, first, last, phone, title, country, stage, plan in reader:
            batch.append(
                (
                    email, None, email.rpartition("@")[2], first, last, phone, title, country, stage, "", 0,
                    "", "", "", "", "", None, None, None, json.dumps({"plan": plan}), now, now, None,
                )
            )  # fmt: skip
            if len(batch) == 10_000:
                connection.executemany(sql, batch)
                rows += len(batch)
                batch.clear()
        connection.executemany(sql, batch)
        rows += len(batch)
        connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": seconds, "rows": rows}


def main(argv: list[str]) -> int:
    path, database, csv_path = argv
    if path.startswith("ours"):
        result = ours(csv_path, "update")
    else:
        result = raw(database, csv_path, upsert=path.endswith("upsert"))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
