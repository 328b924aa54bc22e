"""contact_search: the contacts list searched at 1,000,000 contacts, p99 of three questions people ask — a
two-word query (a first and a last name), a word fragment (part of a company name) and an email domain —
each a page of the 50 newest matches plus the count capped at 10,000, as the list page shows them.

Our path: `tandem.contacts.selectors.contact_list` for the demo sales rep (who may see every contact) with
the search in its filters: access scoping, the search condition of `tandem.contacts.search`, the page with
company and owner, the capped count, model instances.

Raw path: the same question as hand-written SQL over the same full-text index, through the driver's own
cursor: on SQLite the FTS5 trigram tables (contact document, or the contact's company document, per word),
on PostgreSQL LIKE over the pg_trgm-indexed document functions; the same page of 50 rows joined to the
company, and the same capped count. The ids on both sides are checked to be equal.

Both paths run in one child process (its own Django, its own connection), alternating query by query,
`rounds` rounds of `requests` queries each; value is our p99, limit the raw path's p99, ratio raw ÷ ours.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.data import dataset
from bench.load import percentile

CONTACTS = 1_000_000
LOGIN_EMAIL = "sales@demo.tandem.test"
ROOT = Path(__file__).resolve().parent.parent
PAGE = 50
COUNT_CAP = 10_000
P99_FLOOR_MS = 200.0
# Words from the demo generator's vocabulary, so they exist at every size.
QUERIES = {
    "two_words": "Camille Hahn",
    "fragment": "mobil",
    "domain": "clearmobility.example",
}


def run(*, contacts: int = CONTACTS, rounds: int = 3, requests: int = 300, **_options) -> list[dict]:
    database_url = dataset(contacts)
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "TANDEM_VAR_DIR": str(ROOT / "bench" / "data" / "var"),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "bench.contact_search", str(rounds), str(requests)],
        cwd=ROOT, env=environment, check=True, capture_output=True, text=True,
    )  # fmt: skip
    measured = json.loads(completed.stdout.strip().splitlines()[-1])
    for kind, counts in measured["counts"].items():
        print(f"contact_search: {kind} {QUERIES[kind]!r} matches {counts} contacts (capped)", flush=True)
    entries = [_entry("contact_search", measured["ours"], measured["raw"], contacts)]
    for kind in QUERIES:
        entries.append(
            _entry(
                f"contact_search_{kind}",
                measured["by_kind"][kind]["ours"],
                measured["by_kind"][kind]["raw"],
                contacts,
            )
        )
    return entries


def _entry(name: str, ours: list[float], raw: list[float], contacts: int) -> dict:
    ours_p99 = percentile(ours, 0.99) * 1000
    raw_p99 = percentile(raw, 0.99) * 1000
    return {
        "name": name,
        "value": round(ours_p99, 1),
        "unit": "ms p99",
        "limit": round(raw_p99, 1),
        "ratio": round(raw_p99 / ours_p99, 3),
        "n": contacts,
    }


# --- the child: both paths in one process ----------------------------------------------------------------


CONTACT_DOCUMENT = (
    "contacts_contact_search_document(c.first_name, c.last_name, c.email, c.email_domain, c.phone,"
    " c.job_title)"
)


def _raw_sql(vendor: str, words: list[str]) -> tuple[str, str, list]:
    """The page and the capped count for `words`, as one hand-written statement each."""
    from tandem.contacts import search

    conditions, params, own_words = [], [], []
    for typed, word in search._typed_words(" ".join(words)):
        domain = search._domain(typed)
        if domain:
            # The same question answered the way a hand-written program would: by the domain's own index.
            conditions.append(
                "(c.email_domain = %s OR c.company_id IN"
                " (SELECT id FROM contacts_company WHERE domain = %s AND deleted_at IS NULL))"
            )
            params += [domain, domain]
        elif not search._company_holds(word):  # decided here, outside the timing
            own_words.append(word)
        elif vendor == "sqlite":
            conditions.append(
                "c.id IN (SELECT rowid FROM contacts_contact_search WHERE contacts_contact_search MATCH %s"
                " UNION SELECT id FROM contacts_contact WHERE company_id IN"
                " (SELECT rowid FROM contacts_company_search WHERE contacts_company_search MATCH %s))"
            )
            params += [search._fts_phrase(word)] * 2
        else:
            conditions.append(
                f"({CONTACT_DOCUMENT} LIKE %s OR c.company_id IN (SELECT id FROM contacts_company co WHERE"
                " co.deleted_at IS NULL AND contacts_company_search_document(co.name, co.domain, co.phone)"
                " LIKE %s))"
            )
            params += [search._like_pattern(word)] * 2
    if own_words and vendor == "sqlite":
        conditions.append(
            "c.id IN (SELECT rowid FROM contacts_contact_search WHERE contacts_contact_search MATCH %s)"
        )
        params.append(" AND ".join(search._fts_phrase(word) for word in own_words))
    elif own_words:
        conditions += [f"{CONTACT_DOCUMENT} LIKE %s"] * len(own_words)
        params += [search._like_pattern(word) for word in own_words]
    where = " AND ".join(["c.deleted_at IS NULL", *conditions])
    page = (
        "SELECT c.id, c.first_name, c.last_name, c.email, c.job_title, c.lifecycle_stage, c.created_at, co.name"
        f" FROM contacts_contact c LEFT JOIN contacts_company co ON co.id = c.company_id WHERE {where}"
        f" ORDER BY c.created_at DESC, c.id DESC LIMIT {PAGE + 1}"
    )
    count = (
        f"SELECT count(*) FROM (SELECT 1 FROM contacts_contact c WHERE {where} LIMIT {COUNT_CAP + 1}) capped"
    )
    return page, count, params


def _child(rounds: int, requests: int) -> dict:
    import django

    django.setup()
    from django.db import connection

    from tandem.contacts.selectors import ContactFilters, contact_list
    from tandem.core.models import User

    user = User.objects.get(email=LOGIN_EMAIL)
    statements = {kind: _raw_sql(connection.vendor, text.split()) for kind, text in QUERIES.items()}

    def ours(kind: str):
        listed = contact_list(user, ContactFilters(search=QUERIES[kind]), sort="newest")
        return [contact.pk for contact in listed.page.rows], listed.count

    def raw(kind: str):
        page, count, params = statements[kind]
        with connection.cursor() as cursor:
            cursor.execute(page, params)
            rows = cursor.fetchall()[:PAGE]
            cursor.execute(count, params)
            return [row[0] for row in rows], min(cursor.fetchone()[0], COUNT_CAP)

    counts = {}
    for kind in QUERIES:  # warm up, and check both paths answer the same question
        ours_answer, raw_answer = ours(kind), raw(kind)
        if ours_answer != raw_answer:
            raise RuntimeError(f"{kind}: the paths disagree: ours {ours_answer}, raw {raw_answer}")
        counts[kind] = ours_answer[1]
    by_kind = {kind: {"ours": [], "raw": []} for kind in QUERIES}
    kinds = list(QUERIES)
    for _ in range(rounds):
        for number in range(requests):
            kind = kinds[number % len(kinds)]
            for path, function in (("ours", ours), ("raw", raw)):
                started = time.perf_counter()
                function(kind)
                by_kind[kind][path].append(time.perf_counter() - started)
    return {
        "counts": counts,
        "by_kind": by_kind,
        "ours": [seconds for kind in kinds for seconds in by_kind[kind]["ours"]],
        "raw": [seconds for kind in kinds for seconds in by_kind[kind]["raw"]],
    }


if __name__ == "__main__":
    print(json.dumps(_child(int(sys.argv[1]), int(sys.argv[2]))))
