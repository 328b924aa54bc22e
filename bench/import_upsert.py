"""import_upsert: 100,000 rows, half updates of existing contacts and half new ones, imported (mode "update",
matched by email) into a database of 1,000,000 contacts (the cached seed of bench/data.py), rows/s.

Raw path: csv.reader plus executemany of INSERT ... ON CONFLICT (lower(email)) WHERE deleted_at IS NULL
DO UPDATE into the same table with the same indexes, one transaction. Each round and path works on its own
copy of the seeded database, in its own process; ours and raw alternate; the median is reported.
"""

import random
import sqlite3
import statistics
from pathlib import Path

from bench.data import DATA, dataset
from bench.import_1m import WORK, contact_line, copy_database, timed

SEED_CONTACTS = 1_000_000
ROWS = 100_000


def csv_file(seed_path: Path, rows: int, seed_contacts: int) -> Path:
    """Deterministic: every other row an existing contact's address (new values), the rest new people."""
    path = DATA / f"import-upsert-{rows}-of-{seed_contacts}.csv"
    if path.exists():
        return path
    connection = sqlite3.connect(f"file:{seed_path}?mode=ro", uri=True)
    step = max(1, seed_contacts // (rows // 2))
    existing = [
        email
        for (email,) in connection.execute(
            "SELECT email FROM contacts_contact WHERE deleted_at IS NULL AND email IS NOT NULL AND id % ? = 0"
            " ORDER BY id LIMIT ?",
            [step, rows // 2],
        )
    ]
    connection.close()
    if len(existing) < rows // 2:
        raise RuntimeError(f"the seed has only {len(existing)} addresses to update")
    generator = random.Random(5)
    partial = path.with_suffix(".partial")
    with open(partial, "w", encoding="utf-8", newline="") as handle:
        handle.write("Email,First Name,Last Name,Phone Number,Job Title,Country,Lifecycle Stage,Plan\n")
        for number in range(rows // 2):
            line = contact_line(generator, number)
            handle.write(existing[number] + line[line.index(",") :])
            handle.write(contact_line(generator, number, prefix="newcomer"))
    partial.rename(path)
    return path


def run(*, contacts: int = SEED_CONTACTS, rounds: int = 3, rows: int | None = None, **_options) -> list[dict]:
    rows = rows or min(ROWS, contacts // 10 if contacts < SEED_CONTACTS else ROWS)
    seed_url = dataset(contacts)
    seed_path = Path(seed_url.removeprefix("sqlite:///"))
    csv_path = csv_file(seed_path, rows, contacts)
    WORK.mkdir(parents=True, exist_ok=True)
    ours_rates, raw_rates = [], []
    for round_number in range(rounds):
        for path in ("ours-upsert", "raw-upsert") if round_number % 2 == 0 else ("raw-upsert", "ours-upsert"):
            database = copy_database(seed_path, WORK / f"upsert-{path}.sqlite3")
            result = timed(path, database, csv_path)
            if result["rows"] != rows:
                raise RuntimeError(f"{path} imported {result['rows']} rows, not {rows}")
            if path == "ours-upsert" and (result["created"], result["updated"]) != (rows // 2, rows // 2):
                raise RuntimeError(f"ours created {result['created']} and updated {result['updated']}")
            (ours_rates if path == "ours-upsert" else raw_rates).append(rows / result["seconds"])
            print(f"  round {round_number + 1} {path}: {rows / result['seconds']:,.0f} rows/s", flush=True)
            for leftover in WORK.glob(f"upsert-{path}.sqlite3*"):
                leftover.unlink()
    ours_rate, raw_rate = statistics.median(ours_rates), statistics.median(raw_rates)
    return [
        {
            "name": "import_upsert",
            "value": round(ours_rate, 1),
            "unit": "rows/s",
            "limit": round(raw_rate, 1),
            "ratio": round(ours_rate / raw_rate, 3),
            "n": rows,
        }
    ]
