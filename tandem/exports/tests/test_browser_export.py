"""Export in a real browser: filter the list (htmx), press Export, get the file of exactly the filtered rows."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tandem.contacts.models import LifecycleStage
from tandem.contacts.tests.factories import PASSWORD, ContactFactory, UserFactory
from tandem.core.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_the_list_then_export_downloads_the_filtered_contacts(live_server, page, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    user = UserFactory(email="ex@example.com", role=Role.SALES)
    customer = ContactFactory(first_name="Cora", lifecycle_stage=LifecycleStage.CUSTOMER)
    ContactFactory(first_name="Lena", lifecycle_stage=LifecycleStage.LEAD)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in|log in", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))

    # when: the list is filtered by htmx (the page itself is not reloaded), then Export is pressed
    page.goto(f"{live_server.url}/contacts/")
    page.get_by_text("More filters").click()
    page.get_by_label("Customer").check()
    expect(page.locator("#contact-results").get_by_role("link", name=re.compile("Lena"))).to_have_count(0)
    page.get_by_role("link", name="Export", exact=True).click()

    # then: the export page carries the filter the list shows now, and the download holds only those rows
    expect(page.get_by_role("heading", name="Export contacts")).to_be_visible()
    expect(page.get_by_text("Stage: Customer")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export", exact=True).click()
    content = download_info.value.path().read_bytes()
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert [row[:2] for row in rows] == [["Record ID", "First name"], [str(customer.pk), "Cora"]]


def test_an_xlsx_export_shows_its_progress_page_and_downloads(live_server, page, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    user = UserFactory(email="xl@example.com", role=Role.ADMIN)
    ContactFactory.create_batch(3)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in|log in", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))

    # when: XLSX is chosen (always prepared in the background; tasks run at once in tests)
    page.goto(f"{live_server.url}/exports/contacts/new/")
    page.get_by_label("Excel (XLSX)").check()
    page.get_by_role("button", name="Export", exact=True).click()

    # then: the export's page shows it finished, with a full progress bar and the file to download
    expect(page.get_by_text("3 rows exported.")).to_be_visible()
    expect(page.locator("progress#export-progress-bar")).to_have_attribute("value", "100")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").click()
    assert download_info.value.suggested_filename.endswith(".xlsx")
