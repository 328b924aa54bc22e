"""The brand kit page in a real browser, at 1280 and 390 px: the preview follows unsaved input (and warns
about a primary colour that fails contrast), the colour picker and the hex field agree, a save sticks, and
the page never scrolls sideways."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from tandem.brand import services
from tandem.brand.models import BrandKit
from tandem.brand.tests.factories import PASSWORD, full_changes, make_user
from tandem.brand.tests.images import image_bytes
from tandem.core.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))


@pytest.mark.parametrize("width", [1280, 390])
def test_the_preview_follows_the_input_and_a_save_sticks(live_server, page, screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    marketer = make_user("mia@example.com", Role.MARKETING)
    services.update_brand_kit(actor=marketer, changes=full_changes(), expected_version=None)
    services.set_logo(actor=marketer, upload=SimpleUploadedFile("l.png", image_bytes("PNG", size=(600, 200))))
    log_in(page, live_server, marketer)

    panel_requests: list[str] = []
    page.on(
        "request",
        lambda request: panel_requests.append(request.url) if "/preview/panel/" in request.url else None,
    )
    page.goto(f"{live_server.url}/brand/")
    preview = page.frame_locator("iframe.brand-preview-frame")
    expect(preview.get_by_text("Northwind Analytics Ltd")).to_be_visible()
    expect(page.locator("#brand-preview")).to_contain_text("White text on #1f3a93")

    # when the primary colour becomes a mid grey (unsaved), the preview and the contrast verdict follow
    page.get_by_label("Primary colour", exact=True).fill("#808080")
    expect(page.locator("#brand-preview")).to_contain_text("below the 4.5:1 that WCAG AA asks for")
    expect(page.locator('input[data-colour-picker="id_primary_colour"]')).to_have_value("#808080")
    page.get_by_label("Business name").fill("Northwind Labs")
    expect(preview.get_by_text("Northwind Labs", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # the draft travels in the query string, the CSRF token never does
    assert panel_requests and not any("csrfmiddlewaretoken" in url for url in panel_requests)
    screenshot(f"brand-kit-editing-{width}")

    # and when saved, the kit holds the new values
    page.get_by_label("Primary colour", exact=True).fill("#0e5a8a")
    expect(page.locator("#brand-preview")).to_contain_text("White text on #0e5a8a")
    page.get_by_role("button", name="Save brand kit").click()
    expect(page.get_by_text("The brand kit is saved.")).to_be_visible()
    assert BrandKit.objects.values_list("name", "primary_colour", "version").get() == (
        "Northwind Labs",
        "#0e5a8a",
        3,
    )
    screenshot(f"brand-kit-saved-{width}")
