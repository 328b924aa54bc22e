"""A quote from start to finish in a real browser: products on a deal, "Create quote", the PDF read back
with pdftotext, the buyer accepting through the public link in a fresh context (no login, no cookie), and
the deal shown won on its page. Screenshots at 1280 and 390 px of the quote page and the public page."""

import os
import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from tandem.conftest import SCREENSHOTS
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.sales.deals.models import Deal
from tandem.sales.deals.tests.browser.test_board_journey import log_in
from tandem.sales.quotes.models import DealLine, Quote, QuoteStatus
from tandem.sales.quotes.tests.factories import make_deal, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pdftotext() -> str:
    found = shutil.which("pdftotext")
    if found is None:
        if os.environ.get("TANDEM_BROWSER_REQUIRED") or os.environ.get("CI"):
            pytest.fail("pdftotext is missing (apt-get install poppler-utils).")
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils).")
    return found


def test_create_a_quote_download_its_pdf_and_accept_it_through_the_public_link(
    live_server, page, browser, screenshot, tmp_path
):
    reader = pdftotext()
    rep = UserFactory(email="rep@example.com", first_name="Rita", last_name="Rep", role=Role.SALES)
    deal, stages, _ = make_deal(rep, name="Acme — Analytics rollout")
    make_product("Northwind Pro", "199.00")
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, rep)

    # given a deal with two products on it, added from its page
    page.goto(f"{live_server.url}/sales/deals/{deal.pk}/")
    panel = page.locator("#deal-products")
    panel.get_by_label("Product").select_option(label="Northwind Pro — EUR 199.00 / month")
    panel.locator("#deal-add-product-quantity").fill("12")
    panel.locator("#deal-add-product-discount").fill("10")
    panel.get_by_role("button", name="Add product").click()
    expect(page.locator("#deal-products .message--success")).to_have_text("Northwind Pro added.")
    page.locator("#deal-products").get_by_text("Add a line that is not in the catalog").click()
    page.locator("#deal-add-free-name").fill("Onboarding workshop")
    page.locator("#deal-add-free-price").fill("1400")
    page.locator("#deal-products").get_by_role("button", name="Add line").click()
    expect(page.locator("#deal-products .message--success")).to_have_text("Onboarding workshop added.")
    # and the workshop's price corrected through its Edit form
    page.locator("#deal-products summary", has_text="Edit Onboarding workshop").click()
    workshop = DealLine.objects.get(name="Onboarding workshop")
    page.locator(f"#deal-line-{workshop.pk}-price").fill("1,500.00")
    screenshot("deal-line-edit-1280")
    page.locator(f"#deal-line-{workshop.pk}-price").press("Enter")
    expect(page.locator("#deal-products .message--success")).to_have_text("Onboarding workshop saved.")
    expect(page.locator("#deal-products .quote-panel-total")).to_contain_text("3,649.20 EUR")

    # when a quote is created from the deal, with 19 % tax
    page.locator("#deal-products").get_by_role("button", name="Create quote").click()
    expect(page.locator("h1")).to_contain_text("Q-")
    quote = Quote.objects.get()
    page.goto(f"{live_server.url}/sales/quotes/{quote.pk}/edit/")
    page.get_by_label("Tax rate (%)").fill("19")
    page.get_by_role("button", name=re.compile("Save", re.IGNORECASE)).click()
    expect(page.locator(".quote-totals-total")).to_contain_text("4,342.55 EUR")

    # then its PDF says the same totals
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    pdf_path = tmp_path / "quote.pdf"
    download_info.value.save_as(pdf_path)
    # Our own file and a program found on PATH: nothing untrusted reaches the command line.
    command = [reader, "-layout", str(pdf_path), "-"]
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert quote.number in text
    assert re.search(r"Subtotal\s+3,649\.20 EUR", text), text
    assert re.search(r"Tax 19 %\s+693\.35 EUR", text), text
    assert re.search(r"Total\s+4,342\.55 EUR", text), text
    assert "Onboarding workshop" in text and "Acme GmbH" in text

    # when it is shared, the link is shown
    page.get_by_role("button", name="Send / create link").click()
    url = page.get_by_label("The buyer's link (shown once: copy it now)").input_value()
    assert "/p/quote/" in url
    expect(page.locator("#quote-lines .badge")).to_have_text("Sent")
    page.reload()
    screenshot("quote-page-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("quote-page-390")

    # and the buyer, in a fresh browser context (no login, no cookie), accepts it
    buyer_context = browser.new_context(viewport={"width": 1280, "height": 900})
    buyer = buyer_context.new_page()
    # The link is absolute on the configured site address; the test's server listens elsewhere.
    buyer.goto(live_server.url + re.sub(r"^https?://[^/]+", "", url))
    expect(buyer.locator("h1")).to_have_text("Acme — Analytics rollout")
    expect(buyer.locator(".quote-totals-total")).to_contain_text("4,342.55 EUR")
    buyer.screenshot(path=str(SCREENSHOTS / "public-quote-1280.png"), full_page=True)
    buyer.set_viewport_size({"width": 390, "height": 844})
    buyer.screenshot(path=str(SCREENSHOTS / "public-quote-390.png"), full_page=True)
    buyer.get_by_label("Your full name").fill("Ana Ruiz")
    buyer.get_by_role("button", name="Accept quote").click()
    expect(buyer.locator(".public-quote-answer")).to_contain_text("Thank you, Ana Ruiz.")
    buyer.screenshot(path=str(SCREENSHOTS / "public-quote-accepted-390.png"), full_page=True)
    assert buyer_context.cookies() == []
    buyer_context.close()

    # then the deal is won on its page
    assert Quote.objects.get().status == QuoteStatus.ACCEPTED
    assert Deal.objects.get(pk=deal.pk).stage_id == stages["Won"].pk
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/sales/deals/{deal.pk}/")
    expect(page.locator(".badge--deal-won").first).to_have_text("Won")
    expect(page.locator("#deal-products .badge--quote-accepted")).to_have_text("Accepted")
