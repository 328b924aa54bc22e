"""playbook_search: a buyer's question against a playbook of 5,000 objections with two answers each (10,000
answers), p99 of `tandem.sales.playbooks.selectors.search_answers` (the ten best answers for the demo sales
rep: access, the ranked full-text query with highlights, use counts and the feedback factor, model
instances), full-text only (TANDEM_SEMANTIC_SEARCH=off). Where the semantic extra is installed, the hybrid
search (full text blended with the question's similarity to every answer) is measured in the same rounds
too: `playbook_search_semantic`, its p99 against the floor.

Raw path: the ranked full-text query written by hand through the driver's cursor, the ten best answers with
their objection's text: on SQLite the two FTS5 tables (bm25 with the same column weights), on PostgreSQL the
two tsvector columns (ts_rank), each answer scored by its objection's rank plus its own. value is our p99,
limit the raw query's p99, ratio raw ÷ ours; a second entry is our p99 against the floor (100 ms).

Both paths run in one child process (its own Django, its own connection), alternating question by question,
`rounds` rounds of `requests` questions each. The playbook is generated (seeded, from a sales vocabulary of
price, timing, competitor, feature and trust objections) on top of the 2,000-contact demo seed and cached.
"""

import json
import os
import random
import subprocess
import sys

from bench.data import DATA, ROOT, derived_dataset
from bench.load import percentile

OBJECTIONS = 5_000
BASE_CONTACTS = 2_000
ANSWERS_PER_OBJECTION = 2
LIMIT = 10
P99_FLOOR_MS = 100.0
LOGIN_EMAIL = "sales@demo.tandem.test"
SEED = 5
QUESTIONS = (
    "Your price is too high for our budget this year",
    "We already use Contoso BI and switching sounds painful",
    "Can we wait until next quarter to decide?",
    "How do you handle security reviews and GDPR?",
    "Does it integrate with Salesforce and our data warehouse?",
    "You are a small vendor, will you still be around in three years?",
)

# A sales vocabulary per category: the objection is a subject + a complaint + a context; the answer an opening
# move + evidence + a next step. Enough combinations that 5,000 objections are mostly distinct sentences.
VOCABULARY = {
    "price": (
        ["The price", "Your pricing", "The licence cost", "The annual fee", "The per-seat cost", "The quote"],
        [
            "is too high",
            "is more than we budgeted",
            "is above what our CFO approves",
            "doubled since last year",
            "is twice what we pay today",
            "does not fit our budget",
        ],
        [
            "for a team of our size",
            "this fiscal year",
            "compared with spreadsheets",
            "for the features we need",
            "while we cut costs",
            "for a pilot",
        ],
        [
            "Open with the return on investment:",
            "Show the cost of doing nothing:",
            "Offer a smaller first step:",
            "Compare the total cost of ownership:",
            "Split the payment:",
        ],
        [
            "customers of their size recover the licence in four months",
            "an analyst day costs more than a year of seats",
            "a 20-seat starter plan covers the first team",
            "annual billing saves 15 percent",
            "the finance team at Northwind cut reporting time by half",
        ],
    ),
    "timing": (
        ["We", "Our team", "The board", "Leadership", "Procurement", "IT"],
        [
            "cannot decide before",
            "want to wait until",
            "have no time to roll it out before",
            "are frozen until",
            "will revisit this after",
            "are busy with a migration until",
        ],
        [
            "next quarter",
            "the reorganisation",
            "the budget cycle",
            "the summer",
            "our ERP go-live",
            "the new VP starts",
        ],
        [
            "Tie the decision to their deadline:",
            "Offer a paid pilot now:",
            "Lock this year's price:",
            "Map the rollout on one page:",
            "Ask what changes after the wait:",
        ],
        [
            "onboarding takes two weeks with our success team",
            "the price holds for 90 days",
            "a pilot on one team needs no IT project",
            "the migration tool moves dashboards in a day",
            "waiting a quarter costs them the Q3 numbers",
        ],
    ),
    "competitor": (
        [
            "We already use",
            "We are happy with",
            "We just renewed",
            "Our CIO prefers",
            "Everyone here knows",
            "We are evaluating",
        ],
        [
            "Contoso BI",
            "Fabrikam Insights",
            "Tailspin Data",
            "spreadsheets",
            "an in-house tool",
            "a free tool",
        ],
        [
            "and switching sounds painful",
            "and it does the job",
            "for three more years",
            "because it is cheaper",
            "and nobody asked for change",
            "with a big discount",
        ],
        [
            "Find the gap they live with:",
            "Set a trap with a question:",
            "Offer a side-by-side trial:",
            "Quote a customer who switched:",
            "Make switching cheap:",
        ],
        [
            "ask how long a new report takes them",
            "our importer moves their history for free",
            "Wingtip switched from Contoso BI in three weeks",
            "ask who maintains the in-house tool",
            "free tools stop at five users and have no audit log",
        ],
    ),
    "feature": (
        [
            "Do you",
            "Can the product",
            "Is there a way to",
            "We need to",
            "Our analysts must",
            "The team asked whether we can",
        ],
        [
            "integrate with Salesforce",
            "export to Excel",
            "schedule reports",
            "connect our data warehouse",
            "embed dashboards",
            "alert on thresholds",
        ],
        [
            "and our data warehouse",
            "without a developer",
            "for every region",
            "on mobile",
            "in real time",
            "with single sign-on",
        ],
        [
            "Confirm and demo it:",
            "Show the roadmap honestly:",
            "Point to the integration page:",
            "Offer a workaround:",
            "Bring a solutions engineer:",
        ],
        [
            "the Salesforce connector syncs every 15 minutes",
            "scheduled exports go out as Excel or PDF",
            "the warehouse connector reads Snowflake and BigQuery",
            "embedding needs one line of code",
            "alerts go to email, Slack and Teams",
        ],
    ),
    "trust": (
        [
            "You are",
            "Your company is",
            "We worry you are",
            "Legal says you are",
            "Our CISO thinks you are",
            "Procurement flagged you as",
        ],
        [
            "a small vendor",
            "too new",
            "not certified",
            "hosted abroad",
            "a startup",
            "unproven in our industry",
        ],
        [
            "and might not be around in three years",
            "for our security review",
            "for GDPR",
            "for a bank",
            "for a hospital",
            "for a public tender",
        ],
        [
            "Lead with proof:",
            "Share the security pack:",
            "Offer references:",
            "Explain the escrow:",
            "Invite them to the customer board:",
        ],
        [
            "we are ISO 27001 certified and audited every year",
            "data stays in the EU with a signed DPA",
            "three banks run us in production",
            "source code escrow covers the worst case",
            "we have been profitable for four years",
        ],
    ),
}
PROOF_POINTS = [
    "Payback in four months (Northwind, 2025)",
    "NPS 62 across 400 customers",
    "99.95 % uptime over the last 12 months",
    "Reporting time cut by 48 % at Fabrikam Bank",
    "SOC 2 Type II and ISO 27001",
    "Migrated 1,200 dashboards in one week",
]


