"""The close-month filter and a deal without links in a real browser, at 1280 and 390 px: the board narrows
to a month (counts and totals follow), "Table view" opens the list with the same filters, a month the board
cannot read is a sentence; a deal with no company and no contact shows its own history on its page.
Screenshots are saved for a person to look at, and axe checks each page."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tandem.contacts.tests.browser_session import log_in
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.sales.deals import services
from tandem.sales.deals.tests.factories import DealFactory, make_pipeline
from tandem.tests.test_accessibility import severe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_board_and_the_table_view_by_close_month(live_server, page, screenshot, width):
    # given deals closing in February, March and April, and an admin on the board
    pipeline, stages = make_pipeline()
    admin = UserFactory(email="ada@example.com", first_name="Ada", role=Role.ADMIN)
    for name, stage, day, amount in [
        ("Feb renewal", "Lead", datetime.date(2026, 2, 27), "900.00"),
        ("March pilot", "Lead", datetime.date(2026, 3, 2), "1200.50"),
        ("March rollout", "Proposal", datetime.date(2026, 3, 30), "8000.00"),
        ("April expansion", "Proposal", datetime.date(2026, 4, 1), "5000.00"),
    ]:
        DealFactory(
            name=name, stage=stages[stage], expected_close_date=day, amount=Decimal(amount), owner=admin
        )
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, admin)
    page.goto(f"{live_server.url}/sales/deals/board/?pipeline={pipeline.pk}")
    lead = page.locator(f".board-column[data-stage='{stages['Lead'].pk}']")
    proposal = page.locator(f".board-column[data-stage='{stages['Proposal'].pk}']")
    expect(lead.locator(".board-count")).to_have_text("2")

    # when March is chosen as the close month
    page.get_by_label("Close month").fill("2026-03")
    page.get_by_label("Close month").dispatch_event("change")

    # then each column counts and sums only March's deals, and the table view link carries the filter
    expect(lead.locator(".board-count")).to_have_text("1")
    expect(lead.locator(".board-total").first).to_contain_text("1,200.50 EUR")
    expect(proposal.locator(".board-count")).to_have_text("1")
    expect(proposal.locator(".board-total").first).to_contain_text("8,000.00 EUR")
    expect(page.locator("#board-table-view")).to_have_attribute(
        "href", f"/sales/deals/?pipeline={pipeline.pk}&close_month=2026-03"
    )
    assert severe_violations(page) == set()
    screenshot(f"deal-board-close-month-{width}")

    # and the table view lists the same two deals, with the month as a chip and in the filter panel
    page.locator("#board-table-view").click()
    expect(page).to_have_url(re.compile(r"/sales/deals/\?pipeline=\d+&close_month=2026-03$"))
    expect(page.locator(".list-count")).to_have_text("2 deals")
    expect(page.get_by_text("Close month: March 2026")).to_be_visible()
    expect(page.locator("#filter-close-month")).to_have_value("2026-03")
    assert severe_violations(page) == set()
    screenshot(f"deals-list-close-month-{width}")

    # a month the board cannot read is a sentence, and the board is not narrowed by it
    page.goto(f"{live_server.url}/sales/deals/board/?pipeline={pipeline.pk}&close_month=2026-13")
    expect(page.get_by_role("alert")).to_contain_text(
        "Close month: “2026-13” is not a month (use YYYY-MM, e.g. 2026-03); that filter was ignored."
    )
    expect(lead.locator(".board-count")).to_have_text("2")
    assert severe_violations(page) == set()
    screenshot(f"deal-board-bad-month-{width}")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_deal_without_company_or_contact_shows_its_history(live_server, page, screenshot, width):
    _, stages = make_pipeline()
    rep = UserFactory(email="rita@example.com", first_name="Rita", role=Role.SALES)
    deal = services.create_deal(
        actor=rep, values={"name": "Unlinked pilot", "amount": "300", "stage": stages["Lead"].pk}
    )
    services.move_deal(actor=rep, deal=deal, stage=stages["Proposal"])
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, rep)

    page.goto(f"{live_server.url}/sales/deals/{deal.pk}/")

    items = page.locator("#timeline-list .timeline-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Deal Unlinked pilot moved Lead → Proposal")
    expect(items.nth(1)).to_contain_text("Deal Unlinked pilot created in Lead")
    assert severe_violations(page) == set()
    screenshot(f"deal-page-no-links-{width}")
