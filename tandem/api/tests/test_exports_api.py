"""/api/v1/exports: start (always in the background), poll, download; the token's scopes and its user's rights."""

import csv
import io

import openpyxl
import pytest
from django.core.cache import cache

from tandem.api import services as token_services
from tandem.api.models import ApiScope
from tandem.contacts.models import LifecycleStage
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Role
from tandem.exports.models import ExportJob

pytestmark = pytest.mark.django_db


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


def start(client, headers, payload, capture=None):
    if capture is None:
        return client.post("/api/v1/exports", payload, content_type="application/json", **headers)
    with capture(execute=True):
        return client.post("/api/v1/exports", payload, content_type="application/json", **headers)


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content[3:].decode("utf-8"), newline="")))


def test_a_filtered_csv_export_runs_in_the_background_and_downloads(
    client, django_capture_on_commit_callbacks
):
    # Given two customers among leads, one customer in the trash
    user = UserFactory(role=Role.ADMIN)
    headers = token_for(user)
    first = ContactFactory(first_name="Ada", last_name="Lovelace", lifecycle_stage=LifecycleStage.CUSTOMER)
    second = ContactFactory(first_name="Bob", last_name="Marley", lifecycle_stage=LifecycleStage.CUSTOMER)
    ContactFactory(lifecycle_stage=LifecycleStage.LEAD)
    ContactFactory(lifecycle_stage=LifecycleStage.CUSTOMER, deleted_at=first.created_at)

    # When an export of the customers is started (its task runs when the request's transaction commits)
    response = start(
        client,
        headers,
        {
            "object_type": "contact",
            "format": "csv",
            "columns": ["lifecycle_stage"],
            "filters": {"stage": "customer"},
        },
        django_capture_on_commit_callbacks,
    )

    # Then the answer is the queued job; polling shows it finished with a download link
    body = response.json()
    assert response.status_code == 202
    job = ExportJob.objects.get()
    assert (body["id"], body["status"], body["object_type"], body["format"], body["download_url"]) == (
        job.pk,
        "queued",
        "contact",
        "csv",
        None,
    )
    assert body["columns"] == ["id", "first_name", "last_name", "email", "lifecycle_stage"]
    assert (job.delivery, job.query, job.user_id) == ("file", "stage=customer", user.pk)

    polled = client.get(f"/api/v1/exports/{job.pk}", **headers).json()
    assert (polled["status"], polled["row_count"], polled["processed_rows"], polled["percent"]) == (
        "finished",
        2,
        2,
        100,
    )
    assert polled["download_url"] == f"/api/v1/exports/{job.pk}/download"

    downloaded = client.get(polled["download_url"], **headers)
    assert downloaded.status_code == 200
    assert downloaded["Content-Disposition"].startswith('attachment; filename="contacts-')
    rows = read_csv(b"".join(downloaded.streaming_content))
    # newest first, as the contacts list shows them
    assert rows[1:] == [
        [str(second.pk), "Bob", "Marley", second.email, "Customer"],
        [str(first.pk), "Ada", "Lovelace", first.email, "Customer"],
    ]


def test_an_xlsx_export_of_companies_needs_only_companies_read(client, django_capture_on_commit_callbacks):
    user = UserFactory(role=Role.ADMIN)
    headers = token_for(user, scopes=["companies:read"])
    company = CompanyFactory(name="Acme", domain="acme.example")

    response = start(
        client,
        headers,
        {"object_type": "company", "format": "xlsx", "columns": []},
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 202
    job = ExportJob.objects.get()
    downloaded = client.get(f"/api/v1/exports/{job.pk}/download", **headers)
    assert downloaded.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(downloaded.streaming_content))).active
    rows = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert rows == [[company.pk, "Acme", "acme.example"]]


def test_an_export_holds_only_what_the_user_may_see(client, django_capture_on_commit_callbacks):
    # Given a read-only user who sees their team's contacts only
    team = TeamFactory(name="North")
    reader = UserFactory(role=Role.READ_ONLY, team=team)
    colleague = UserFactory(role=Role.SALES, team=team)
    mine = ContactFactory(owner=colleague)
    ContactFactory(owner=UserFactory(role=Role.SALES, team=TeamFactory(name="South")))

    start(
        client,
        token_for(reader),
        {"object_type": "contact", "format": "csv"},
        django_capture_on_commit_callbacks,
    )

    job = ExportJob.objects.get()
    content = b"".join(
        client.get(f"/api/v1/exports/{job.pk}/download", **token_for(reader)).streaming_content
    )
    assert [row[0] for row in read_csv(content)[1:]] == [str(mine.pk)]


def test_without_the_read_scope_of_the_type_nothing_is_exported(client, django_capture_on_commit_callbacks):
    user = UserFactory(role=Role.ADMIN)
    ContactFactory()

    response = start(
        client,
        token_for(user, scopes=["companies:read"]),
        {"object_type": "contact", "format": "csv"},
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "forbidden",
        "message": "This token does not have the contacts:read scope.",
        "fields": {},
    }
    assert ExportJob.objects.count() == 0


def test_another_users_export_is_not_found(client, django_capture_on_commit_callbacks):
    owner = UserFactory(role=Role.ADMIN)
    stranger = UserFactory(role=Role.ADMIN)
    ContactFactory()
    start(
        client,
        token_for(owner),
        {"object_type": "contact", "format": "csv"},
        django_capture_on_commit_callbacks,
    )
    job = ExportJob.objects.get()

    seen = client.get(f"/api/v1/exports/{job.pk}", **token_for(stranger))
    fetched = client.get(f"/api/v1/exports/{job.pk}/download", **token_for(stranger))

    assert (seen.status_code, fetched.status_code) == (404, 404)
    assert fetched.json()["error"]["code"] == "not_found"


def test_a_file_not_ready_yet_is_not_found(client):
    user = UserFactory(role=Role.ADMIN)
    headers = token_for(user)
    ContactFactory()

    # The background task never runs here: the test's transaction is not committed.
    job_id = start(client, headers, {"object_type": "contact", "format": "csv"}).json()["id"]

    assert client.get(f"/api/v1/exports/{job_id}", **headers).json()["status"] == "queued"
    assert client.get(f"/api/v1/exports/{job_id}/download", **headers).status_code == 404


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        (
            {"object_type": "contact", "format": "csv", "filters": {"stage": "nonsense"}},
            {"filters": "“nonsense” is not a lifecycle stage; that filter was ignored."},
        ),
        (
            {"object_type": "contact", "format": "csv", "columns": ["secret"]},
            {"columns": "“secret” is not a contact export column."},
        ),
        ({"object_type": "contact", "format": "pdf"}, {"format": "Input should be 'csv' or 'xlsx'"}),
    ],
)
def test_invalid_requests_are_refused_and_start_nothing(client, payload, fields):
    user = UserFactory(role=Role.ADMIN)

    response = start(client, token_for(user), payload)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == fields
    assert ExportJob.objects.count() == 0