def run(*, contacts: int = OBJECTIONS, rounds: int = 3, requests: int = 300, **_options) -> list[dict]:
    """`contacts` is the number of objections here (`--contacts N` for a quick check)."""
    objections = contacts
    database_url = derived_dataset(
        BASE_CONTACTS, f"playbook{objections}", ["bench.playbook_search", "seed", str(objections)]
    )
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "TANDEM_VAR_DIR": str(DATA / "var"),
        "TANDEM_SEMANTIC_SEARCH": "off",
    }
    completed = subprocess.run(
        [sys.executable, "-m", "bench.playbook_search", "measure", str(rounds), str(requests)],
        cwd=ROOT, env=environment, check=True, capture_output=True, text=True,
    )  # fmt: skip
    measured = json.loads(completed.stdout.strip().splitlines()[-1])
    ours_p99 = percentile(measured["ours"], 0.99) * 1000
    raw_p99 = percentile(measured["raw"], 0.99) * 1000
    return [
        {
            "name": "playbook_search",
            "value": round(ours_p99, 1),
            "unit": "ms p99",
            "limit": round(raw_p99, 1),
            "ratio": round(raw_p99 / ours_p99, 3),
            "n": objections,
        },
        {
            "name": "playbook_search_p99_floor",
            "value": round(ours_p99, 1),
            "unit": "ms p99",
            "limit": P99_FLOOR_MS,
            "ratio": round(P99_FLOOR_MS / ours_p99, 3),
            "n": objections,
        },
        *(
            [
                {
                    "name": "playbook_search_semantic",
                    "value": round(percentile(measured["semantic"], 0.99) * 1000, 1),
                    "unit": "ms p99",
                    "limit": P99_FLOOR_MS,
                    "ratio": round(P99_FLOOR_MS / (percentile(measured["semantic"], 0.99) * 1000), 3),
                    "n": objections,
                }
            ]
            if "semantic" in measured
            else []
        ),
    ]


# --- the child ------------------------------------------------------------------------------------------


def _write_playbook(objections: int) -> None:
    """`objections` objections with two answers each, from a seeded stream; a few recorded uses."""
    from django.db import transaction

    from tandem.core.models import User
    from tandem.sales.playbooks.models import Answer, AnswerUse, Objection

    rng = random.Random(SEED)
    categories = list(VOCABULARY)
    rep = User.objects.get(email=LOGIN_EMAIL)
    with transaction.atomic():
        rows = []
        for _ in range(objections):
            category = rng.choice(categories)
            subjects, complaints, contexts, _, _ = VOCABULARY[category]
            text = f"{rng.choice(subjects)} {rng.choice(complaints)} {rng.choice(contexts)}."
            rows.append(Objection(text=text, category=category, tags=[category], created_by=rep))
        created = Objection.objects.bulk_create(rows, batch_size=1000)
        answers = []
        for objection in created:
            _, _, _, openings, evidence = VOCABULARY[objection.category]
            for position in range(ANSWERS_PER_OBJECTION):
                answers.append(
                    Answer(
                        objection=objection,
                        position=position,
                        text=f"{rng.choice(openings)} {rng.choice(evidence)}.",
                        proof_points="\n".join(rng.sample(PROOF_POINTS, 2)),
                    )
                )
        answers = Answer.objects.bulk_create(answers, batch_size=1000)
        helped = list(AnswerUse.Helped)
        AnswerUse.objects.bulk_create(
            [
                AnswerUse(answer=rng.choice(answers), user=rep, helped=rng.choice(helped))
                for _ in range(2_000)
            ],
            batch_size=1000,
        )
    print(f"wrote {objections:,} objections and {len(answers):,} answers", flush=True)


