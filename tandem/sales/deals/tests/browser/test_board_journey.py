"""The board in a real browser: drag a card across two stages (native drag and drop + htmx), then move one
with the keyboard ("Move to" select and button), and read both moves back from the deal's history."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tandem.contacts.tests.browser_session import log_in
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.sales.deals.models import Deal, DealStageChange
from tandem.sales.deals.tests.factories import DealFactory, make_pipeline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def column(page, stage):
    return page.locator(f".board-column[data-stage='{stage.pk}']")


def test_drag_a_card_across_two_stages_then_move_one_with_the_keyboard(live_server, page, screenshot):
    # given a pipeline (Lead, Proposal, Won, Lost) with two deals in Lead
    pipeline, stages = make_pipeline()
    admin = UserFactory(email="ada@example.com", first_name="Ada", role=Role.ADMIN)
    dragged = DealFactory(name="Dragged deal", stage=stages["Lead"], amount=Decimal("1000.00"), owner=admin)
    keyed = DealFactory(name="Keyboard deal", stage=stages["Lead"], amount=Decimal("500.00"), owner=admin)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, admin)
    page.goto(f"{live_server.url}/sales/deals/board/?pipeline={pipeline.pk}")
    expect(column(page, stages["Lead"]).locator(".board-count")).to_have_text("2")

    # when the first card is dragged to Proposal, then to Won
    card = page.locator(f".deal-card[data-deal='{dragged.pk}']")
    card.drag_to(column(page, stages["Proposal"]))
    expect(page.locator(".board-message")).to_have_text("Dragged deal moved to Proposal.")
    expect(column(page, stages["Proposal"]).locator(f".deal-card[data-deal='{dragged.pk}']")).to_be_visible()
    page.locator(f".deal-card[data-deal='{dragged.pk}']").drag_to(column(page, stages["Won"]))
    expect(page.locator(".board-message")).to_have_text("Dragged deal moved to Won.")
    expect(column(page, stages["Won"]).locator(".board-total").first).to_contain_text("1,000.00 EUR")

    # and the other card is moved with the keyboard: its "Move to" select, then its button
    page.get_by_label("Move Keyboard deal to").select_option(label="Proposal")
    page.get_by_label("Move Keyboard deal to").press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".board-message")).to_have_text("Keyboard deal moved to Proposal.")
    screenshot("deal-board-after-moves")

    # then both moves of the dragged deal are in its history, in order, and the deals are where they were put
    history = list(
        DealStageChange.objects.filter(deal=dragged).order_by("id").values_list("from_stage", "to_stage")
    )
    assert history == [(stages["Lead"].pk, stages["Proposal"].pk), (stages["Proposal"].pk, stages["Won"].pk)]
    assert Deal.objects.get(pk=keyed.pk).stage_id == stages["Proposal"].pk
    page.goto(f"{live_server.url}/sales/deals/{dragged.pk}/")
    expect(page.locator("#deal-stage-heading")).to_be_visible()
    expect(page.get_by_text("Proposal → Won")).to_be_visible()
