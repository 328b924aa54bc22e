"""The close-month filter (issue 9: "filters by owner, team, close month; a table view with the same
filters"): one grammar for the board, the table view and the API (its tests: api/tests/test_deals_api.py);
a range on expected_close_date, so its indexes serve it; a month it cannot read, or a misspelled
parameter, is a sentence, never a silent "all"."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.contacts.tests.factories import TeamFactory, UserFactory
from tandem.core.models import Role
from tandem.core.records import query as grammar
from tandem.core.records import registry
from tandem.sales.deals import selectors
from tandem.sales.deals.models import Pipeline, Stage
from tandem.sales.deals.tests.factories import DealFactory, make_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def march():
    """Deals closing on the edges of March 2026, one without a date, in two stages and two currencies."""
    pipeline, stages = make_pipeline()
    north = TeamFactory(name="North")
    rep = UserFactory(role=Role.SALES, team=north, first_name="Rita", last_name="Rep")
    deals = {}
    for name, stage, day, amount, currency in [
        ("Feb last", "Lead", datetime.date(2026, 2, 28), "100.00", "EUR"),
        ("Mar first", "Lead", datetime.date(2026, 3, 1), "200.10", "EUR"),
        ("Mar mid", "Lead", datetime.date(2026, 3, 15), "50.00", "USD"),
        ("Mar last", "Proposal", datetime.date(2026, 3, 31), "1000.00", "EUR"),
        ("Apr first", "Proposal", datetime.date(2026, 4, 1), "400.00", "EUR"),
        ("Undated", "Lead", None, "700.00", "EUR"),
    ]:
        deals[name] = DealFactory(
            name=name,
            stage=stages[stage],
            owner=rep,
            expected_close_date=day,
            amount=Decimal(amount),
            currency=currency,
        )
    return {"pipeline": pipeline, "stages": stages, "rep": rep, "team": north, "deals": deals}


def _names(queryset) -> list[str]:
    return sorted(queryset.values_list("name", flat=True))


@pytest.mark.parametrize(
    ("raw", "first"),
    [
        ("2026-03", datetime.date(2026, 3, 1)),
        ("0001-01", datetime.date(1, 1, 1)),
        ("9999-12", datetime.date(9999, 12, 1)),
        ("2026-3", None),
        ("2026-13", None),
        ("2026-00", None),
        ("0000-05", None),
        ("2026-03-01", None),
        ("March", None),
        ("２０２６-03", None),  # full-width digits: int() reads them, the pattern does not
    ],
)
def test_a_month_is_read_only_as_yyyy_mm(raw, first):
    assert grammar.parse_month(raw) == first


def test_the_month_is_a_range_from_its_first_to_its_last_day(march):
    admin = UserFactory(role=Role.ADMIN)

    filtered = selectors.filtered_deals(admin, selectors.DealFilters(close_month=datetime.date(2026, 3, 1)))
    with CaptureQueriesContext(connection) as captured:
        names = _names(filtered)

    assert names == ["Mar first", "Mar last", "Mar mid"]
    sql = captured[0]["sql"]
    # A bound on the column itself, which the indexes on expected_close_date can serve: no function of it.
    assert '"deals_deal"."expected_close_date" >=' in sql
    assert '"deals_deal"."expected_close_date" <=' in sql
    assert not re.search(r"\w+\(\"deals_deal\".\"expected_close_date\"", sql), sql


def test_december_of_the_last_year_ends_on_its_last_day(march):
    admin = UserFactory(role=Role.ADMIN)
    DealFactory(name="Far future", stage=march["stages"]["Lead"], expected_close_date=datetime.date.max)

    filters = selectors.DealFilters(close_month=datetime.date(9999, 12, 1))

    assert _names(selectors.filtered_deals(admin, filters)) == ["Far future"]


def test_the_board_counts_and_sums_only_the_month(client, march):
    admin = UserFactory(role=Role.ADMIN)
    filters = selectors.DealFilters(close_month=datetime.date(2026, 3, 1))

    lead, proposal, won, lost = selectors.board(admin, march["pipeline"], filters)

    assert (lead.count, [deal.name for deal in lead.cards]) == (2, ["Mar first", "Mar mid"])
    assert lead.totals == [
        ("EUR", Decimal("200.10"), Decimal("20.01")),
        ("USD", Decimal("50.00"), Decimal("5.00")),
    ]
    assert (proposal.count, proposal.totals) == (1, [("EUR", Decimal("1000.00"), Decimal("500.00"))])
    assert (won.count, lost.count) == (0, 0)


def test_the_board_page_filters_by_month_and_links_the_table_view_with_the_same_filters(client, march):
    admin = UserFactory(role=Role.ADMIN)
    client.force_login(admin)
    pipeline, rep, team = march["pipeline"], march["rep"], march["team"]

    response = client.get(
        "/sales/deals/board/",
        {"pipeline": pipeline.pk, "owner": rep.pk, "team": team.pk, "close_month": "2026-03"},
    )

    assert response.status_code == 200
    columns = response.context["columns"]
    assert [column.count for column in columns] == [2, 1, 0, 0]
    assert [[deal.name for deal in column.cards] for column in columns] == [
        ["Mar first", "Mar mid"],
        ["Mar last"],
        [],
        [],
    ]
    assert response.context["errors"] == []
    table = QueryDict(response.context["table_query"])
    assert {name: table.getlist(name) for name in table} == {
        "pipeline": [str(pipeline.pk)],
        "owner": [str(rep.pk)],
        "team": [str(team.pk)],
        "close_month": ["2026-03"],
    }
    assert 'value="2026-03"' in response.content.decode()

    # the table view at that link lists the same deals as the board
    listed = client.get(f"/sales/deals/?{response.context['table_query']}")
    assert listed.status_code == 200
    assert listed.context["query"].errors == []
    assert sorted(row.title for row in listed.context["rows"]) == ["Mar first", "Mar last", "Mar mid"]


def test_the_htmx_refresh_moves_the_table_view_link_to_the_new_filters(client, march):
    client.force_login(UserFactory(role=Role.ADMIN))

    response = client.get(
        "/sales/deals/board/",
        {"fragment": "board", "pipeline": march["pipeline"].pk, "close_month": "2026-04"},
        HTTP_HX_REQUEST="true",
    )

    text = response.content.decode()
    link = re.search(r'<a class="button" id="board-table-view" href="([^"]+)" hx-swap-oob="true">', text)
    assert link is not None, text[:500]
    assert link.group(1) == f"/sales/deals/?pipeline={march['pipeline'].pk}&amp;close_month=2026-04"
    assert [column.count for column in response.context["columns"]] == [0, 1, 0, 0]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"close_month": "2026-13"},
            "Close month: “2026-13” is not a month (use YYYY-MM, e.g. 2026-03); that filter was ignored.",
        ),
        ({"close_mnth": "2026-03"}, "“close_mnth” is not a filter of the board; it was ignored."),
    ],
)
def test_the_board_says_what_it_could_not_read(client, march, params, message):
    client.force_login(UserFactory(role=Role.ADMIN))

    response = client.get("/sales/deals/board/", {"pipeline": march["pipeline"].pk, **params})

    assert response.status_code == 200
    assert response.context["errors"] == [message]
    assert message in response.content.decode()
    assert "close_month" not in QueryDict(response.context["table_query"])


def test_the_table_view_filters_by_month_with_a_chip(client, march):
    client.force_login(UserFactory(role=Role.ADMIN))

    response = client.get("/sales/deals/", {"close_month": "2026-03"})

    assert response.status_code == 200
    assert sorted(row.title for row in response.context["rows"]) == ["Mar first", "Mar last", "Mar mid"]
    assert [chip.label for chip in response.context["query"].chips] == ["Close month: March 2026"]
    text = response.content.decode()
    assert '<input id="filter-close-month" name="close_month" type="month" value="2026-03"' in text


def test_the_month_and_the_date_range_both_apply(client, march):
    client.force_login(UserFactory(role=Role.ADMIN))

    response = client.get("/sales/deals/", {"close_month": "2026-03", "close_from": "2026-03-10"})

    assert sorted(row.title for row in response.context["rows"]) == ["Mar last", "Mar mid"]


@pytest.mark.parametrize("raw", ["2026-13", "2026-3", "March", "0000-01"])
def test_the_table_view_refuses_a_month_it_cannot_read(client, march, raw):
    client.force_login(UserFactory(role=Role.ADMIN))

    response = client.get("/sales/deals/", {"close_month": raw})

    assert response.status_code == 200
    message = f"Close month: “{raw}” is not a month (use YYYY-MM, e.g. 2026-03); that filter was ignored."
    assert response.context["query"].errors == [message]
    assert message in response.content.decode()
    assert response.context["query"].filters.close_month is None


def test_bulk_all_matching_and_exports_read_the_same_grammar(march):
    deal = registry.get("deal")
    good = grammar.parse(deal, QueryDict("close_month=2026-04"), user_names={})
    bad = grammar.parse(deal, QueryDict("close_month=April"), user_names={})

    assert (good.is_valid, good.filters.close_month) == (True, datetime.date(2026, 4, 1))
    assert bad.is_valid is False


def _options(html: str, control_id: str) -> list[tuple[str, str, bool]]:
    select = re.search(rf'<select id="{control_id}" name="[a-z_]+">(.*?)</select>', html, re.S).group(1)
    return [
        (value, label, bool(selected))
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select
        )
    ]


def test_the_table_view_offers_pipelines_and_stages_by_name(client, march):
    """The pipeline and stage filters are selects of the pipelines and stages in use, not boxes for ids."""
    Pipeline.objects.create(name="Old deals", order=9, archived_at=timezone.now())
    Stage.objects.filter(pipeline=march["pipeline"], name="Lost").update(archived_at=timezone.now())
    client.force_login(UserFactory(role=Role.ADMIN))
    proposal = march["stages"]["Proposal"]

    html = client.get("/sales/deals/", {"stage": proposal.pk}).content.decode()

    default = Pipeline.objects.get(name="Sales pipeline")
    assert _options(html, "filter-pipeline") == [
        ("", "Any pipeline", False),
        (str(default.pk), "Sales pipeline", False),
        (str(march["pipeline"].pk), "Test pipeline", False),
    ]
    default_stages = [
        (str(stage.pk), f"Sales pipeline · {stage.name}", False) for stage in default.stages.order_by("order")
    ]
    assert _options(html, "filter-stage") == [
        ("", "Any stage", False),
        *default_stages,
        (str(march["stages"]["Lead"].pk), "Test pipeline · Lead", False),
        (str(proposal.pk), "Test pipeline · Proposal", True),
        (str(march["stages"]["Won"].pk), "Test pipeline · Won", False),
    ]
