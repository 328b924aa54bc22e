"""The public area in a real browser: the brand look at both widths, the confirm button, the error pages,
and no console error (a blocked style or script would show up as one: the policy is strict)."""

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tandem.brand.models import BrandKit
from tandem.conftest import SCREENSHOTS
from tandem.contacts.tests.factories import UserFactory
from tandem.public import pages, registry, services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def show(request, link):
    return pages.render(
        request,
        "public/confirm.html",
        {
            "heading": "Confirm your subscription",
            "lead": "Northwind will send you its monthly product news at ada@example.com.",
            "button": "Yes, subscribe me",
            "note": "Not expecting this? Close the page: nothing happens until you press the button.",
        },
    )


def act(request, link):
    return pages.render(
        request,
        "public/confirm.html",
        {"done": True, "done_heading": "You are subscribed", "done_text": "The next issue arrives on 1 May."},
    )


@pytest.fixture
def brand_with_logo():
    image = Image.new("RGBA", (320, 80), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 8, 64, 72), radius=14, fill="#0f766e")
    draw.text((84, 30), "NORTHWIND", fill="#0f172a", font_size=28)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    png = buffer.getvalue()
    BrandKit.objects.update_or_create(
        pk=1,
        defaults={
            "name": "Northwind Analytics",
            "primary_colour": "#0f766e",
            "accent_colour": "#b45309",
            "postal_address": "Northwind Analytics Ltd\n12 Harbour Street\nBristol BS1 4QA\nUnited Kingdom",
            "website_url": "https://northwind.example",
            "logo_png": png,
            "logo_hash": hashlib.sha256(png).hexdigest(),
            "logo_width": 160,
            "logo_height": 40,
            "version": 2,
        },
    )


@pytest.fixture(autouse=True)
def purpose():
    cache.clear()
    registry.register(registry.Purpose(name="test_subscribe", label="Subscribe", show=show, act=act))
    yield
    registry.unregister("test_subscribe")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_confirm_page_in_the_brand_look_then_the_answer(
    live_server, page, screenshot, brand_with_logo, width
):
    page.set_viewport_size({"width": width, "height": 800})
    _, token = services.create_link(purpose="test_subscribe", target=UserFactory(), single_use=True)

    page.goto(f"{live_server.url}/p/test_subscribe/{token}/")
    expect(page.get_by_role("heading", name="Confirm your subscription")).to_be_visible()
    expect(page.get_by_role("img", name="Northwind Analytics")).to_be_visible()
    expect(page.locator(".public-address")).to_contain_text("12 Harbour Street")
    assert page.locator(".public-header").evaluate("element => getComputedStyle(element).borderTopColor") == (
        "rgb(15, 118, 110)"
    )
    screenshot(f"public-confirm-{width}")

    page.get_by_role("button", name="Yes, subscribe me").click()
    expect(page.get_by_role("heading", name="You are subscribed")).to_be_visible()
    screenshot(f"public-confirmed-{width}")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_error_pages_in_the_brand_look(live_server, browser, width, monkeypatch):
    # Not the `page` fixture: it counts the page's own 410 and 429 answers as errors.
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    _, token = services.create_link(
        purpose="test_subscribe", target=UserFactory(), expires_at=timezone.now() - timedelta(minutes=1)
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/p/test_subscribe/{token}/")
    expect(page.get_by_role("heading", name="This link has expired")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"public-expired-{width}.png"), full_page=True, caret="initial")

    # One fixed instant, so the two requests cannot straddle a minute boundary.
    monkeypatch.setattr("tandem.public.throttle.time.time", lambda: 1_800_000_020.0)
    with override_settings(TANDEM_PUBLIC_RATE_LIMIT=1):
        page.goto(f"{live_server.url}/p/no/such/page/")
        page.goto(f"{live_server.url}/p/no/such/page/")
    expect(page.get_by_role("heading", name="Too many requests")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"public-429-{width}.png"), full_page=True, caret="initial")
    context.close()
