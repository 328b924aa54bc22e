"""mail_send: 10,000 personalised 1:1-style messages through the send ledger to an SMTP sink, messages/s, on
one connection (`mail_send_1`) and on four (`mail_send_4`).

Ours (timed from the first render to the last recorded answer): render each message's subject and body
through `tandem.core.sandbox.render` (Jinja2's `ImmutableSandboxedEnvironment` with the render budgets, as 1:1
email does) with a plain dict of the person's values, write it
into the ledger with `queue_message` (address checks, MIME build, one transaction per 1,000), then
`deliver_due`: claim, re-read suppressions and consent, DKIM-sign (RSA 2048, relaxed/relaxed), hand to the
relay over smtplib, record the answers (those that came back together in one commit, each message holding its
in-flight slot until then).

Raw path: the same messages, rendered, built and signed before the clock starts, sent by plain smtplib
(`sendmail`, one connection, no database) to the same sink.

The sink is an aiosmtpd server in its own process that accepts everything and keeps nothing. Each path runs
in its own process against its own copy of a freshly migrated SQLite database; rounds alternate the paths;
the median is reported. `--contacts N` sends N messages instead (a quick check).
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.data import DATA
from bench.import_1m import copy_database

ROOT = Path(__file__).resolve().parent.parent
# Scratch databases; BENCH_MAIL_WORK puts them elsewhere (a quick check on a machine without bench/data).
WORK = Path(os.environ.get("BENCH_MAIL_WORK", DATA / "mail-work"))
MESSAGES = 10_000
QUEUE_CHUNK = 1_000
SUBJECT = "{{ first_name }}, your {{ plan }} plan at {{ company | default('your company') }}"
BODY = """Hello {{ first_name }},

thank you for our call about {{ company | default("your team") }} on {{ day }}. As promised, here is what
the {{ plan }} plan includes for {{ seats }} people:
{% for item in items %}
- {{ item }}
{%- endfor %}

{% if seats > 50 %}For a team of your size we add a named account manager.{% else %}Everything is
self-service, and our support answers within a day.{% endif %}

Best regards,
Ana
"""
PLANS = ["Starter", "Growth", "Scale", "Enterprise"]
ITEMS = ["Contacts and companies", "Email with tracking", "Forms", "Automation", "Reports"]


def _values(number: int) -> dict:
    return {
        "first_name": ["Ada", "Grace", "Linus", "José", "Zoë", "Ken"][number % 6],
        "company": "" if number % 7 == 0 else f"Company {number % 500}",
        "plan": PLANS[number % 4],
        "seats": 5 + number % 120,
        "day": "Tuesday",
        "items": ITEMS[: 2 + number % 4],
    }


def _templates():
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    sandbox = ImmutableSandboxedEnvironment(autoescape=False)
    return sandbox.from_string(SUBJECT), sandbox.from_string(BODY)


def _sink(port: int) -> None:
    """Accept every message, keep nothing, until killed."""
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 2.0.0 Ok"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def _set_up(port: int, connections: int):
    """The relay (the sink) and a sending identity with a DKIM key; returns the identity."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tandem.mail.models import Identity, Relay, RelayKind, Security

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    Relay.objects.update_or_create(
        pk=1,
        defaults={
            "kind": RelayKind.SMTP,
            "host": "127.0.0.1",
            "port": port,
            "security": Security.NONE,
            "connections": connections,
        },
    )
    return Identity.objects.create(
        from_name="Ana from Tandem",
        address="ana@bench.tandem.example",
        dkim_selector="bench",
        dkim_private_key=private,
    )


def _ours(count: int, identity) -> float:
    from django.db import transaction

    from tandem.core.sandbox import render
    from tandem.mail.delivery import deliver_due
    from tandem.mail.models import Category, Message, Status
    from tandem.mail.services import queue_message

    started = time.perf_counter()
    for start in range(0, count, QUEUE_CHUNK):
        with transaction.atomic():
            for number in range(start, min(count, start + QUEUE_CHUNK)):
                values = _values(number)
                queue_message(
                    key=f"bench:{number}",
                    category=Category.PERSONAL,
                    to=[f"person{number}@example.com"],
                    # The product's own sandbox (budgets, refused names), as 1:1 email renders.
                    subject=render(SUBJECT, values),
                    text=render(BODY, values),
                    identity=identity,
                )
    summary = deliver_due(worker="bench")
    seconds = time.perf_counter() - started
    sent = Message.objects.filter(status=Status.SENT).count()
    if summary.sent != count or sent != count:
        raise RuntimeError(f"ours sent {summary.sent} ({sent} in the ledger), not {count}: {summary}")
    return seconds


