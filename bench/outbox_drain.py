"""How fast the outbox drains: `python -m bench.outbox_drain [--events N] [--subscribed N] [--implementation FILE]`.

Not a test and not part of `make bench`: a measurement for the issue-7 change that made one run drain until
empty (or out of time) instead of taking 500 events. Run it against a scratch database (DATABASE_URL, or a
temporary SQLite file when unset); it migrates it and empties the outbox first.

It publishes N events nobody subscribes to (what an import mostly writes: a stage change per contact) and
N' events with a do-nothing handler, then delivers them the way the worker does: `drain()` per run, or
with `--implementation` pointing at an older tandem/core/events.py (e.g. from `git show
fce14f6:tandem/core/events.py`), that file's `deliver_pending()` per run. It prints per kind the events
one run delivered, how many runs emptied the outbox, and events per second over those runs (the worker's
wait between runs, up to a minute for the sweep, is not counted).
"""

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIPTIONS = {"bench.subscribed": ["bench.outbox_drain.handle_nothing"]}


def handle_nothing(**payload) -> None:
    """A subscribed handler that does no work: what remains is the outbox's own cost per event."""


def load_implementation(path: str | None):
    if path is None:
        from tandem.core import events

        return events, events.drain
    spec = importlib.util.spec_from_file_location("events_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, module.deliver_pending


def publish(name: str, count: int) -> None:
    from tandem.core import events

    for start in range(0, count, 10_000):
        events.publish_many(
            name, ({"contact_id": number} for number in range(start, min(count, start + 10_000)))
        )


def measure(name: str, count: int, run_once) -> dict:
    from tandem.core.models import Event

    Event.objects.all().delete()
    publish(name, count)
    runs, first_run, started = 0, None, time.perf_counter()
    while Event.objects.filter(processed_at__isnull=True).exists():
        delivered = run_once()
        runs += 1
        first_run = delivered if first_run is None else first_run
        if runs > count:  # nothing moves: stop rather than spin
            break
    seconds = time.perf_counter() - started
    return {
        "kind": "subscribed" if name in SUBSCRIPTIONS else "unsubscribed",
        "events": count,
        "first_run_delivered": first_run,
        "runs_to_empty": runs,
        "seconds": round(seconds, 2),
        "events_per_second": round(count / seconds) if seconds else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="unsubscribed events (default 100,000)")
    parser.add_argument(
        "--subscribed", type=int, default=10_000, help="events with a handler (default 10,000)"
    )
    parser.add_argument("--implementation", help="an older tandem/core/events.py to measure instead")
    options = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    scratch = None
    if not os.environ.get("DATABASE_URL"):
        scratch = tempfile.mkdtemp(prefix="outbox-drain-")
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/outbox.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TANDEM_HUEY_IMMEDIATE", "0")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    settings.TANDEM_SUBSCRIPTIONS = "bench.outbox_drain.SUBSCRIPTIONS"
    _module, run_once = load_implementation(options.implementation)
    # Publishing asks for delivery after commit; the measurement calls the worker's function itself.
    transaction.on_commit = lambda function, using=None, robust=False: None
    results = [
        measure("bench.unsubscribed", options.events, run_once),
        measure("bench.subscribed", options.subscribed, run_once),
    ]
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "implementation": options.implementation or "current (drain)",
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
