"""deal_board: the deals board (`/sales/deals/board/`) of a pipeline holding 50,000 open deals — every column's
count, total and weighted total per currency, and its first 50 cards by expected close date — logged in,
under load from 4 threads against gunicorn with 2 workers; p50 and p99 of our page.

Raw path: a bare Django view in the same gunicorn (bench/views.py: raw_deal_board) running the same SQL as
the board's selector (the column sums, and each column's first cards with company and owner joined) through
the driver's cursor, rendering the same cards and totals in a minimal template. value is our p99, limit the
raw view's p99, ratio raw ÷ ours (higher is better); a second entry holds our p50 and a third our p99 against
the floor (250 ms).

The data: the demo seed of 2,000 contacts (users, teams, companies, the two pipelines) plus `deals` open deals
in the default pipeline ("New business"), spread over its four open stages like a funnel, written once by
`Deal.objects.bulk_create` from a seeded random stream (so the rows follow every column a later migration
adds) and cached like the contact data sets (bench/data.py).
"""

import datetime
import random
import sys
from decimal import Decimal

from bench import load
from bench.data import ROOT, derived_dataset
from bench.server import gunicorn, log_in

DEALS = 50_000
BASE_CONTACTS = 2_000
OUR_PATH = "/sales/deals/board/"
RAW_PATH = "/bench/raw/deals/board/"
P99_FLOOR_MS = 250.0
P99_GOAL_MS = 100.0
# The demo sales rep: may see every deal.
LOGIN = ("sales@demo.tandem.test", "tandem-demo")
# Share of the open deals in each open stage of "New business", in stage order: a funnel.
FUNNEL = (40, 30, 20, 10)
AMOUNTS = [Decimal(value) for value in ("4800", "9600", "12000", "18000", "24000", "36000", "60000", "96000")]
CURRENCIES = ["EUR"] * 6 + ["USD"] * 3 + ["GBP"]
PRODUCTS = ["Dashboards", "Forecasting", "Data pipelines", "Alerts", "Embedded analytics"]
TODAY = datetime.date(2026, 1, 1)  # the demo generator's fixed "today"
SEED = 50


def run(*, contacts: int = DEALS, rounds: int = 3, requests: int = 300, concurrency: int = 4) -> list[dict]:
    """`contacts` is the number of open deals here (`--contacts N` for a quick check)."""
    deals = contacts
    database_url = deals_dataset(deals)
    ours_latencies, raw_latencies = [], []
    with gunicorn(database_url) as port:
        headers = {"Cookie": log_in(port, *LOGIN)}
        for path in (OUR_PATH, RAW_PATH):  # warm both workers' caches and imports
            warm = load.run_round(port, path, requests=20, concurrency=concurrency, headers=headers)
            if warm.errors:
                raise RuntimeError(f"{path} answered {warm.errors} errors while warming up")
        for _ in range(rounds):
            ours = load.run_round(port, OUR_PATH, requests=requests, concurrency=concurrency, headers=headers)
            raw = load.run_round(port, RAW_PATH, requests=requests, concurrency=concurrency, headers=headers)
            if ours.errors or raw.errors:
                raise RuntimeError(f"errors under load: ours {ours.errors}, raw {raw.errors}")
            ours_latencies.extend(ours.latencies)
            raw_latencies.extend(raw.latencies)
    ours_p50 = load.percentile(ours_latencies, 0.50) * 1000
    ours_p99 = load.percentile(ours_latencies, 0.99) * 1000
    raw_p50 = load.percentile(raw_latencies, 0.50) * 1000
    raw_p99 = load.percentile(raw_latencies, 0.99) * 1000
    return [
        {
            "name": "deal_board",
            "value": round(ours_p99, 1),
            "unit": "ms p99",
            "limit": round(raw_p99, 1),
            "ratio": round(raw_p99 / ours_p99, 3),
            "n": deals,
        },
        {
            "name": "deal_board_p50",
            "value": round(ours_p50, 1),
            "unit": "ms p50",
            "limit": round(raw_p50, 1),
            "ratio": round(raw_p50 / ours_p50, 3),
            "n": deals,
        },
        {
            "name": "deal_board_p99_floor",
            "value": round(ours_p99, 1),
            "unit": "ms p99",
            "limit": P99_FLOOR_MS,
            "ratio": round(P99_FLOOR_MS / ours_p99, 3),
            "n": deals,
        },
    ]


# --- the data set -------------------------------------------------------------------------------------


def deals_dataset(deals: int) -> str:
    """The DATABASE_URL of a copy of the small contact seed holding `deals` more open deals, built once."""
    return derived_dataset(BASE_CONTACTS, f"deals{deals}", ["bench.deal_board", "seed", str(deals)])


def _write_deals(deals: int) -> None:
    """In the child (Django set up): `deals` open deals in the default pipeline, from a seeded stream."""
    from django.db import connection, transaction

    from tandem.contacts.models import Company, Contact
    from tandem.sales.deals.models import Deal, Pipeline, StageKind

    rng = random.Random(SEED)
    pipeline = Pipeline.objects.get(is_default=True)
    stages = list(pipeline.stages.filter(kind=StageKind.OPEN).order_by("order"))
    if len(stages) != len(FUNNEL):
        raise RuntimeError(f"expected {len(FUNNEL)} open stages in {pipeline.name}, found {len(stages)}")
    weights = list(FUNNEL)
    companies = list(Company.objects.filter(deleted_at__isnull=True).order_by("id").values_list("id", "name"))
    owners = list(
        Contact.objects.filter(owner__isnull=False)
        .order_by("owner_id", "team_id")
        .values_list("owner_id", "team_id")
        .distinct()
    )
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    rows = []
    for number in range(deals):
        company_id, company_name = rng.choice(companies)
        owner_id, team_id = rng.choice(owners)
        stage = rng.choices(stages, weights)[0]
        created = start + datetime.timedelta(seconds=rng.randrange(365 * 86400))
        entered = created + datetime.timedelta(seconds=rng.randrange(30 * 86400))
        rows.append(
            Deal(
                name=f"{company_name} — {rng.choice(PRODUCTS)} {number + 1}",
                amount=None if rng.random() < 0.05 else rng.choice(AMOUNTS),
                currency=rng.choice(CURRENCIES),
                expected_close_date=None
                if rng.random() < 0.03
                else TODAY + datetime.timedelta(days=rng.randrange(1, 240)),
                company_id=company_id,
                pipeline=pipeline,
                stage=stage,
                status=StageKind.OPEN,
                stage_entered_at=entered,
                owner_id=owner_id,
                team_id=team_id,
                next_step=rng.choice(
                    ["Send proposal", "Demo for the team", "Call the CFO", "Agree on terms"]
                ),
                created_at=created,
                updated_at=entered,
            )
        )
    with transaction.atomic():
        Deal.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"wrote {deals:,} open deals into {pipeline.name}", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        import django

        sys.path.insert(0, str(ROOT))
        django.setup()
        _write_deals(int(sys.argv[2]))
    else:
        raise SystemExit("usage: python -m bench.deal_board seed DEALS")
