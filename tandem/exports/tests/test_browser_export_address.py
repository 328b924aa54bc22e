"""Export from a filtered list: the export page has its own address (bookmarkable, reloadable, shareable)."""

import re

import pytest
from playwright.sync_api import expect

from tandem.contacts.models import LifecycleStage
from tandem.contacts.tests.factories import PASSWORD, ContactFactory, UserFactory
from tandem.core.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_export_from_the_filtered_list_shows_the_export_pages_address(live_server, page):
    user = UserFactory(email="ex@example.com", role=Role.SALES)
    ContactFactory(first_name="Cora", lifecycle_stage=LifecycleStage.CUSTOMER)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))
    page.goto(f"{live_server.url}/contacts/")
    page.get_by_text("More filters").click()
    page.get_by_label("Customer").check()
    expect(page).to_have_url(re.compile(r"/contacts/\?.*stage=customer"))

    page.get_by_role("link", name="Export", exact=True).click()

    expect(page.get_by_role("heading", name="Export contacts")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/exports/contacts/new/\?(.*&)?stage=customer"))
    page.reload()
    expect(page.get_by_text("Stage: Customer")).to_be_visible()


def test_export_right_after_typing_a_search_keeps_the_export_pages_address(live_server, page):
    user = UserFactory(email="ex@example.com", role=Role.SALES)
    ContactFactory(first_name="Cora", last_name="Quist", lifecycle_stage=LifecycleStage.CUSTOMER)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))
    page.goto(f"{live_server.url}/contacts/")

    # when: Export is pressed while the list's own search request (400 ms after typing) is still to come
    page.locator("#filter-search").fill("Quist")
    page.get_by_role("link", name="Export", exact=True).click()
    page.wait_for_timeout(1500)

    # then: the address is the export page's, with the search the list was about to show
    expect(page.get_by_role("heading", name="Export contacts")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/exports/contacts/new/\?(.*&)?q=Quist"))
