"""export_1m: streaming CSV export of every contact (1,000,000) with every column, through the real export
path: `tandem.exports.services.csv_stream` over the export scope of the demo sales rep (who may see every
contact), the function a direct download streams, reading keyset chunks of 5,000 rows.

Raw path: one SQL statement with the same columns and joins (company, owner, team, tags aggregated per
contact, the custom properties read from the JSON), read through the database driver's own cursor (a
server-side cursor on PostgreSQL) and written by `csv.writer`. Both write UTF-8 to /dev/null.

Each path runs in its own child process (so neither inherits the other's caches or heap), alternating,
`rounds` times; rows/s is the median. Memory: one more child runs our path under tracemalloc and reports
the peak of Python allocations after the first 100,000 rows and after all of them: a flat line means
memory does not grow with the row count. ru_maxrss is not used for the verdict because SQLite's mmap and
page cache count in it and grow with the pages read, whatever the program keeps.
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.data import dataset

CONTACTS = 1_000_000
LOGIN_EMAIL = "sales@demo.tandem.test"
MEMORY_CHECKPOINT = 100_000
ROOT = Path(__file__).resolve().parent.parent


def _child(mode: str, database_url: str) -> dict:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "TANDEM_VAR_DIR": str(ROOT / "bench" / "data" / "var"),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "bench.export_1m", mode],
        cwd=ROOT, env=environment, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run(*, contacts: int = CONTACTS, rounds: int = 3, **_options) -> list[dict]:
    database_url = dataset(contacts)
    ours_rates, raw_rates = [], []
    ours_rows = raw_rows = 0
    for _ in range(rounds):
        ours = _child("ours", database_url)
        raw = _child("raw", database_url)
        ours_rates.append(ours["rows"] / ours["seconds"])
        raw_rates.append(raw["rows"] / raw["seconds"])
        ours_rows, raw_rows = ours["rows"], raw["rows"]
    if ours_rows != raw_rows:
        raise RuntimeError(f"the paths wrote different row counts: ours {ours_rows}, raw {raw_rows}")
    memory = _child("memory", database_url)
    ours_rate = statistics.median(ours_rates)
    raw_rate = statistics.median(raw_rates)
    checkpoint_mib = memory["peak_at_checkpoint"] / 2**20
    final_mib = memory["peak_at_end"] / 2**20
    print(
        f"export_1m: peak Python memory {checkpoint_mib:.1f} MiB after {memory['checkpoint_rows']:,} rows, "
        f"{final_mib:.1f} MiB after {memory['rows']:,}; ru_maxrss grew "
        f"{memory['maxrss_growth_at_checkpoint_kib'] / 1024:.0f} MiB by then and "
        f"{memory['maxrss_growth_kib'] / 1024:.0f} MiB in all (SQLite's mmap and page cache included)",
        flush=True,
    )
    return [
        {
            "name": "export_1m",
            "value": round(ours_rate, 1),
            "unit": "rows/s",
            "limit": round(raw_rate, 1),
            "ratio": round(ours_rate / raw_rate, 3),
            "n": ours_rows,
        },
        {
            # Peak after all rows against the peak after the first 100,000: 1.0 means no growth.
            "name": "export_1m_peak_memory",
            "value": round(final_mib, 1),
            "unit": "MiB",
            "limit": round(checkpoint_mib, 1),
            "ratio": round(checkpoint_mib / final_mib, 3),
            "n": memory["rows"],
        },
    ]


# --- the child processes ------------------------------------------------------------------------------


def _our_stream():
    from tandem.contacts.models import PropertyDefinition
    from tandem.core.models import User
    from tandem.exports import columns as export_columns
    from tandem.exports import selectors, services

    user = User.objects.get(email=LOGIN_EMAIL)
    scope = selectors.export_scope(user, "contact", "")
    definitions = list(PropertyDefinition.objects.filter(object_type="contact"))
    every_column = [column.key for column in export_columns.catalogue("contact", definitions)]
    columns = export_columns.choose("contact", every_column, scope.definitions)
    return services.csv_stream(scope, columns), selectors.CHUNK_SIZE


def _ours() -> dict:
    stream, chunk_size = _our_stream()
    started = time.perf_counter()
    lines = 0
    with open(os.devnull, "wb") as sink:
        for block in stream:
            sink.write(block)
            lines += block.count(b"\r\n")  # the generated cells hold no line breaks
    seconds = time.perf_counter() - started
    return {"rows": lines - 1, "seconds": seconds}


def _raw_sql(vendor: str) -> tuple[str, list[str]]:
    from tandem.contacts.models import PropertyDefinition

    names = list(
        PropertyDefinition.objects.filter(object_type="contact")
        .order_by("position", "label")
        .values_list("name", flat=True)
    )
    if vendor == "postgresql":
        tags = "string_agg(tag.name, '; ' ORDER BY tag.name)"
        properties = [f"contact.properties ->> '{name}'" for name in names]
    else:
        tags = "group_concat(tag.name, '; ')"
        properties = [f"json_extract(contact.properties, '$.{name}')" for name in names]
    columns = ", ".join(
        [
            "contact.id", "contact.first_name", "contact.last_name", "contact.email", "contact.phone",
            "contact.job_title", "company.name", "contact.country", "contact.lifecycle_stage",
            "contact.lead_status", "owner.email", "team.name",
            f"(SELECT {tags} FROM contacts_contacttag link JOIN contacts_tag tag ON tag.id = link.tag_id"
            " WHERE link.contact_id = contact.id)",
            "contact.score", "contact.source", "contact.source_medium", "contact.source_campaign",
            "contact.source_referrer", "contact.source_landing_page", "contact.created_at", "contact.updated_at",
            *properties,
        ]
    )  # fmt: skip
    sql = (
        f"SELECT {columns} FROM contacts_contact contact"  # noqa: S608 (our own column names)
        " LEFT JOIN contacts_company company ON company.id = contact.company_id"
        " LEFT JOIN core_user owner ON owner.id = contact.owner_id"
        " LEFT JOIN core_team team ON team.id = contact.team_id"
        " WHERE contact.deleted_at IS NULL ORDER BY contact.id"
    )
    headers = [
        "Record ID", "First name", "Last name", "Email", "Phone", "Job title", "Company", "Country",
        "Lifecycle stage", "Lead status", "Owner email", "Team", "Tags", "Score", "Source", "Source medium",
        "Source campaign", "Source referrer", "Source landing page", "Created at", "Updated at", *names,
    ]  # fmt: skip
    return sql, headers


def _raw() -> dict:
    from django.db import connection

    sql, headers = _raw_sql(connection.vendor)
    connection.ensure_connection()
    driver = connection.connection
    started = time.perf_counter()
    # The driver's own cursor: lazy on SQLite, server-side (named) on PostgreSQL so rows stream.
    cursor = driver.cursor(name="raw_export") if connection.vendor == "postgresql" else driver.cursor()
    if connection.vendor == "postgresql":
        cursor.itersize = 5_000
    cursor.execute(sql)
    rows = 0
    with open(os.devnull, "w", encoding="utf-8", newline="") as sink:
        sink.write("\ufeff")
        writer = csv.writer(sink, lineterminator="\r\n")
        writer.writerow(headers)
        for row in cursor:
            writer.writerow(row)
            rows += 1
    seconds = time.perf_counter() - started
    cursor.close()
    return {"rows": rows, "seconds": seconds}


def _memory() -> dict:
    import resource
    import tracemalloc

    stream, chunk_size = _our_stream()
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    checkpoint_blocks = MEMORY_CHECKPOINT // chunk_size
    peak_at_checkpoint = None
    maxrss_at_checkpoint = maxrss_before
    blocks = lines = 0
    with open(os.devnull, "wb") as sink:
        for block in stream:
            sink.write(block)
            blocks += 1
            lines += block.count(b"\r\n")
            if blocks == checkpoint_blocks + 1:  # the header block, then 20 chunks of 5,000 rows
                peak_at_checkpoint = tracemalloc.get_traced_memory()[1]
                maxrss_at_checkpoint = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_at_end = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    maxrss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - maxrss_before
    return {
        "rows": lines - 1,
        "checkpoint_rows": checkpoint_blocks * chunk_size,
        "peak_at_checkpoint": peak_at_checkpoint or peak_at_end,
        "peak_at_end": peak_at_end,
        "maxrss_growth_kib": maxrss_growth,
        "maxrss_growth_at_checkpoint_kib": maxrss_at_checkpoint - maxrss_before,
    }


def _child_main(mode: str) -> None:
    import django

    django.setup()
    result = {"ours": _ours, "raw": _raw, "memory": _memory}[mode]()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.export_1m")
    parser.add_argument("mode", choices=["ours", "raw", "memory"])
    _child_main(parser.parse_args().mode)
