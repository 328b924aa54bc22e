"""`python -m bench [NAME ...]`: run the benchmarks (all by default), write bench/results.json, print a line
per measure. `--contacts N` runs at another size (a quick check; the documented figures use the default)."""

import argparse
import os
import sys

from bench import contact_search, contacts_list, export_1m, import_1m, import_upsert, results

BENCHMARKS = {
    "contact_search": contact_search.run,
    "contacts_list": contacts_list.run,
    "export_1m": export_1m.run,
    "import_1m": import_1m.run,
    "import_upsert": import_upsert.run,
}


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
        entries = BENCHMARKS[name](**options)
        results.save(entries)
        for entry in entries:
            print(results.line(entry), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
