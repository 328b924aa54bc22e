"""Issue 7: export header cells are user text too (a custom property's label): neutralised like every cell,
in CSV and XLSX, by the one spreadsheet-formula guard (tandem.core.spreadsheets)."""

import io

import openpyxl
import pytest

from tandem.contacts.models import PropertyType
from tandem.contacts.tests.factories import ContactFactory, PropertyDefinitionFactory, UserFactory
from tandem.core.models import Role
from tandem.exports.tests.test_exports import downloaded, post_export, read_csv, run_background, streamed

pytestmark = pytest.mark.django_db

LABEL = '=HYPERLINK("http://evil.example","Plan")'


@pytest.fixture(autouse=True)
def export_files(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_a_property_label_that_looks_like_a_formula_is_a_quoted_header_in_csv(client):
    PropertyDefinitionFactory(name="plan", label=LABEL, value_type=PropertyType.TEXT)
    ContactFactory(email="ada@example.com", properties={"plan": "Pro"})
    client.force_login(UserFactory(role=Role.ADMIN))

    rows = read_csv(streamed(post_export(client, columns=["property:plan"])))

    assert rows[0][-1] == "'" + LABEL
    assert rows[1][-1] == "Pro"


def test_a_property_label_that_looks_like_a_formula_is_a_text_header_in_xlsx(
    client, django_capture_on_commit_callbacks
):
    PropertyDefinitionFactory(name="plan", label=LABEL, value_type=PropertyType.TEXT)
    ContactFactory(email="ada@example.com", properties={"plan": "Pro"})
    client.force_login(UserFactory(role=Role.ADMIN))

    job = run_background(
        client, django_capture_on_commit_callbacks, file_format="xlsx", columns=["property:plan"]
    )
    workbook = openpyxl.load_workbook(io.BytesIO(downloaded(client.get(f"/exports/{job.pk}/download/"))))

    header = workbook["Contacts"][1][-1]
    assert (header.value, header.data_type) == ("'" + LABEL, "s")
