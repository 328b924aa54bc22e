"""Issue 7's faults on the import pages: NUL bytes past the sniffed head, and a multipart POST without its
boundary. Driven through the upload page with the test client, as a browser or a script would send them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.contacts.models import Contact
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.imports.models import ImportJob

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def upload_directory(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path / "imports"


@pytest.fixture
def seller(client):
    user = UserFactory(email="seller@example.com", role=Role.SALES)
    client.force_login(user)
    return user


def test_a_nul_byte_after_the_first_64_kb_refuses_the_whole_file(client, seller, upload_directory):
    rows = "".join(f"person{number}@example.com,Person {number}\n" for number in range(3_000))
    data = ("Email,First Name\n" + rows).encode() + b"late@example.com,La\x00te\n"
    assert len(data) > 64 * 1024 and data.index(b"\x00") > 64 * 1024

    response = client.post(
        "/imports/new/",
        {"object_type": "contact", "file": SimpleUploadedFile("people.csv", data, content_type="text/csv")},
    )

    offset = data.index(b"\x00")
    assert response.status_code == 400
    assert (
        f"This file is not a text file (it contains binary data: a NUL byte at byte {offset:,}). "
        "Upload a CSV file or an Excel (.xlsx) workbook." in response.content.decode()
    )
    assert not ImportJob.objects.exists()
    assert list(upload_directory.iterdir()) == []
    assert Contact.objects.count() == 0


def test_a_multipart_post_without_a_boundary_is_a_clear_400(seller):
    from django.test import Client

    # With the CSRF check on, as a real browser session has it: the check is what read the body and failed.
    client = Client(enforce_csrf_checks=True)
    client.force_login(seller)
    response = client.generic(
        "POST",
        "/imports/new/",
        b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n',
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    assert "The upload could not be read" in response.content.decode()
    assert not ImportJob.objects.exists()
