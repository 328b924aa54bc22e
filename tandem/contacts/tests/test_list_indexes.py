"""Every filter of the contacts and companies lists, and its capped count, is served by an index on both
engines (issue 6): no query of a list reads the whole contacts or companies table. Checked on the plans
of the queries the list selectors really run: SQLite's EXPLAIN QUERY PLAN must not SCAN the table (a
count of a filtered list not even along an index), PostgreSQL's plan (with sequential scans priced out,
so that only a missing index leaves one) must hold no Seq Scan on it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.contacts.selectors import CompanyFilters, ContactFilters, company_list, contact_list
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Role

pytestmark = pytest.mark.django_db

TABLES = ("contacts_contact", "contacts_company")
DAY = datetime.date(2026, 1, 1)


def _plan(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return [row[-1] for row in cursor.fetchall()]
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return [row[0] for row in cursor.fetchall()]


def _full_reads(sql: str, *, counting: bool) -> list[str]:
    """The steps of the plan that read a whole list table (or, for a count, walk a whole index of it)."""
    found = []
    for step in _plan(sql):
        for table in TABLES:
            if connection.vendor == "postgresql":
                if f"Seq Scan on {table} " in step + " ":
                    found.append(step)
            elif step == f"SCAN {table}" or (counting and step.startswith(f"SCAN {table} ")):
                found.append(step)
    return found


def _list_queries(run) -> list[tuple[str, bool]]:
    with CaptureQueriesContext(connection) as captured:
        run()
    return [
        (query["sql"], "LIMIT 10001" in query["sql"])
        for query in captured.captured_queries
        if any(table in query["sql"] for table in TABLES)
    ]


@pytest.fixture
def data():
    team = TeamFactory()
    owner = UserFactory(role=Role.SALES, team=team)
    admin = UserFactory(role=Role.ADMIN)
    company = CompanyFactory(name="Swift Solar", country="DE", industry="Energy", owner=owner, team=team)
    ContactFactory(first_name="Ada", company=company, owner=owner, country="DE", lifecycle_stage="mql")
    return {"admin": admin, "owner": owner, "team": team, "company": company}


CONTACT_FILTERS = {
    "stage": lambda data: ContactFilters(stages=["mql"]),
    "owner": lambda data: ContactFilters(owner_ids=[data["owner"].pk]),
    "unowned": lambda data: ContactFilters(unowned=True),
    "team": lambda data: ContactFilters(team_ids=[data["team"].pk]),
    "country": lambda data: ContactFilters(countries=["DE"]),
    "tag": lambda data: ContactFilters(tag="vip"),
    "company": lambda data: ContactFilters(company_id=data["company"].pk),
    "created_from": lambda data: ContactFilters(created_from=DAY),
    "created_to": lambda data: ContactFilters(created_to=DAY),
    "search": lambda data: ContactFilters(search="solar"),
    "search_and_stage": lambda data: ContactFilters(search="ada", stages=["mql"]),
}
COMPANY_FILTERS = {
    "owner": lambda data: CompanyFilters(owner_ids=[data["owner"].pk]),
    "team": lambda data: CompanyFilters(team_ids=[data["team"].pk]),
    "country": lambda data: CompanyFilters(countries=["DE"]),
    "industry": lambda data: CompanyFilters(industry="energy"),
    "created_from": lambda data: CompanyFilters(created_from=DAY),
    "created_to": lambda data: CompanyFilters(created_to=DAY),
    "search": lambda data: CompanyFilters(search="solar"),
}


@pytest.mark.parametrize("name", sorted(CONTACT_FILTERS))
def test_every_contact_list_filter_and_its_count_use_an_index(data, name):
    queries = _list_queries(lambda: contact_list(data["admin"], CONTACT_FILTERS[name](data)))

    assert queries
    assert [step for sql, counting in queries for step in _full_reads(sql, counting=counting)] == []


@pytest.mark.parametrize("name", sorted(COMPANY_FILTERS))
def test_every_company_list_filter_and_its_count_use_an_index(data, name):
    queries = _list_queries(lambda: company_list(data["admin"], COMPANY_FILTERS[name](data)))

    assert queries
    assert [step for sql, counting in queries for step in _full_reads(sql, counting=counting)] == []


@pytest.mark.parametrize("sort", ["newest", "oldest", "updated", "name", "score", "relevance"])
def test_every_contact_list_sort_walks_an_index(data, sort):
    queries = _list_queries(lambda: contact_list(data["admin"], ContactFilters(), sort=sort))

    page_queries = [sql for sql, counting in queries if not counting]
    assert [step for sql in page_queries for step in _full_reads(sql, counting=False)] == []


def test_the_count_of_a_team_scoped_reader_uses_an_index(data):
    reader = UserFactory(role=Role.READ_ONLY, team=data["team"])

    queries = _list_queries(lambda: contact_list(reader, ContactFilters(stages=["mql"])))

    assert [step for sql, counting in queries for step in _full_reads(sql, counting=counting)] == []
