"""Issue 7: files exported by other products, uploaded through the import pages as a user does (test client),
with the guessed mapping: what they hold must survive the import."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.contacts.models import Company, Contact
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.imports.models import ImportJob, Status

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


def import_through_the_pages(client, data: bytes, capture, name: str = "people.csv", key: str = "email"):
    """Upload, keep the guessed mapping, check the file, run it; returns (dry-run report, job)."""
    response = client.post(
        "/imports/new/",
        {"object_type": "contact", "file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.latest("pk")
    mapping_page = client.get(f"/imports/{job.pk}/mapping/").content.decode()
    selected = dict(
        re.findall(
            r'<select name="(column_\d+)"[^>]*>.*?<option value="([^"]*)" selected>', mapping_page, re.S
        )
    )
    response = client.post(f"/imports/{job.pk}/mapping/", {**selected, "key": key, "mode": "update"})
    assert response.status_code == 302, response.content.decode()[:3000]
    report_page = client.get(f"/imports/{job.pk}/dry-run/").content.decode()
    job.refresh_from_db()
    report = job.dry_run_report
    with capture(execute=True):
        assert client.post(f"/imports/{job.pk}/start/").status_code == 302
    job.refresh_from_db()
    assert job.status == Status.DONE, job.error_message
    return report, report_page, job


def test_company_names_that_do_not_exist_yet_are_created_and_linked(
    client, seller, django_capture_on_commit_callbacks
):
    existing = Company.objects.create(name="Engines Ltd", domain="engines.example", owner=seller)
    data = (
        "First Name,Last Name,Email,Company Name\n"
        "Ada,Lovelace,ada@example.com,ENGINES LTD\n"
        "Grace,Hopper,grace@example.com,Société Générale\n"
        "Alan,Turing,alan@example.com,societe generale\n"
        "Kat,Johnson,kat@example.com,Swift Solar\n"
        "Nobody,Here,nobody@example.com,\n"
    ).encode()

    report, report_page, _job = import_through_the_pages(client, data, django_capture_on_commit_callbacks)

    assert (report["companies_to_create"], report["rows_linked_to_companies"]) == (2, 4)
    assert "Companies to create" in report_page
    assert Company.objects.count() == 3  # nothing was created by the dry run before the run
    linked = dict(Contact.objects.values_list("email", "company__name"))
    assert linked == {
        "ada@example.com": "Engines Ltd",
        "grace@example.com": "Société Générale",
        "alan@example.com": "Société Générale",
        "kat@example.com": "Swift Solar",
        "nobody@example.com": None,
    }
    assert Contact.objects.get(email="ada@example.com").company_id == existing.pk
    created = Company.objects.exclude(pk=existing.pk)
    assert sorted(created.values_list("name", "owner_id")) == [
        ("Société Générale", seller.pk),
        ("Swift Solar", seller.pk),
    ]
