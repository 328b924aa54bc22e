"""The board: per-column count, total and weighted total per currency in a fixed number of queries, the
rotting flag, moves by the keyboard form, and the pages answering without a 500 on bad input."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.contacts.tests.factories import TeamFactory, UserFactory
from tandem.core.models import Role
from tandem.sales.deals import selectors
from tandem.sales.deals.models import Deal, DealStageChange
from tandem.sales.deals.tests.factories import DealFactory, make_pipeline

pytestmark = pytest.mark.django_db


def test_columns_sum_per_currency_and_weight_by_probability_in_four_queries():
    # given deals in two currencies across two stages
    pipeline, stages = make_pipeline()
    admin = UserFactory(role=Role.ADMIN)
    DealFactory(stage=stages["Lead"], amount=Decimal("1000.00"), currency="EUR")
    DealFactory(stage=stages["Lead"], amount=Decimal("500.50"), currency="EUR")
    DealFactory(stage=stages["Lead"], amount=Decimal("200.00"), currency="USD")
    DealFactory(stage=stages["Lead"], amount=None)
    DealFactory(stage=stages["Proposal"], amount=Decimal("300.00"), currency="EUR")
    DealFactory(stage=stages["Proposal"], amount=Decimal("999.00"), deleted_at=timezone.now())

    # when the board is read
    with CaptureQueriesContext(connection) as queries:
        columns = selectors.board(admin, pipeline, selectors.DealFilters())

    # then each column has its count and sums; four queries whatever the number of columns
    assert len(queries) == 4  # the stages, the sums, the cards' index ranges, the cards
    lead, proposal, won, lost = columns
    assert (lead.count, lead.totals) == (
        4,
        [("EUR", Decimal("1500.50"), Decimal("150.05")), ("USD", Decimal("200.00"), Decimal("20.00"))],
    )
    assert (proposal.count, proposal.totals) == (1, [("EUR", Decimal("300.00"), Decimal("150.00"))])
    assert (won.count, lost.count) == (0, 0)
    assert len(lead.cards) == 4


def test_cards_are_capped_per_column_by_close_date_and_filters_apply():
    pipeline, stages = make_pipeline()
    admin = UserFactory(role=Role.ADMIN)
    north = TeamFactory(name="North")
    rep = UserFactory(role=Role.SALES, team=north)
    late = DealFactory(stage=stages["Lead"], owner=rep, expected_close_date=datetime.date(2026, 5, 20))
    early = DealFactory(stage=stages["Lead"], owner=rep, expected_close_date=datetime.date(2026, 5, 2))
    DealFactory(stage=stages["Lead"], expected_close_date=datetime.date(2026, 5, 1))
    DealFactory(stage=stages["Lead"], owner=rep, expected_close_date=datetime.date(2026, 6, 1))

    columns = selectors.board(
        admin,
        pipeline,
        selectors.DealFilters(
            team_ids=[north.pk], close_from=datetime.date(2026, 5, 1), close_to=datetime.date(2026, 5, 31)
        ),
        per_column=1,
    )
    assert columns[0].count == 2
    assert [deal.pk for deal in columns[0].cards] == [early.pk]
    assert columns[0].more == 1
    assert late.pk not in [deal.pk for deal in columns[0].cards]


def test_each_column_shows_its_first_cards_by_close_date_with_undated_deals_last():
    # given more deals in a column than it shows, some without a close date, and deals in another column
    pipeline, stages = make_pipeline()
    admin = UserFactory(role=Role.ADMIN)
    undated_first = DealFactory(stage=stages["Lead"], expected_close_date=None)
    june = DealFactory(stage=stages["Lead"], expected_close_date=datetime.date(2026, 6, 1))
    undated_second = DealFactory(stage=stages["Lead"], expected_close_date=None)
    may = DealFactory(stage=stages["Lead"], expected_close_date=datetime.date(2026, 5, 1))
    DealFactory(stage=stages["Lead"], expected_close_date=None)
    proposal = DealFactory(stage=stages["Proposal"], expected_close_date=None)

    # when the board shows three cards per column
    columns = selectors.board(admin, pipeline, selectors.DealFilters(), per_column=3)

    # then the dated deals come first by date, then the undated ones by age, cut at three
    assert [deal.pk for deal in columns[0].cards] == [may.pk, june.pk, undated_first.pk]
    assert (columns[0].count, columns[0].more) == (5, 2)
    assert [deal.pk for deal in columns[1].cards] == [proposal.pk]
    # and with room for every card, the undated ones keep their order after the dated ones
    columns = selectors.board(admin, pipeline, selectors.DealFilters(), per_column=50)
    assert [deal.pk for deal in columns[0].cards][:4] == [
        may.pk,
        june.pk,
        undated_first.pk,
        undated_second.pk,
    ]
    assert len(columns[0].cards) == 5


def test_a_team_scoped_reader_counts_and_sees_only_their_teams_deals():
    # given deals of two teams in one column, and a read-only user of one of them
    pipeline, stages = make_pipeline()
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    ours = DealFactory(stage=stages["Lead"], team=north, amount=Decimal("100.00"), currency="EUR")
    DealFactory(stage=stages["Lead"], team=south, amount=Decimal("900.00"), currency="EUR")
    reader = UserFactory(role=Role.READ_ONLY, team=north)

    # when they read the board, then its count, sums and cards hold their team's deal only
    lead = selectors.board(reader, pipeline, selectors.DealFilters())[0]
    assert (lead.count, lead.totals) == (1, [("EUR", Decimal("100.00"), Decimal("10.00"))])
    assert [deal.pk for deal in lead.cards] == [ours.pk]


def test_a_deal_sitting_longer_than_the_rotting_days_is_flagged():
    _, stages = make_pipeline()
    now = timezone.now()
    fresh = DealFactory(stage=stages["Lead"], stage_entered_at=now - datetime.timedelta(days=6))
    stale = DealFactory(stage=stages["Lead"], stage_entered_at=now - datetime.timedelta(days=8))
    assert selectors.is_rotting(fresh, stages["Lead"], now) is False
    assert selectors.is_rotting(stale, stages["Lead"], now) is True


def test_the_board_page_shows_columns_and_reports_bad_filters(client):
    _, stages = make_pipeline()
    admin = UserFactory(role=Role.ADMIN)
    DealFactory(name="Umbrella renewal", stage=stages["Lead"], amount=Decimal("1234.50"))
    client.force_login(admin)
    response = client.get("/sales/deals/board/", {"close_month": "May", "owner": "x", "pipeline": "999999"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Close month: “May” is not a month (use YYYY-MM, e.g. 2026-03); that filter was ignored." in text
    assert "“x” is not a valid owner; that filter was ignored." in text
    assert "That pipeline does not exist; showing the default one." in text


def test_the_board_is_one_form_whose_cards_post_their_deal_and_stage(client):
    # given two deals in an open column
    pipeline, stages = make_pipeline()
    admin = UserFactory(role=Role.ADMIN)
    first = DealFactory(name="First deal", stage=stages["Lead"])
    second = DealFactory(name="Second deal", stage=stages["Lead"])
    client.force_login(admin)

    # when the board is shown, filtered by the pipeline (the part the filters redraw)
    page = client.get(
        "/sales/deals/board/", {"pipeline": pipeline.pk, "fragment": "board"}, HTTP_HX_REQUEST="true"
    ).content.decode()

    # then one form with one CSRF token carries every card's select and button, and the filters to keep
    assert page.count('<form class="board"') == 1
    assert page.count('name="csrfmiddlewaretoken"') == 1
    assert f'<input type="hidden" name="pipeline" value="{pipeline.pk}">' in page
    for deal in (first, second):
        assert f'<select id="move-{deal.pk}" name="stage-{deal.pk}">' in page
        assert f'<button class="button button--small" name="deal" value="{deal.pk}">' in page
    assert f'<option value="{stages["Lead"].pk}" selected>Lead</option>' in page


def test_the_keyboard_move_form_moves_the_deal_and_returns_the_board(client):
    pipeline, stages = make_pipeline()
    admin = UserFactory(role=Role.ADMIN)
    deal = DealFactory(name="Keyboard deal", stage=stages["Lead"], amount=Decimal("10.00"))
    other = DealFactory(name="Other deal", stage=stages["Lead"])
    client.force_login(admin)
    # the whole form is sent: every card's select, the pressed button's deal
    response = client.post(
        "/sales/deals/board/move/",
        {
            "deal": deal.pk,
            f"stage-{deal.pk}": stages["Proposal"].pk,
            f"stage-{other.pk}": stages["Lead"].pk,
            "pipeline": pipeline.pk,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Keyboard deal moved to Proposal." in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).stage_id == stages["Proposal"].pk
    assert Deal.objects.get(pk=other.pk).stage_id == stages["Lead"].pk
    assert DealStageChange.objects.filter(deal=deal).count() == 1
    assert DealStageChange.objects.filter(deal=other).count() == 0


def test_without_script_the_move_returns_to_the_same_filtered_board_with_the_message(client):
    pipeline, stages = make_pipeline()
    admin = UserFactory(role=Role.ADMIN)
    deal = DealFactory(name="Plain deal", stage=stages["Lead"], amount=Decimal("10.00"))
    client.force_login(admin)
    response = client.post(
        "/sales/deals/board/move/",
        {"deal": deal.pk, f"stage-{deal.pk}": stages["Proposal"].pk, "pipeline": pipeline.pk, "owner": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/sales/deals/board/?pipeline={pipeline.pk}"
    assert "Plain deal moved to Proposal." in client.get(response["Location"]).content.decode()
    assert Deal.objects.get(pk=deal.pk).stage_id == stages["Proposal"].pk


def test_a_drag_posts_the_deal_and_the_stage_it_was_dropped_on(client):
    pipeline, stages = make_pipeline()
    admin = UserFactory(role=Role.ADMIN)
    deal = DealFactory(name="Dragged deal", stage=stages["Lead"])
    client.force_login(admin)
    response = client.post(
        "/sales/deals/board/move/",
        {"deal": deal.pk, "stage": stages["Won"].pk, "pipeline": pipeline.pk},
        HTTP_HX_REQUEST="true",
    )
    assert "Dragged deal moved to Won." in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).stage_id == stages["Won"].pk


def test_a_board_move_without_a_deal_is_not_found_and_moves_nothing(client):
    _, stages = make_pipeline()
    admin = UserFactory(role=Role.ADMIN)
    deal = DealFactory(stage=stages["Lead"])
    client.force_login(admin)
    for value in ("", "abc", "999999"):
        response = client.post("/sales/deals/board/move/", {"deal": value, "stage": stages["Proposal"].pk})
        assert response.status_code == 404
    assert Deal.objects.get(pk=deal.pk).stage_id == stages["Lead"].pk
    assert DealStageChange.objects.count() == 0


def test_a_refused_move_says_why_on_the_board(client):
    pipeline, stages = make_pipeline()
    admin = UserFactory(role=Role.ADMIN)
    deal = DealFactory(stage=stages["Lead"])
    client.force_login(admin)
    response = client.post(
        "/sales/deals/board/move/",
        {"deal": deal.pk, f"stage-{deal.pk}": "abc", "pipeline": pipeline.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Choose one of the pipeline&#x27;s stages." in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).stage_id == stages["Lead"].pk


def test_a_read_only_user_may_not_move_and_nothing_changes(client):
    pipeline, stages = make_pipeline()
    viewer = UserFactory(role=Role.READ_ONLY)
    deal = DealFactory(stage=stages["Lead"], owner=viewer, amount=Decimal("1.00"))
    client.force_login(viewer)
    response = client.post(f"/sales/deals/{deal.pk}/move/", {"stage": stages["Proposal"].pk})
    assert response.status_code == 403
    response = client.post(
        "/sales/deals/board/move/", {"deal": deal.pk, f"stage-{deal.pk}": stages["Proposal"].pk}
    )
    assert response.status_code == 403
    assert Deal.objects.get(pk=deal.pk).stage_id == stages["Lead"].pk
    assert DealStageChange.objects.count() == 0
    # and their board offers no move: no draggable card, no "Move to" select
    page = client.get("/sales/deals/board/", {"pipeline": pipeline.pk}).content.decode()
    assert f'data-deal="{deal.pk}"' in page
    assert "draggable" not in page and f"move-{deal.pk}" not in page


@pytest.mark.parametrize(
    "path", ["/sales/deals/", "/sales/deals/new/", "/sales/deals/loss-reasons/", "/sales/deals/trash/"]
)
def test_pages_answer(client, path):
    make_pipeline()
    client.force_login(UserFactory(role=Role.ADMIN))
    assert client.get(path).status_code == 200


def test_the_deal_page_and_the_company_panel_show_the_deal(client):
    from tandem.contacts.tests.factories import CompanyFactory

    _, stages = make_pipeline()
    admin = UserFactory(role=Role.ADMIN)
    company = CompanyFactory(name="Initech")
    deal = DealFactory(name="Initech pilot", stage=stages["Lead"], company=company)
    client.force_login(admin)
    page = client.get(f"/sales/deals/{deal.pk}/").content.decode()
    assert "Mark lost" in page and "Initech" in page
    assert "Initech pilot" in client.get(f"/companies/{company.pk}/").content.decode()


def test_the_generated_form_creates_a_deal_and_shows_a_bad_amount_as_a_field_error(client):
    from tandem.contacts.tests.factories import ContactFactory

    _, stages = make_pipeline()
    admin = UserFactory(role=Role.ADMIN)
    lead = ContactFactory(source="ads")
    client.force_login(admin)
    form = {
        "name": "Form deal",
        "amount": "12,5x",
        "currency": "EUR",
        "stage": stages["Lead"].pk,
        "primary_contact": lead.pk,
        "owner": admin.pk,
    }

    refused = client.post("/sales/deals/new/", form)
    assert refused.status_code == 200
    assert "“12,5x” is not an amount; write digits with an optional point, e.g. 1250.00." in (
        refused.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    )
    assert Deal.objects.count() == 0

    created = client.post("/sales/deals/new/", {**form, "amount": "1,250.00"})
    deal = Deal.objects.get()
    assert created.status_code == 302
    assert (deal.name, deal.amount, deal.source, deal.stage_id) == (
        "Form deal",
        Decimal("1250.00"),
        "ads",
        stages["Lead"].pk,
    )
    # an edit that changes nothing writes nothing
    version = deal.updated_at
    client.post(f"/sales/deals/{deal.pk}/edit/", {**form, "amount": "1250.00"})
    assert Deal.objects.get().updated_at == version


def test_the_bulk_bar_offers_the_stages_and_moves_the_selected_deals(client):
    _, stages = make_pipeline()
    admin = UserFactory(role=Role.ADMIN)
    first = DealFactory(stage=stages["Lead"], amount=Decimal("1.00"))
    second = DealFactory(stage=stages["Lead"], amount=Decimal("2.00"))
    client.force_login(admin)
    page = client.get("/sales/deals/").content.decode()
    assert f'<option value="{stages["Proposal"].pk}">Test pipeline · Proposal</option>' in page

    response = client.post(
        "/sales/deals/bulk/",
        {"ids": [first.pk, second.pk], "action": "move_stage", "stage": stages["Proposal"].pk},
        follow=True,
    )
    assert response.status_code == 200
    assert set(Deal.objects.values_list("stage_id", flat=True)) == {stages["Proposal"].pk}
    assert DealStageChange.objects.count() == 2


def test_the_no_next_step_filter_on_the_list_the_board_and_the_saved_link(client):
    from django.urls import reverse

    pipeline, stages = make_pipeline()
    admin = UserFactory(role=Role.ADMIN)
    DealFactory(name="Has a step", stage=stages["Lead"], next_step="Send the proposal")
    DealFactory(name="Forgotten", stage=stages["Lead"], next_step="")
    DealFactory(name="Won already", stage=stages["Won"], next_step="")
    found = selectors.filter_deals(Deal.objects.all(), selectors.DealFilters(next_step=["missing"]))
    assert list(found.values_list("name", flat=True)) == ["Forgotten"]
    client.force_login(admin)
    response = client.get(reverse("deals:deal_no_next_step"))
    assert response["Location"] == reverse("deals:deal_list") + "?next_step=missing&status=open"
    listing = client.get(response["Location"]).content.decode()
    assert "Forgotten" in listing and "Has a step" not in listing and "Won already" not in listing
    bad = client.get(reverse("deals:deal_list") + "?next_step=later").content.decode()
    assert "“later” is not a next-step filter; that filter was ignored." in bad
    board = client.get(
        reverse("deals:deal_board"), {"pipeline": pipeline.pk, "next_step": "missing"}
    ).content.decode()
    assert "Forgotten" in board and "Has a step" not in board
    board = client.get(reverse("deals:deal_board"), {"pipeline": pipeline.pk}).content.decode()
    assert "Send the proposal" in board and "No next step" in board
