"""The API takes Tandem's own id ("id", an export's "Record ID") as an import's match key (issue 7)."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.api import services as token_services
from tandem.api.models import ApiScope
from tandem.contacts.tests.factories import ContactFactory, UserFactory
from tandem.core.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    cache.clear()  # rate-limit counters outlive the test's transaction
    yield
    cache.clear()


def test_the_api_accepts_record_id_as_the_match_key(client, django_capture_on_commit_callbacks):
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    ada = ContactFactory(email="ada@example.com", first_name="A.")
    _token, plain = token_services.create_token(actor=admin, name="test", scopes=list(ApiScope.values))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    data = f"Record ID,First name\n{ada.pk},Ada\n".encode()
    created = client.post(
        "/api/v1/imports",
        {"object_type": "contact", "file": SimpleUploadedFile("export.csv", data, content_type="text/csv")},
        **headers,
    ).json()

    mapped_response = client.put(
        f"/api/v1/imports/{created['id']}/mapping",
        {"mapping": {"0": "id", "1": "first_name"}, "key": "id", "mode": "update"},
        content_type="application/json",
        **headers,
    )

    assert mapped_response.status_code == 200, mapped_response.content
    assert mapped_response.json()["key"] == "id"
    checked = client.post(f"/api/v1/imports/{created['id']}/dry-run", **headers)
    assert checked.json()["dry_run_report"]["to_update"] == 1
