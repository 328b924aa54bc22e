"""Issue 3's import journey in a real browser: upload a CSV, map a column, read the dry-run report, run it,
see the finished progress bar, find the rows in the contacts list, undo it and see them gone."""

import re

import pytest
from playwright.sync_api import expect

from tandem.contacts.models import Contact
from tandem.contacts.tests.factories import PASSWORD, UserFactory
from tandem.core.models import Role
from tandem.imports.models import ImportJob, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "Email Address,First Name,Family\n"
    "juniper.okafor@example.org,Juniper,Okafor\n"
    "tomasz.wren@example.org,Tomasz,Wren\n"
    "not-an-email,Broken,Row\n"
)


@pytest.fixture(autouse=True)
def upload_directory(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_import_a_csv_map_run_find_and_undo(live_server, page, screenshot, tmp_path):
    given_user = UserFactory(email="mara@example.com", first_name="Mara", role=Role.SALES)
    given_file = tmp_path / "people.csv"
    given_file.write_text(CSV, encoding="utf-8")

    # when: log in and upload the file from the contacts list's Import button
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(given_user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in|log in", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))
    page.goto(f"{live_server.url}/contacts/")
    page.locator(".page-actions").get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("File", exact=True).set_input_files(str(given_file))
    page.get_by_role("button", name="Upload and map columns").click()

    # when: the unguessed "Family" column is mapped to the last name
    expect(page.get_by_role("heading", name="Map columns")).to_be_visible()
    expect(page.get_by_label("Import “Email Address” into")).to_have_value("email")
    expect(page.get_by_label("Import “Family” into")).to_have_value("")
    page.get_by_label("Import “Family” into").select_option("last_name")
    screenshot("import-mapping")
    page.get_by_role("button", name="Check the file").click()

    # then: the dry-run report counts the rows and names the bad one by its row number
    expect(page.get_by_role("heading", name="Dry-run report")).to_be_visible()
    expect(page.locator('[data-count="to_create"]')).to_have_text("2")
    expect(page.locator('[data-count="invalid_rows"]')).to_have_text("1")
    problem = page.locator("#dry-run-report tbody tr").first
    expect(problem.locator("td").first).to_have_text("4")
    assert Contact.objects.count() == 0
    screenshot("import-dry-run")

    # when: it runs; the progress bar shows the finished state
    page.get_by_role("button", name="Run import").click()
    progress = page.locator("progress#import-progress-bar")
    expect(progress).to_have_attribute("value", "100")
    assert progress.get_attribute("max") == "100"
    expect(page.locator('[data-count="created"]')).to_have_text("2")
    expect(page.locator('[data-count="failed"]')).to_have_text("1")
    expect(page.get_by_role("link", name="Download rows with errors (CSV)")).to_be_visible()
    screenshot("import-done")
    detail_url = page.url

    # then: the rows are in the contacts list
    page.goto(f"{live_server.url}/contacts/")
    results = page.locator("#contact-results")
    expect(results.get_by_role("link", name="Juniper Okafor")).to_be_visible()
    expect(results.get_by_role("link", name="Tomasz Wren")).to_be_visible()

    # when: the import is undone (confirming the question)
    page.goto(detail_url)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Undo import").click()
    expect(page.locator("#import-progress .badge")).to_have_text("Undone")

    # then: the rows are gone from the list
    page.goto(f"{live_server.url}/contacts/")
    expect(page.locator("#contact-results").get_by_role("link", name="Juniper Okafor")).to_have_count(0)
    expect(page.locator("#contact-results").get_by_role("link", name="Tomasz Wren")).to_have_count(0)
    job = ImportJob.objects.get()
    assert job.status == Status.UNDONE
    assert Contact.objects.filter(deleted_at__isnull=True).count() == 0
