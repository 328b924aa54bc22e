"""Real files through POST /api/v1/imports (issue 7): an .xlsx workbook built with openpyxl, imported end to end,
and the bad-rows CSV endpoint. (Added by the imports helper: these drive the import engine through the API.)"""

import io

import openpyxl
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.api import services as token_services
from tandem.api.models import ApiScope
from tandem.contacts.models import Contact
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role

pytestmark = pytest.mark.django_db

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    cache.clear()
    yield
    cache.clear()


def token_for(user) -> dict:
    _token, plain = token_services.create_token(actor=user, name="test", scopes=list(ApiScope.values))
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def workbook_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_workbook_uploaded_through_the_api_is_imported(client, django_capture_on_commit_callbacks):
    headers = token_for(UserFactory(role=Role.SALES))
    data = workbook_bytes(
        [
            ["Email", "First Name", "Phone"],
            ["ada@example.com", "Ada", 4930123456],
            ["bob@example.com", "Bob", None],
        ]
    )

    created = client.post(
        "/api/v1/imports",
        {"object_type": "contact", "file": SimpleUploadedFile("people.xlsx", data, content_type=XLSX_TYPE)},
        **headers,
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["file_kind"], body["headers"], body["mapping"]) == (
        "xlsx",
        ["Email", "First Name", "Phone"],
        {"0": "email", "1": "first_name", "2": "phone"},
    )
    checked = client.post(f"/api/v1/imports/{body['id']}/dry-run", **headers)
    assert checked.json()["dry_run_report"]["to_create"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/v1/imports/{body['id']}/start", **headers)
    assert started.status_code == 202
    assert client.get(f"/api/v1/imports/{body['id']}", **headers).json()["status"] == "done"
    assert sorted(Contact.objects.values_list("email", "first_name", "phone")) == [
        ("ada@example.com", "Ada", "+14930123456"),
        ("bob@example.com", "Bob", ""),
    ]


def test_the_bad_rows_download_through_the_api_has_row_numbers_and_a_bom(
    client, django_capture_on_commit_callbacks
):
    headers = token_for(UserFactory(role=Role.SALES))
    data = b"Email,First Name\nada@example.com,Ada\nnot-an-email,Bad\n=cmd(),Evil\n"
    created = client.post(
        "/api/v1/imports",
        {"object_type": "contact", "file": SimpleUploadedFile("people.csv", data, content_type="text/csv")},
        **headers,
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/imports/{created['id']}/start", **headers)

    response = client.get(f"/api/v1/imports/{created['id']}/errors.csv", **headers)

    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="people-errors.csv"'
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == "Row,Email,First Name,Error"
    assert lines[1].startswith("3,not-an-email,Bad,")
    assert lines[2].startswith("4,'=cmd(),Evil,")
    assert client.get(f"/api/v1/imports/{created['id']}/errors.csv").status_code == 401
