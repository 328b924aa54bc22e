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

    # when the import is undone, the companies it created go with its contacts; the existing one stays
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/imports/{_job.pk}/undo/").status_code == 302
    _job.refresh_from_db()
    assert _job.status == Status.UNDONE
    assert list(Company.objects.values_list("name", flat=True)) == ["Engines Ltd"]
    assert Contact.objects.count() == 0


MAILCHIMP = (
    "Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,CC,TAGS\n"
    'bea@example.com,Béa,Müller,2,2023-01-15 10:22:01,,2023-01-15 10:25:40,203.0.113.7,DE,"""vip"",""newsletter"""\n'
    'carl@example.com,Carl,Berg,3,2022-11-02 08:00:00,198.51.100.2,,,US,"""newsletter"""\n'
    "dora@example.com,Dora,Lind,1,,,,,GB,\n"
).encode()


def test_mailchimp_tags_lose_their_quotes_consent_times_become_evidence_and_cc_is_the_country(
    client, seller, django_capture_on_commit_callbacks
):
    import datetime

    from tandem.contacts.models import Consent

    import_through_the_pages(client, MAILCHIMP, django_capture_on_commit_callbacks, name="members.csv")

    assert sorted(Contact.objects.values_list("email", "country")) == [
        ("bea@example.com", "DE"),
        ("carl@example.com", "US"),
        ("dora@example.com", "GB"),
    ]
    tags = {
        contact.email: sorted(tag.name for tag in contact.tags.all())
        for contact in Contact.objects.prefetch_related("tags")
    }
    assert tags == {
        "bea@example.com": ["newsletter", "vip"],
        "carl@example.com": ["newsletter"],
        "dora@example.com": [],
    }
    utc = datetime.UTC
    assert sorted(
        Consent.objects.values_list(
            "contact__email", "purpose", "status", "method", "recorded_at", "confirmed_at", "ip_address"
        )
    ) == [
        (
            "bea@example.com",
            "marketing_email",
            "granted",
            "import",
            datetime.datetime(2023, 1, 15, 10, 22, 1, tzinfo=utc),
            datetime.datetime(2023, 1, 15, 10, 25, 40, tzinfo=utc),
            "203.0.113.7",
        ),
        (
            "carl@example.com",
            "marketing_email",
            "granted",
            "import",
            datetime.datetime(2022, 11, 2, 8, 0, tzinfo=utc),
            None,
            None,
        ),
    ]


def test_an_import_publishes_stage_changed_per_contact_and_keeps_first_touch_sources(
    client, seller, django_capture_on_commit_callbacks
):
    from tandem.contacts.models import StageChange
    from tandem.contacts.tests.factories import ContactFactory
    from tandem.core.models import Event

    kept = ContactFactory(email="kept@example.com", owner=seller, lifecycle_stage="lead", source="Webinar")
    data = (
        b"Email,Lifecycle Stage,Original Source,Source Medium\n"
        b"kept@example.com,Customer,Paid Search,cpc\n"
        b"new@example.com,MQL,Organic Search,\n"
    )
    Event.objects.all().delete()

    import_through_the_pages(client, data, django_capture_on_commit_callbacks)

    kept.refresh_from_db()
    created = Contact.objects.get(email="new@example.com")
    # first touch: the existing source stays, an empty first-touch field is filled
    assert (kept.lifecycle_stage, kept.source, kept.source_medium) == ("customer", "Webinar", "cpc")
    assert (created.lifecycle_stage, created.source) == ("mql", "Organic Search")
    payloads = sorted(
        (event.payload for event in Event.objects.filter(name="contacts.contact.stage_changed")),
        key=lambda payload: payload["contact_id"],
    )
    changes = dict(StageChange.objects.filter(cause_type="import").values_list("contact_id", "pk"))
    job_id = changes and StageChange.objects.filter(cause_type="import").values_list("cause_id", flat=True)[0]
    assert payloads == [
        {
            "contact_id": kept.pk,
            "from_stage": "lead",
            "to_stage": "customer",
            "stage_change_id": changes[kept.pk],
            "cause_type": "import",
            "cause_id": job_id,
        },
        {
            "contact_id": created.pk,
            "from_stage": "",
            "to_stage": "mql",
            "stage_change_id": changes[created.pk],
            "cause_type": "import",
            "cause_id": job_id,
        },
    ]


def test_tandems_own_export_imported_again_keeps_external_ids_and_drops_the_export_quotes(
    client, seller, django_capture_on_commit_callbacks
):
    from tandem.contacts.tests.factories import ContactFactory

    ada = ContactFactory(
        email="ada@example.com", first_name="=SUM(1)", job_title="Analyst", external_id="hs-1", owner=seller
    )
    grace = ContactFactory(email="grace@example.com", first_name="Grace", external_id="hs-2", owner=seller)
    exported = b"".join(
        client.post(
            "/exports/contacts/new/",
            {
                "file_format": "csv",
                "columns": ["external_id", "job_title", "owner", "created_at", "updated_at"],
            },
        ).streaming_content
    )
    text = exported.decode("utf-8-sig")
    assert "'=SUM(1)" in text and "hs-1" in text  # the export neutralised the formula and shows external ids
    # the user changes a job title and pastes a row twice before importing the file again
    lines = text.replace("Analyst", "Chief Analyst").splitlines()
    edited = "\n".join([*lines, lines[-1]]) + "\n"

    report, report_page, job = import_through_the_pages(
        client, edited.encode("utf-8-sig"), django_capture_on_commit_callbacks, name="contacts-export.csv"
    )

    mapped = {job.headers[int(index)]: target for index, target in job.mapping.items()}
    assert (mapped["Record ID"], mapped["External ID"]) == ("", "external_id")
    assert (report["to_update"], report["duplicates_in_file"], report["fields_to_change"]) == (
        1,
        1,
        {"job_title": 1},
    )
    assert "What the updates change" in report_page
    assert "<td>Job title</td><td>Analyst</td><td>Chief Analyst</td>" in report_page
    ada.refresh_from_db()
    grace.refresh_from_db()
    assert (ada.external_id, ada.first_name, ada.job_title) == ("hs-1", "=SUM(1)", "Chief Analyst")
    assert (grace.external_id, grace.first_name) == ("hs-2", "Grace")


def test_imported_addresses_carry_their_suppression_key_at_once(client, seller, django_capture_on_commit_callbacks):
    from tandem.contacts import normalize
    from tandem.contacts.models import Suppression
    from tandem.contacts.tests.factories import ContactFactory

    moved = ContactFactory(email="old@example.com", external_id="crm-1", owner=seller)
    Suppression.objects.create(address_hash=normalize.address_hash("new@example.com"), reason="unsubscribed")
    data = b"External ID,Email\ncrm-1,New@Example.com\ncrm-2,fresh@example.com\n"

    import_through_the_pages(client, data, django_capture_on_commit_callbacks, key="external_id")

    moved.refresh_from_db()
    fresh = Contact.objects.get(external_id="crm-2")
    assert moved.address_hash == normalize.address_hash("new@example.com")
    assert fresh.address_hash == normalize.address_hash("fresh@example.com")
    assert list(Contact.objects.not_suppressed().order_by("pk").values_list("external_id", flat=True)) == [
        "crm-2"
    ]
