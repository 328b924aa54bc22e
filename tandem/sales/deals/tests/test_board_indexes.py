"""The board's queries are served by indexes on both engines, whatever the size of the pipeline: no query
reads the whole deals table, the column sums read the covering index alone (SQLite), and each column's cards
come from index ranges. Checked on the plans of the queries `selectors.board` really sends: SQLite's EXPLAIN
QUERY PLAN, PostgreSQL's EXPLAIN with sequential scans priced out (so that only a missing index leaves one)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.contacts.tests.factories import TeamFactory, UserFactory
from tandem.core.models import Role
from tandem.sales.deals import selectors
from tandem.sales.deals.tests.factories import DealFactory, make_pipeline

pytestmark = pytest.mark.django_db


def _plan(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return [row[-1] for row in cursor.fetchall()]
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return [row[0] for row in cursor.fetchall()]


def _board_plans(user, pipeline, filters) -> list[tuple[str, list[str]]]:
    with CaptureQueriesContext(connection) as captured:
        selectors.board(user, pipeline, filters)
    return [(query["sql"], _plan(query["sql"])) for query in captured if "deals_deal" in query["sql"]]


@pytest.mark.parametrize(
    "filters", ["none", "owner", "team", "close_month"], ids=["no filter", "owner", "team", "close month"]
)
def test_no_board_query_reads_the_whole_deals_table(filters):
    # given a pipeline with dated and undated deals in two currencies, and a team-scoped sales rep
    pipeline, stages = make_pipeline()
    team = TeamFactory(name="North")
    rep = UserFactory(role=Role.SALES, team=team)
    admin = UserFactory(role=Role.ADMIN)
    for number in range(6):
        DealFactory(
            stage=stages["Lead" if number % 2 else "Proposal"],
            owner=rep,
            team=team,
            amount=Decimal("100.00") * (number + 1),
            currency="USD" if number % 3 else "EUR",
            expected_close_date=None if number == 0 else datetime.date(2026, 5, number + 1),
        )
    chosen = {
        "none": selectors.DealFilters(),
        "owner": selectors.DealFilters(owner_ids=[rep.pk]),
        "team": selectors.DealFilters(team_ids=[team.pk]),
        "close_month": selectors.DealFilters(close_month=datetime.date(2026, 5, 1)),
    }[filters]

    # when the board is read by an admin and by the team-scoped rep
    for user in (admin, rep):
        plans = _board_plans(user, pipeline, chosen)

        # then the sums, the cards' ranges and the cards each use an index, never a read of the table
        assert len(plans) == 3
        for sql, plan in plans:
            if connection.vendor == "postgresql":
                assert not [step for step in plan if "Seq Scan on deals_deal" in step], (sql, plan)
            else:
                assert "SCAN deals_deal" not in plan, (sql, plan)
        sums, ranges, cards = plans
        if connection.vendor == "sqlite":
            if filters == "none" and user is admin:
                assert sums[1] == ["SEARCH deals_deal USING COVERING INDEX deal_board_totals (pipeline_id=?)"]
            assert all("USING INDEX deal_board " in step for step in ranges[1] if "deals_deal" in step)
            assert cards[1][0] == "SEARCH deals_deal USING INTEGER PRIMARY KEY (rowid=?)"
