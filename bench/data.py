"""Benchmark data sets: built once by the demo generator (`manage.py seed`), cached under bench/data/
keyed by size and generator version. SQLite by default; PostgreSQL when BENCH_DATABASE_URL is set."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tandem.demo.version import GENERATOR_VERSION

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"


def _run(command: list[str], database_url: str) -> None:
    environment = {**os.environ, "DATABASE_URL": database_url, "TANDEM_VAR_DIR": str(DATA / "var")}
    subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=environment, check=True)


def dataset(contacts: int) -> str:
    """The DATABASE_URL of a database holding the seed of `contacts` contacts, building it if needed."""
    key = f"contacts{contacts}-v{GENERATOR_VERSION}"
    server = os.environ.get("BENCH_DATABASE_URL", "")
    if server:
        return _postgresql_dataset(server, key, contacts)
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"sqlite-{key}.sqlite3"
    if not path.exists():
        building = DATA / f"building-sqlite-{key}.sqlite3"
        for leftover in DATA.glob(f"{building.name}*"):
            leftover.unlink()
        print(f"Building the {contacts:,}-contact data set (once; cached as {path.name})…", flush=True)
        _run(["migrate", "-v0"], f"sqlite:///{building}")
        _run(["seed", "--contacts", str(contacts)], f"sqlite:///{building}")
        building.rename(path)
    url = f"sqlite:///{path}"
    _run(["migrate", "-v0"], url)  # a data set built before a new migration still gets it
    return url


def _postgresql_dataset(server: str, key: str, contacts: int) -> str:
    import psycopg

    parts = urlsplit(server)
    base = parts.path.lstrip("/") or "bench"
    name = f"{base}_{key.replace('-', '_')}"
    url = urlunsplit(parts._replace(path=f"/{name}"))
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    ready = False
    if exists:
        with psycopg.connect(url) as connection:
            ready = bool(
                connection.execute(
                    "SELECT 1 FROM information_schema.tables WHERE table_name = 'bench_dataset_ready'"
                ).fetchone()
            )
    if not ready:
        print(f"Building the {contacts:,}-contact data set in PostgreSQL database {name} (once)…", flush=True)
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        _run(["migrate", "-v0"], url)
        _run(["seed", "--contacts", str(contacts)], url)
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("CREATE TABLE bench_dataset_ready (built_at timestamptz DEFAULT now())")
    _run(["migrate", "-v0"], url)
    # A migration that rewrites a table (a new stored column) leaves its pages unmarked in the visibility
    # map, so index-only counts read the table again until autovacuum comes by: measure what a maintained
    # database serves. Nothing to do (a few seconds) when nothing changed.
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return url


def derived_dataset(base_contacts: int, key: str, seed: list[str]) -> str:
    """The DATABASE_URL of a copy of the `base_contacts` seed to which `python -m *seed` (run once, in a child
    with DATABASE_URL set) added a benchmark's own rows; cached like the contact data sets under `key`."""
    base_url = dataset(base_contacts)
    key = f"{key}-contacts{base_contacts}-v{GENERATOR_VERSION}"
    server = os.environ.get("BENCH_DATABASE_URL", "")
    if server:
        return _postgresql_derived(server, base_url, key, seed)
    path = DATA / f"sqlite-{key}.sqlite3"
    if not path.exists():
        building = DATA / f"building-sqlite-{key}.sqlite3"
        for leftover in DATA.glob(f"{building.name}*"):
            leftover.unlink()
        print(f"Building the data set {key} (once; cached as {path.name})…", flush=True)
        # The backup API copies a consistent database whatever its write-ahead log holds.
        with sqlite3.connect(urlsplit(base_url).path) as source, sqlite3.connect(building) as target:
            source.backup(target)
        _run(["migrate", "-v0"], f"sqlite:///{building}")
        _module(seed, f"sqlite:///{building}")
        building.rename(path)
    url = f"sqlite:///{path}"
    _run(["migrate", "-v0"], url)
    return url


def _module(command: list[str], database_url: str) -> None:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "TANDEM_VAR_DIR": str(DATA / "var"),
    }
    subprocess.run([sys.executable, "-m", *command], cwd=ROOT, env=environment, check=True)


def _postgresql_derived(server: str, base_url: str, key: str, seed: list[str]) -> str:
    import psycopg

    parts = urlsplit(server)
    name = f"{parts.path.lstrip('/') or 'bench'}_{key.replace('-', '_')}"
    url = urlunsplit(parts._replace(path=f"/{name}"))
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    ready = False
    if exists:
        with psycopg.connect(url) as connection:
            ready = bool(
                connection.execute(
                    "SELECT 1 FROM information_schema.tables WHERE table_name = 'bench_derived_ready'"
                ).fetchone()
            )
    if not ready:
        print(f"Building the data set {key} in PostgreSQL database {name} (once)…", flush=True)
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{urlsplit(base_url).path.lstrip("/")}"')
        _run(["migrate", "-v0"], url)
        _module(seed, url)
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("CREATE TABLE bench_derived_ready (built_at timestamptz DEFAULT now())")
    _run(["migrate", "-v0"], url)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return url
