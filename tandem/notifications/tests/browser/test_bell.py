"""The bell in a real browser, at 1280 and 390 px: the badge, the dropdown opened from the keyboard with no
serious axe violation, opening an entry, marking all read, and the badge refreshing itself."""

import re

import pytest
from playwright.sync_api import expect

from tandem.contacts.tests.factories import PASSWORD, UserFactory
from tandem.notifications import services
from tandem.notifications.models import Notification
from tandem.notifications.tests.kinds import DIGEST

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def severe_violations(page) -> set[str]:
    """axe-core's serious and critical violations on the page as it stands (the dropdown open, say). The
    app-wide check (tandem/tests/test_accessibility.py) visits pages; this app may not import it (layers)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"resultTypes": ["violations"]})
    return {
        f"{violation['id']}: {[node['target'] for node in violation['nodes'][:3]]}"
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    }


def sign_in(page, base: str, user) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))


@pytest.mark.parametrize("width", [1280, 390])
def test_the_bell_from_the_keyboard_open_an_entry_and_mark_all_read(live_server, page, screenshot, width):
    # given a user with two unread notifications and one read
    page.set_viewport_size({"width": width, "height": 800})
    user = UserFactory(email="ada@example.com", first_name="Ada")
    services.notify(user=user, kind=DIGEST.key, title="Older digest", url="/notifications/preferences/")
    services.notify(user=user, kind=DIGEST.key, title="Weekly digest is ready", url="/contacts/")
    read = services.notify(user=user, kind=DIGEST.key, title="Read long ago")
    services.mark_read(actor=user, notification_id=read.pk)
    sign_in(page, live_server.url, user)
    bell = page.locator("[data-notification-summary]")
    # then the bell says 2 unread, to the eye and to a screen reader
    expect(page.locator(".notification-count")).to_have_text("2")
    expect(page.get_by_role("group").filter(has=bell)).to_have_count(1)
    assert re.sub(r"\s+", " ", bell.inner_text()).strip().startswith("Notifications")
    # when it is opened from the keyboard
    bell.focus()
    page.keyboard.press("Enter")
    entries = page.locator(".notification-entry")
    expect(entries).to_have_count(3)
    expect(entries.first).to_contain_text("Read long ago")
    expect(page.locator(".notification-entry--unread")).to_have_count(2)
    assert severe_violations(page) == set()
    screenshot(f"notifications-bell-open-{width}")
    # and Escape closes it, back on the bell
    page.keyboard.press("Escape")
    expect(page.locator("details[data-notification-bell]")).not_to_have_attribute("open", "")
    expect(bell).to_be_focused()
    # when an entry is opened, it is read and its page shows
    bell.click()
    page.get_by_role("link", name=re.compile("Weekly digest is ready")).click()
    expect(page).to_have_url(f"{live_server.url}/contacts/")
    expect(page.locator(".notification-count")).to_have_text("1")
    # when "Mark all as read" is pressed in the dropdown
    page.locator("[data-notification-summary]").click()
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator(".notification-entry--unread")).to_have_count(0)
    expect(page.locator(".notification-count")).to_have_count(0)
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_the_badge_refreshes_when_the_tab_shows_again(live_server, page):
    user = UserFactory(email="ada@example.com")
    sign_in(page, live_server.url, user)
    expect(page.locator(".notification-count")).to_have_count(0)
    # when something is notified while the page is open, and the tab becomes visible again
    services.notify(user=user, kind=DIGEST.key, title="New")
    page.wait_for_load_state("networkidle")  # bell.js (deferred) listens by now
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    # then the badge shows it without a reload
    expect(page.locator(".notification-count")).to_have_text("1")


def test_the_notifications_page_marks_one_read_in_place(live_server, page, screenshot):
    user = UserFactory(email="ada@example.com")
    services.notify(user=user, kind=DIGEST.key, title="First", body="A body line.")
    services.notify(user=user, kind=DIGEST.key, title="Second")
    sign_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/notifications/")
    page.get_by_role("button", name=re.compile("Mark as read.*Second")).click()
    expect(page.locator(".notification-item--unread")).to_have_count(1)
    expect(page.locator(".notification-count")).to_have_text("1")
    expect(page).to_have_url(f"{live_server.url}/notifications/")
    assert severe_violations(page) == set()
    screenshot("notifications-list")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_notification_pages_have_no_serious_axe_violation(live_server, page, width):
    page.set_viewport_size({"width": width, "height": 800})
    user = UserFactory(email="ada@example.com")
    services.notify(user=user, kind=DIGEST.key, title="Unread one", body="With a body.", url="/contacts/")
    services.mark_read(
        actor=user, notification_id=services.notify(user=user, kind=DIGEST.key, title="Read").pk
    )
    sign_in(page, live_server.url, user)
    found = {}
    for path in ("/notifications/", "/notifications/?show=unread", "/notifications/preferences/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        found[path] = severe_violations(page)
    assert found == {path: set() for path in found}
