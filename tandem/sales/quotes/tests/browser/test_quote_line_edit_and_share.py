"""In a real browser, on a quote's page: a line's edit dialog closes without saving through its Cancel button
(reached by keyboard) and through Escape, and sharing the quote updates the page's header (status, buyer's
link) in the same response, without a reload. Screenshots at 1280 and 390 px."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.sales.deals.tests.browser.test_board_journey import log_in
from tandem.sales.quotes import services
from tandem.sales.quotes.models import Quote, QuoteLine
from tandem.sales.quotes.tests.factories import make_deal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_cancel_and_escape_leave_a_line_unsaved_and_sharing_refreshes_the_header(
    live_server, page, screenshot, width
):
    rep = UserFactory(email="rep@example.com", first_name="Rita", last_name="Rep", role=Role.SALES)
    deal, _, _ = make_deal(rep, name="Acme — Analytics rollout")
    services.add_deal_line(
        actor=rep, deal=deal, values={"name": "Plan", "quantity": "2", "unit_price": "100"}
    )
    quote = services.create_quote(actor=rep, values={"deal": deal.pk})
    line = QuoteLine.objects.get(quote=quote)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, rep)
    page.goto(f"{live_server.url}/sales/quotes/{quote.pk}/")
    page.evaluate("window.notReloaded = true")
    header = page.locator("#quote-header")
    expect(header.locator(".badge")).to_have_text("Draft")
    expect(header).to_contain_text("Not shared yet: no buyer's link.")
    expect(page.locator("#facts-about .badge")).to_have_text("Draft")

    # when Rita opens the line's Edit dialog, types a price, then tabs to Cancel and presses Enter
    dialog = page.locator("#quote-lines details.quote-line-edit")
    summary = dialog.locator("summary")
    price = page.locator(f"#quote-line-{line.pk}-price")
    summary.click()
    price.fill("999")
    screenshot(f"quote-line-edit-{width}")
    price.press("Tab")  # the discount
    page.keyboard.press("Tab")  # Save
    page.keyboard.press("Tab")  # Cancel
    expect(dialog.get_by_role("button", name="Cancel editing Plan")).to_be_focused()
    page.keyboard.press("Enter")

    # then the dialog is closed, focus is back on Edit, nothing was saved, and it opens with the stored price
    expect(dialog).not_to_have_attribute("open", re.compile(".*"))
    expect(summary).to_be_focused()
    assert QuoteLine.objects.get(pk=line.pk).unit_price == Decimal("100.00")
    page.keyboard.press("Enter")  # the focused summary opens it again
    expect(price).to_be_visible()
    expect(price).to_have_value("100.00")

    # and Escape closes it without saving too
    price.fill("555")
    price.press("Escape")
    expect(price).to_be_hidden()
    expect(summary).to_be_focused()
    assert QuoteLine.objects.get(pk=line.pk).unit_price == Decimal("100.00")

    # when she shares the quote, the header says Sent and shows the buyer's link, without a reload
    page.get_by_role("button", name="Send / create link").click()
    expect(page.get_by_label("The buyer's link (shown once: copy it now)")).to_be_visible()
    expect(header.locator(".badge")).to_have_text("Sent")
    expect(header).to_contain_text("Buyer's link created")
    expect(header).to_contain_text("not opened yet")
    expect(page.locator("#quote-header")).to_have_count(1)
    expect(page.locator("#facts-about .badge")).to_have_text("Sent")
    assert page.evaluate("window.notReloaded") is True
    assert Quote.objects.get(pk=quote.pk).status == "sent"
    screenshot(f"quote-shared-header-{width}")
