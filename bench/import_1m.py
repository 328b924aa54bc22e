"""import_1m: a CSV of 1,000,000 contacts (8 columns: email, first name, last name, phone, job title, country,
lifecycle stage, a custom property) imported through the real path into an empty database, rows/s.

Raw path: csv.reader plus executemany into the same contacts table with the same indexes, one transaction,
no validation (bench/import_runner.py says exactly what each side does). Ratio = ours ÷ raw. Each round
copies a freshly migrated empty database for each path and runs it in its own process; ours and raw
alternate; the median of the rounds is reported. SQLite (the embedded default) only for now.
"""

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
WORK = DATA / "import-work"
CONTACTS = 1_000_000
HEADER = "Email,First Name,Last Name,Phone Number,Job Title,Country,Lifecycle Stage,Plan\n"
FIRST_NAMES = ["Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Dennis", "Frances", "Ken", "Radia",
               "Tim", "Hedy", "John", "Katherine", "Edsger", "Anita", "Guido", "Sophie", "Bjarne"]  # fmt: skip
LAST_NAMES = ["Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Liskov", "Ritchie", "Allen", "Thompson",
              "Perlman", "Berners-Lee", "Lamarr", "McCarthy", "Johnson", "Dijkstra", "Borg", "van Rossum",
              "Wilson", "Stroustrup", "Müller"]  # fmt: skip
TITLES = [
    "Engineer",
    "Head of Marketing",
    "CTO",
    "Sales Manager",
    "Founder",
    "Analyst",
    "Designer",
    "",
    "Buyer",
]
# (country, a national phone number pattern of that country)
PHONES = [("DE", "030 {}", 7), ("US", "(415) 555-{}", 4), ("GB", "020 7946 {}", 4), ("FR", "01 42 {}", 6)]
STAGES = ["subscriber", "lead", "lead", "mql", "sql", "opportunity", "customer", "evangelist"]
PLANS = ["free", "starter", "pro", "enterprise"]


def contact_line(generator: random.Random, number: int, prefix: str = "person") -> str:
    first = generator.choice(FIRST_NAMES)
    last = generator.choice(LAST_NAMES)
    country, pattern, width = generator.choice(PHONES)
    phone = pattern.format(str(generator.randrange(10**width)).zfill(width))
    title = generator.choice(TITLES)
    stage = generator.choice(STAGES)
    plan = generator.choice(PLANS)
    return (
        f"{prefix}{number}@example{number % 97}.com,{first},{last},{phone},{title},{country},{stage},{plan}\n"
    )


def csv_file(contacts: int) -> Path:
    """The deterministic file of `contacts` new contacts (seed 3), built once."""
    path = DATA / f"import-{contacts}.csv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        generator = random.Random(3)
        partial = path.with_suffix(".partial")
        with open(partial, "w", encoding="utf-8", newline="") as handle:
            handle.write(HEADER)
            for number in range(contacts):
                handle.write(contact_line(generator, number))
        partial.rename(path)
    return path


def environment(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "TANDEM_VAR_DIR": str(WORK / "var"),
        "TANDEM_HUEY_IMMEDIATE": "1",
    }


def empty_database() -> Path:
    """A freshly migrated empty database, the template each round copies."""
    WORK.mkdir(parents=True, exist_ok=True)
    template = WORK / "empty.sqlite3"
    for leftover in WORK.glob("empty.sqlite3*"):
        leftover.unlink()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=environment(template), check=True
    )
    return template


def copy_database(source: Path, target: Path) -> Path:
    for leftover in target.parent.glob(f"{target.name}*"):
        leftover.unlink()
    # A checkpointed WAL database is the one file; copy it whole.
    shutil.copyfile(source, target)
    return target


def timed(path: str, database: Path, csv_path: Path) -> dict:
    finished = subprocess.run(
        [sys.executable, "-m", "bench.import_runner", path, str(database), str(csv_path)],
        cwd=ROOT,
        env=environment(database),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def run(*, contacts: int = CONTACTS, rounds: int = 3, **_options) -> list[dict]:
    csv_path = csv_file(contacts)
    template = empty_database()
    ours_rates, raw_rates = [], []
    for round_number in range(rounds):
        for path in ("ours", "raw") if round_number % 2 == 0 else ("raw", "ours"):
            database = copy_database(template, WORK / f"round-{path}.sqlite3")
            result = timed(path, database, csv_path)
            if result["rows"] != contacts:
                raise RuntimeError(f"{path} imported {result['rows']} rows, not {contacts}")
            (ours_rates if path == "ours" else raw_rates).append(contacts / result["seconds"])
            print(
                f"  round {round_number + 1} {path}: {contacts / result['seconds']:,.0f} rows/s", flush=True
            )
            for leftover in WORK.glob(f"round-{path}.sqlite3*"):
                leftover.unlink()
    ours_rate, raw_rate = statistics.median(ours_rates), statistics.median(raw_rates)
    return [
        {
            "name": "import_1m",
            "value": round(ours_rate, 1),
            "unit": "rows/s",
            "limit": round(raw_rate, 1),
            "ratio": round(ours_rate / raw_rate, 3),
            "n": contacts,
        }
    ]
