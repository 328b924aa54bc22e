"""A file name or a header with a right-to-left override (U+202E) is isolated on every import page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.core.testing import unisolated_bidi_text
from tandem.imports.models import ImportJob

pytestmark = pytest.mark.django_db

RLO = "\u202e"


def test_file_names_headers_and_values_are_isolated_on_the_import_pages(client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client.force_login(UserFactory(email="seller@example.com", role=Role.SALES, first_name=f"{RLO}anA"))
    data = f"First Name,Email,{RLO}roloc\n{RLO}adA,ada@example.com,{RLO}neerg\n".encode()

    client.post(
        "/imports/new/",
        {"object_type": "contact", "file": SimpleUploadedFile(f"{RLO}vsc.exe", data, content_type="text/csv")},
    )
    job = ImportJob.objects.get()
    pages = {
        "list": client.get("/imports/").content.decode(),
        "detail": client.get(f"/imports/{job.pk}/").content.decode(),
        "mapping": client.get(f"/imports/{job.pk}/mapping/").content.decode(),
    }

    assert {name: unisolated_bidi_text(page) for name, page in pages.items()} == {name: [] for name in pages}
