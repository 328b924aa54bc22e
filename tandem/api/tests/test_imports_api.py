"""/api/v1/imports: upload, mapping, dry run, start, status, undo, with the token's scopes and its user's rights."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.api import services as token_services
from tandem.api.models import ApiScope
from tandem.contacts.models import Contact
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.imports.models import ImportJob, Status

pytestmark = pytest.mark.django_db

CSV = b"Email,First Name,Colour\nada@example.com,Ada,green\nbob@example.com,Bob,blue\n"


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    cache.clear()  # rate-limit counters outlive the test's transaction
    yield
    cache.clear()


def token_for(user, scopes=None) -> dict:
    _token, plain = token_services.create_token(
        actor=user, name="test", scopes=scopes or list(ApiScope.values)
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def upload(client, headers, data=CSV, object_type="contact"):
    return client.post(
        "/api/v1/imports",
        {"object_type": object_type, "file": SimpleUploadedFile("people.csv", data, content_type="text/csv")},
        **headers,
    )


def test_upload_map_dry_run_start_poll_and_undo(client, django_capture_on_commit_callbacks):
    user = UserFactory(role=Role.SALES)
    headers = token_for(user)

    created = upload(client, headers)
    body = created.json()
    import_id = body["id"]
    assert created.status_code == 201
    assert (body["status"], body["headers"], body["mapping"], body["key"], body["mode"]) == (
        "uploaded",
        ["Email", "First Name", "Colour"],
        {"0": "email", "1": "first_name", "2": ""},
        "email",
        "update",
    )
    assert (body["file_kind"], body["encoding"], body["delimiter"]) == ("csv", "utf-8", ",")

    patched = client.patch(
        f"/api/v1/imports/{import_id}/mapping",
        {"mode": "skip"},
        content_type="application/json",
        **headers,
    )
    assert patched.status_code == 200
    assert (patched.json()["mapping"], patched.json()["mode"]) == (
        {"0": "email", "1": "first_name", "2": ""},
        "skip",
    )

    checked = client.post(f"/api/v1/imports/{import_id}/dry-run", **headers)
    assert checked.status_code == 200
    assert checked.json()["status"] == "ready"
    assert Contact.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/v1/imports/{import_id}/start", **headers)
    assert started.status_code == 202
    status = client.get(f"/api/v1/imports/{import_id}", **headers).json()
    assert (status["status"], status["created"], status["updated"], status["failed"], status["percent"]) == (
        "done",
        2,
        0,
        0,
        100,
    )
    assert sorted(Contact.objects.values_list("email", "first_name")) == [
        ("ada@example.com", "Ada"),
        ("bob@example.com", "Bob"),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        undone = client.post(f"/api/v1/imports/{import_id}/undo", **headers)
    assert undone.status_code == 202
    assert client.get(f"/api/v1/imports/{import_id}", **headers).json()["status"] == "undone"
    assert Contact.objects.filter(deleted_at__isnull=True).count() == 0


def test_put_mapping_replaces_it_and_reports_errors_by_field(client):
    user = UserFactory(role=Role.SALES)
    headers = token_for(user)
    import_id = upload(client, headers).json()["id"]

    refused = client.put(
        f"/api/v1/imports/{import_id}/mapping",
        {"mapping": {"0": "email", "1": "shoe_size"}, "key": "email", "mode": "update"},
        content_type="application/json",
        **headers,
    )
    accepted = client.put(
        f"/api/v1/imports/{import_id}/mapping",
        {"mapping": {"0": "email", "1": "", "2": "last_name"}, "key": "email", "mode": "fill_empty"},
        content_type="application/json",
        **headers,
    )

    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {
        "mapping.1": "“shoe_size” is not a field you can import into."
    }
    assert accepted.status_code == 200
    assert (accepted.json()["mapping"], accepted.json()["mode"]) == (
        {"0": "email", "1": "", "2": "last_name"},
        "fill_empty",
    )


def test_refused_file_is_a_400_with_the_reason(client):
    headers = token_for(UserFactory(role=Role.SALES))

    response = upload(client, headers, data=b"\x00\x01\x02binary")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "file": "This file is not a text file (it contains binary data). "
        "Upload a CSV file or an Excel (.xlsx) workbook."
    }
    assert ImportJob.objects.count() == 0


def test_read_only_user_gets_403_and_nothing_is_created(client, tmp_path):
    headers = token_for(UserFactory(role=Role.READ_ONLY))

    response = upload(client, headers)

    assert response.status_code == 403
    assert ImportJob.objects.count() == 0
    assert not (tmp_path / "imports").exists() or list((tmp_path / "imports").iterdir()) == []


def test_token_without_the_imports_scope_is_refused(client):
    headers = token_for(UserFactory(role=Role.SALES), scopes=["contacts:read", "contacts:write"])

    response = upload(client, headers)

    assert response.status_code == 403
    assert response.json()["error"]["message"] == "This token does not have the imports:write scope."
    assert ImportJob.objects.count() == 0


def test_another_users_import_is_not_found(client):
    owner_headers = token_for(UserFactory(role=Role.SALES))
    other_headers = token_for(UserFactory(role=Role.SALES))
    import_id = upload(client, owner_headers).json()["id"]

    answers = [
        client.get(f"/api/v1/imports/{import_id}", **other_headers).status_code,
        client.post(f"/api/v1/imports/{import_id}/start", **other_headers).status_code,
        client.post(f"/api/v1/imports/{import_id}/undo", **other_headers).status_code,
    ]

    assert answers == [404, 404, 404]
    assert ImportJob.objects.get().status == Status.UPLOADED


def test_operations_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert sorted(path for path in paths if path.startswith("/api/v1/imports")) == [
        "/api/v1/imports",
        "/api/v1/imports/{import_id}",
        "/api/v1/imports/{import_id}/dry-run",
        "/api/v1/imports/{import_id}/errors.csv",
        "/api/v1/imports/{import_id}/mapping",
        "/api/v1/imports/{import_id}/start",
        "/api/v1/imports/{import_id}/undo",
    ]
    assert sorted(paths["/api/v1/imports/{import_id}/mapping"]) == ["patch", "put"]
    assert "multipart/form-data" in paths["/api/v1/imports"]["post"]["requestBody"]["content"]


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary="])
def test_a_multipart_post_without_boundary_is_a_400_in_the_error_format(client, content_type):
    admin = UserFactory(email="mp@example.com", role=Role.ADMIN)

    response = client.generic(
        "POST", "/api/v1/imports", b"object_type=contact", content_type=content_type, **token_for(admin)
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "error": {
            "code": "bad_request",
            "message": "The request body is not a readable multipart form: send Content-Type: "
            "multipart/form-data with its boundary (HTTP clients add it when given the fields and the file).",
            "fields": {},
        }
    }
    assert ImportJob.objects.count() == 0


def test_the_dry_run_report_says_which_companies_it_creates_and_what_updates_change(client):
    # given a company written with accents, a contact of it, and a file naming the company in capitals
    # without them, another company that does not exist yet, and a change to the existing contact
    from tandem.contacts import services as contact_services

    user = UserFactory(role=Role.ADMIN)
    headers = token_for(user)
    company = contact_services.create_company(actor=user, values={"name": "Société Générale"})
    contact_services.create_contact(actor=user, values={"email": "marc@sg.example", "first_name": "Marc"})
    data = (
        b"Email,First Name,Company\n"
        b"marc@sg.example,Marcel,SOCIETE GENERALE\n"
        b"lea@sg.example,Lea,Societe  Generale\n"
        b"nina@new.example,Nina,Brand New Co\n"
    )
    import_id = upload(client, headers, data).json()["id"]

    # when it is checked through the API
    checked = client.post(f"/api/v1/imports/{import_id}/dry-run", **headers)
    report = client.get(f"/api/v1/imports/{import_id}", **headers).json()["dry_run_report"]

    # then the report, as the API declares it, says one company is created and the other two rows link
    assert checked.status_code == 200
    assert (report["to_create"], report["to_update"]) == (2, 1)
    assert (report["companies_to_create"], report["rows_linked_to_companies"]) == (1, 3)
    assert report["fields_to_change"] == {"first_name": 1, "company": 1}
    assert report["update_samples"] == [
        {
            "row": 2,
            "changes": {
                "first_name": ["Marc", "Marcel"],
                "company": [None, {"id": company.pk, "name": "Société Générale"}],
            },
        }
    ]
