"""Issue 7: an .xlsx workbook uploaded in a real browser is read, mapped, checked and imported."""

import re

import openpyxl
import pytest
from playwright.sync_api import expect

from tandem.contacts.models import Contact
from tandem.contacts.tests.factories import PASSWORD, UserFactory
from tandem.core.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def upload_directory(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_an_xlsx_workbook_is_imported_from_the_upload_page(live_server, page, tmp_path):
    given_user = UserFactory(email="mara@example.com", role=Role.SALES)
    workbook = openpyxl.Workbook()
    workbook.active.append(["Email Address", "First Name", "Last Name"])
    workbook.active.append(["juniper.okafor@example.org", "Juniper", "Okafor"])
    workbook.active.append(["tomasz.wren@example.org", "Tomasz", "Wren"])
    given_file = tmp_path / "people.xlsx"
    workbook.save(given_file)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(given_user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in|log in", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))
    page.goto(f"{live_server.url}/imports/new/?object_type=contact")
    page.get_by_label("File", exact=True).set_input_files(str(given_file))
    page.get_by_role("button", name="Upload and map columns").click()

    expect(page.get_by_role("heading", name="Map columns")).to_be_visible()
    expect(page.get_by_label("Import “Email Address” into")).to_have_value("email")
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator('[data-count="to_create"]')).to_have_text("2")
    page.get_by_role("button", name="Run import").click()
    expect(page.locator('[data-count="created"]')).to_have_text("2")
    assert sorted(Contact.objects.values_list("email", "first_name", "last_name")) == [
        ("juniper.okafor@example.org", "Juniper", "Okafor"),
        ("tomasz.wren@example.org", "Tomasz", "Wren"),
    ]
