"""`python -m bench [NAME ...]`: run the benchmarks (all by default), write bench/results.json, print a line
per measure. `--contacts N` runs at another size (a quick check; the documented figures use the default).

The engine is SQLite unless BENCH_DATABASE_URL names a PostgreSQL server; a benchmark measured on PostgreSQL
is recorded under its name with `_postgresql` appended (`contacts_list_postgresql`), so the results of both
engines sit side by side in bench/results.json. The import benchmarks measure the SQLite writer only and
always run on SQLite."""

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator

from bench import (
    contact_search,
    contacts_list,
    deal_board,
    export_1m,
    import_1m,
    import_upsert,
    mail_send,
    playbook_search,
    results,
)

BENCHMARKS = {
    "contact_search": contact_search.run,
    "contacts_list": contacts_list.run,
    "deal_board": deal_board.run,
    "export_1m": export_1m.run,
    "import_1m": import_1m.run,
    "import_upsert": import_upsert.run,
    "mail_send": mail_send.run,
    "playbook_search": playbook_search.run,
}
# Benchmarks of the SQLite import writer (they copy SQLite files): BENCH_DATABASE_URL does not apply.
# mail_send measures the sending path on a scratch SQLite file of its own (the ledger is a small table there).
SQLITE_ONLY = {"import_1m", "import_upsert", "mail_send"}


@contextlib.contextmanager
def _engine_for(name: str) -> Iterator[str]:
    """The engine `name` runs on; a SQLite-only benchmark runs with BENCH_DATABASE_URL unset."""
    server = os.environ.get("BENCH_DATABASE_URL", "")
    if not server:
        yield "sqlite"
        return
    if name not in SQLITE_ONLY:
        yield "postgresql"
        return
    print(f"{name}: measures the SQLite import writer; BENCH_DATABASE_URL does not apply", flush=True)
    del os.environ["BENCH_DATABASE_URL"]
    try:
        yield "sqlite"
    finally:
        os.environ["BENCH_DATABASE_URL"] = server


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"one of {', '.join(BENCHMARKS)}")
    parser.add_argument("--contacts", type=int, help="data set size instead of the benchmark's own")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300, help="requests per round and path")
    arguments = parser.parse_args(argv)
    unknown = [name for name in arguments.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]}; choose from {', '.join(BENCHMARKS)}")
    # The data sets are built by manage.py; the harness itself needs the project on the path only.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    for name in arguments.names or list(BENCHMARKS):
        options = {"rounds": arguments.rounds, "requests": arguments.requests}
        if arguments.contacts:
            options["contacts"] = arguments.contacts
        with _engine_for(name) as engine:
            entries = [results.for_engine(entry, engine) for entry in BENCHMARKS[name](**options)]
        results.save(entries)
        for entry in entries:
            print(results.line(entry), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