def _raw(count: int, identity, port: int) -> float:
    import smtplib

    from django.utils import timezone

    from tandem.mail.delivery.signing import dkim_sign
    from tandem.mail.services.ledger import _Address, build_message, message_id_for

    subject, body = _templates()
    sender = _Address(identity.address, field="sender")
    prepared = []
    for number in range(count):
        values = _values(number)
        recipient = f"person{number}@example.com"
        data = build_message(
            sender_name=identity.from_name,
            sender=sender,
            recipients=[_Address(recipient, field="recipient")],
            subject=subject.render(values),
            text=body.render(values),
            html=None,
            reply_to=None,
            message_id=message_id_for(f"bench:{number}", sender.domain),
            headers={},
            date=timezone.now(),
        )
        signed = dkim_sign(
            data, selector="bench", domain=sender.domain, private_key=identity.dkim_private_key
        )
        prepared.append((recipient, signed))
    started = time.perf_counter()
    connection = smtplib.SMTP("127.0.0.1", port, timeout=30)
    for recipient, data in prepared:
        connection.sendmail(identity.address, [recipient], data)
    connection.quit()
    return time.perf_counter() - started


def _runner(path: str, count: int, port: int) -> None:
    """One timed path in this process: prints {"seconds"} as JSON."""
    import django

    django.setup()
    connections = 4 if path == "ours-4" else 1
    identity = _set_up(port, connections)
    seconds = _raw(count, identity, port) if path == "raw" else _ours(count, identity)
    print(json.dumps({"seconds": seconds}))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "TANDEM_VAR_DIR": str(WORK / "var"),
        "TANDEM_HUEY_IMMEDIATE": "0",
        "TANDEM_MAIL_KEEP_IN_MAILBOX": "0",
    }


def empty_database() -> Path:
    """A freshly migrated empty database, the template each path's copy starts from."""
    WORK.mkdir(parents=True, exist_ok=True)
    template = WORK / "empty.sqlite3"
    for leftover in WORK.glob("empty.sqlite3*"):
        leftover.unlink()
    subprocess.run(  # noqa: S603 (our own manage.py with fixed arguments)
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=environment(template), check=True
    )
    return template


def _timed(path: str, template: Path, count: int, port: int) -> float:
    database = copy_database(template, WORK / f"mail-{path}.sqlite3")
    finished = subprocess.run(  # noqa: S603 (our own module with fixed arguments)
        [sys.executable, "-m", "bench.mail_send", path, str(count), str(port)],
        cwd=ROOT,
        env=environment(database),
        check=True,
        capture_output=True,
        text=True,
    )
    for leftover in WORK.glob(f"mail-{path}.sqlite3*"):
        leftover.unlink()
    return json.loads(finished.stdout.strip().splitlines()[-1])["seconds"]


def run(*, contacts: int | None = None, rounds: int = 3, **_options) -> list[dict]:
    count = contacts or MESSAGES
    template = empty_database()
    port = _free_port()
    sink = subprocess.Popen(  # noqa: S603 (our own module with fixed arguments)
        [sys.executable, "-m", "bench.mail_send", "sink", "0", str(port)],
        cwd=ROOT,
        env={**os.environ},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        if sink.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP sink did not start")
        rates: dict[str, list[float]] = {"ours-1": [], "ours-4": [], "raw": []}
        for round_number in range(rounds):
            order = ["ours-1", "ours-4", "raw"] if round_number % 2 == 0 else ["raw", "ours-4", "ours-1"]
            for path in order:
                rate = count / _timed(path, template, count, port)
                rates[path].append(rate)
                print(f"  round {round_number + 1} {path}: {rate:,.0f} messages/s", flush=True)
    finally:
        sink.kill()
        sink.wait()
    raw_rate = statistics.median(rates["raw"])
    entries = []
    for connections in (1, 4):
        ours_rate = statistics.median(rates[f"ours-{connections}"])
        entries.append(
            {
                "name": f"mail_send_{connections}",
                "value": round(ours_rate, 1),
                "unit": "messages/s",
                "limit": round(raw_rate, 1),
                "ratio": round(ours_rate / raw_rate, 3),
                "n": count,
            }
        )
    return entries


if __name__ == "__main__":
    if sys.argv[1] == "sink":
        _sink(int(sys.argv[3]))
    else:
        _runner(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