def _raw_sql(vendor: str, words: list[str]) -> tuple[str, list]:
    """The ten best answers for `words`, with their objection's text, as one hand-written statement: the same
    ranking as `search.ranked` (each matching objection's score given to its answers, each matching answer's
    own score, summed per answer), without highlights."""
    if vendor == "postgresql":
        query = " || ".join("plainto_tsquery('english', %s)" for _ in words)
        ranking = (
            f"WITH q AS (SELECT ({query}) AS query),"
            " o AS (SELECT o.id, ts_rank(o.search_vector, q.query) AS score FROM playbooks_objection o CROSS JOIN q"
            " WHERE o.search_vector @@ q.query),"
            " scores AS (SELECT a.id, a.position, o.score FROM o JOIN playbooks_answer a ON a.objection_id = o.id"
            " UNION ALL SELECT a.id, a.position, ts_rank(a.search_vector, q.query) FROM playbooks_answer a"
            " CROSS JOIN q WHERE a.search_vector @@ q.query)"
            " SELECT id, position, sum(score) AS relevance FROM scores GROUP BY id, position"
            " ORDER BY relevance DESC, position, id LIMIT %s"
        )
        params = [*words, LIMIT]
    else:
        expression = " OR ".join(f'"{word}"' for word in words)
        ranking = (
            "WITH o AS (SELECT rowid AS id, -bm25(playbooks_objection_search, 10.0, 10.0) AS score"
            " FROM playbooks_objection_search WHERE playbooks_objection_search MATCH %s),"
            " a AS (SELECT rowid AS id, -bm25(playbooks_answer_search, 2.0, 1.0) AS score"
            " FROM playbooks_answer_search WHERE playbooks_answer_search MATCH %s),"
            " scores AS (SELECT answer.id AS id, answer.position AS position, o.score AS score FROM o"
            " JOIN playbooks_answer answer ON answer.objection_id = o.id"
            " UNION ALL SELECT answer.id, answer.position, a.score FROM a"
            " JOIN playbooks_answer answer ON answer.id = a.id)"
            " SELECT id, position, sum(score) AS relevance FROM scores GROUP BY id, position"
            " ORDER BY relevance DESC, position, id LIMIT %s"
        )
        params = [expression, expression, LIMIT]
    return (
        f"SELECT ranked.id, answer.text, objection.text, ranked.relevance FROM ({ranking}) ranked"
        " JOIN playbooks_answer answer ON answer.id = ranked.id"
        " JOIN playbooks_objection objection ON objection.id = answer.objection_id"
        " ORDER BY ranked.relevance DESC, ranked.position, ranked.id",
        params,
    )


def _measure(rounds: int, requests: int) -> dict:
    import time

    from django.db import connection
    from django.test import override_settings

    from tandem.core.models import User
    from tandem.sales.playbooks import search, selectors, semantic

    rep = User.objects.get(email=LOGIN_EMAIL)
    statements = {question: _raw_sql(connection.vendor, search.words_of(question)) for question in QUESTIONS}

    def ours(question: str) -> list[int]:
        return [result.answer.pk for result in selectors.search_answers(question, limit=LIMIT, user=rep)]

    def raw(question: str) -> list[int]:
        sql, params = statements[question]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]

    paths = [("ours", ours), ("raw", raw)]
    if semantic.installed():
        # The hybrid search, measured in the same rounds when the extra is installed (embeddings computed
        # once, before the clock, and kept in the cached data set).
        semantic.refresh(missing_only=True)

        def hybrid(question: str) -> list[int]:
            with override_settings(TANDEM_SEMANTIC_SEARCH=True):
                return [
                    result.answer.pk for result in selectors.search_answers(question, limit=LIMIT, user=rep)
                ]

        paths.append(("semantic", hybrid))
    for question in QUESTIONS:  # warm up; every question finds a full page on every path
        for path, function in paths:
            if len(function(question)) != LIMIT:
                raise RuntimeError(f"{question!r}: fewer than {LIMIT} answers on the {path} path")
    timings: dict[str, list[float]] = {path: [] for path, _ in paths}
    for _ in range(rounds):
        for number in range(requests):
            question = QUESTIONS[number % len(QUESTIONS)]
            for path, function in paths:
                started = time.perf_counter()
                function(question)
                timings[path].append(time.perf_counter() - started)
    return timings


if __name__ == "__main__":
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    if sys.argv[1] == "seed":
        _write_playbook(int(sys.argv[2]))
    else:
        print(json.dumps(_measure(int(sys.argv[2]), int(sys.argv[3]))))
