"""The import pages through Django's test client: upload, mapping, dry run, run, progress, bad rows, undo."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.contacts.models import Contact
from tandem.contacts.tests.factories import ContactFactory, UserFactory
from tandem.core.models import Role
from tandem.imports.models import ImportJob, Status

pytestmark = pytest.mark.django_db

CSV = (
    b"First Name,Last Name,Email Address,Favourite colour\n"
    b"Ada,Lovelace,ada@example.com,green\n"
    b"Grace,Hopper,grace@example.com,blue\n"
    b"Bad,Row,not-an-email,red\n"
)


@pytest.fixture(autouse=True)
def upload_directory(settings, tmp_path):
    # Uploads are stored under VAR_DIR/imports; each test keeps its own.
    settings.VAR_DIR = tmp_path
    return tmp_path / "imports"


@pytest.fixture
def admin():
    return UserFactory(email="admin@example.com", role=Role.ADMIN)


@pytest.fixture
def seller():
    return UserFactory(email="seller@example.com", role=Role.SALES)


@pytest.fixture
def reader():
    return UserFactory(email="reader@example.com", role=Role.READ_ONLY)


def upload(client, data: bytes = CSV, name: str = "people.csv", object_type: str = "contact"):
    return client.post(
        "/imports/new/",
        {"object_type": object_type, "file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def selected_targets(html: str) -> dict[str, str]:
    """{select name: selected value} for the column selects of the mapping page."""
    selects = re.findall(r'<select name="(column_\d+)"[^>]*>(.*?)</select>', html, flags=re.S)
    chosen = {}
    for name, options in selects:
        match = re.search(r'<option value="([^"]*)" selected>', options)
        chosen[name] = match.group(1) if match else ""
    return chosen


def test_upload_stores_the_file_and_shows_the_guessed_mapping(client, seller, upload_directory):
    client.force_login(seller)

    response = upload(client)

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{job.pk}/mapping/"
    assert (job.created_by, job.object_type, job.original_name, job.status) == (
        seller,
        "contact",
        "people.csv",
        Status.UPLOADED,
    )
    assert [path.read_bytes() for path in upload_directory.iterdir()] == [CSV]

    page = client.get(f"/imports/{job.pk}/mapping/")

    html = page.content.decode()
    assert page.status_code == 200
    assert selected_targets(html) == {
        "column_0": "first_name",
        "column_1": "last_name",
        "column_2": "email",
        "column_3": "",
    }
    # Three sample values of a column, in file order.
    assert re.findall(r'<span class="cell-sub"><bdi>([^<]*)</bdi></span>', html)[:3] == [
        "Ada",
        "Grace",
        "Bad",
    ]


def test_refused_file_shows_the_reason_on_the_form_and_stores_nothing(client, seller, upload_directory):
    client.force_login(seller)
    wide = (",".join(f"c{number}" for number in range(10_000)) + "\n").encode()

    response = upload(client, wide, name="wide.csv")

    assert response.status_code == 400
    assert "This file has 10,000 columns; Tandem imports at most 500." in response.content.decode()
    assert ImportJob.objects.count() == 0
    assert list(upload_directory.iterdir()) == []


def test_read_only_user_may_not_import_and_nothing_is_created(client, reader, upload_directory):
    client.force_login(reader)

    page = client.get("/imports/new/?object_type=contact")
    response = upload(client)

    assert (page.status_code, response.status_code) == (403, 403)
    assert ImportJob.objects.count() == 0
    assert not upload_directory.exists() or list(upload_directory.iterdir()) == []


def test_someone_elses_import_is_not_found(client, seller, admin):
    client.force_login(admin)
    upload(client)
    job = ImportJob.objects.get()
    client.force_login(seller)

    responses = [
        client.get(f"/imports/{job.pk}/").status_code,
        client.get(f"/imports/{job.pk}/mapping/").status_code,
        client.post(f"/imports/{job.pk}/start/").status_code,
        client.post(f"/imports/{job.pk}/undo/").status_code,
    ]

    assert responses == [404, 404, 404, 404]
    job.refresh_from_db()
    assert job.status == Status.UPLOADED


def test_import_list_shows_my_imports_and_an_admin_sees_all(client, seller, admin):
    client.force_login(seller)
    upload(client, name="mine.csv")
    client.force_login(admin)
    upload(client, name="admins.csv")

    admin_page = client.get("/imports/").content.decode()
    client.force_login(seller)
    seller_page = client.get("/imports/").content.decode()

    listed = r'<td class="cell-primary"><a href="/imports/\d+/"><bdi>([^<]*)</bdi></a>'
    assert re.findall(listed, admin_page) == ["admins.csv", "mine.csv"]
    assert re.findall(listed, seller_page) == ["mine.csv"]


def test_full_flow_map_dry_run_run_errors_and_undo(client, seller, django_capture_on_commit_callbacks):
    client.force_login(seller)
    ContactFactory(email="grace@example.com", first_name="Grace", last_name="Old", owner=seller)
    upload(client)
    job = ImportJob.objects.get()

    # when: the mapping is saved (the colour column stays out), the dry run shows its report
    response = client.post(
        f"/imports/{job.pk}/mapping/",
        {
            "column_0": "first_name",
            "column_1": "last_name",
            "column_2": "email",
            "column_3": "",
            "key": "email",
            "mode": "update",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{job.pk}/dry-run/"
    report = client.get(f"/imports/{job.pk}/dry-run/").content.decode()
    assert "Run import" in report
    assert re.search(r'<td class="num">4</td><td><bdi>[^<]+</bdi></td>', report), report
    assert Contact.objects.filter(email="ada@example.com").count() == 0

    # when: it runs (tasks run inline in tests)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{job.pk}/start/")
    assert response["Location"] == f"/imports/{job.pk}/"
    detail = client.get(f"/imports/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert (job.created_count, job.updated_count, job.failed_count) == (1, 1, 1)
    assert 'max="100" value="100"' in detail
    assert 'hx-trigger="every 1s"' not in detail
    assert f'href="/imports/{job.pk}/errors.csv"' in detail
    assert sorted(Contact.objects.values_list("email", "last_name")) == [
        ("ada@example.com", "Lovelace"),
        ("grace@example.com", "Hopper"),
    ]

    # the bad rows download as CSV with the file's columns and the reason
    errors = client.get(f"/imports/{job.pk}/errors.csv")
    lines = b"".join(errors.streaming_content).decode().splitlines()
    assert errors["Content-Type"] == "text/csv; charset=utf-8"
    assert lines[0] == "\ufeffRow,First Name,Last Name,Email Address,Favourite colour,Error"
    assert lines[1].startswith("4,Bad,Row,not-an-email,red,")

    # when: it is undone
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{job.pk}/undo/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Status.UNDONE
    assert sorted(Contact.objects.filter(deleted_at__isnull=True).values_list("email", "last_name")) == [
        ("grace@example.com", "Old")
    ]


def test_detail_polls_while_running_and_the_poll_gets_only_the_progress(client, seller):
    client.force_login(seller)
    upload(client)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, total_rows=3, processed_rows=1)

    page = client.get(f"/imports/{job.pk}/").content.decode()
    fragment = client.get(
        f"/imports/{job.pk}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="import-progress"
    ).content.decode()

    assert f'hx-get="/imports/{job.pk}/" hx-trigger="every 1s"' in page
    assert 'max="100" value="33"' in page
    assert fragment.lstrip().startswith('<section id="import-progress"')
    assert "<h1>" not in fragment


def test_mapping_a_field_twice_is_shown_on_the_form(client, seller):
    client.force_login(seller)
    upload(client)
    job = ImportJob.objects.get()

    response = client.post(
        f"/imports/{job.pk}/mapping/",
        {
            "column_0": "first_name",
            "column_1": "first_name",
            "column_2": "email",
            "column_3": "",
            "key": "email",
            "mode": "update",
        },
    )

    assert response.status_code == 400
    assert "are both mapped to the same field; map each field once." in response.content.decode()
    job.refresh_from_db()
    assert job.mapping == {"0": "first_name", "1": "last_name", "2": "email", "3": ""}


def test_list_pages_and_sidebar_link_to_import(client, seller, reader):
    client.force_login(seller)

    contacts = client.get("/contacts/").content.decode()
    companies = client.get("/companies/").content.decode()

    assert 'href="/imports/new/?object_type=contact">Import</a>' in contacts
    assert 'href="/imports/new/?object_type=company">Import</a>' in companies
    assert re.search(r'<a href="/imports/"[^>]*>', contacts)
    client.force_login(reader)
    read_only_page = client.get("/contacts/").content.decode()
    assert "/imports/" not in read_only_page


def test_the_dry_run_names_a_custom_property_by_its_label_and_a_company_by_its_name(client, seller):
    # Given a contact without a company or renewal date, a company, and a file giving the contact both
    from tandem.contacts.models import Company, PropertyType
    from tandem.contacts.tests.factories import PropertyDefinitionFactory

    client.force_login(seller)
    PropertyDefinitionFactory(name="renewal_date", label="Renewal date", value_type=PropertyType.DATE)
    acme = Company.objects.create(name="Acme Rockets", domain="acme.example", owner=seller)
    ContactFactory(email="grace@example.com", first_name="Grace", owner=seller)
    upload(client, b"Email Address,Company,Renewal date\ngrace@example.com,Acme Rockets,2026-09-30\n")
    job = ImportJob.objects.get()

    # When the mapping is saved and the dry run's report is shown
    client.post(
        f"/imports/{job.pk}/mapping/",
        {
            "column_0": "email",
            "column_1": "company",
            "column_2": "property:renewal_date",
            "key": "email",
            "mode": "update",
        },
    )
    page = client.get(f"/imports/{job.pk}/dry-run/").content.decode()
    job.refresh_from_db()

    # Then the page names the property by its label and the company by its name, never by key or id
    assert "<td>Renewal date</td><td>(empty)</td><td>2026-09-30</td>" in page
    assert "<td>Company</td><td>(empty)</td><td>Acme Rockets</td>" in page
    assert "property:renewal_date" not in page.split('id="change-samples"')[1]
    # and the stored report keeps the company machine-readable, under the field's name
    assert job.dry_run_report["fields_to_change"] == {"company": 1, "property:renewal_date": 1}
    assert job.dry_run_report["update_samples"] == [
        {
            "row": 2,
            "changes": {
                "company": [None, {"id": acme.pk, "name": "Acme Rockets"}],
                "property:renewal_date": [None, "2026-09-30"],
            },
        }
    ]
