"""Matching rows by Tandem's own id (an export's "Record ID"): updates only, errors for ids that are not there."""

import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.contacts.models import Company, Contact
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Role
from tandem.imports import services
from tandem.imports.models import ImportRowError
from tandem.imports.tests.test_engine_support import mapped, run, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    cache.clear()  # the API's rate-limit counters outlive a test's transaction
    yield
    cache.clear()


def test_rows_update_the_records_their_ids_name_and_every_other_id_is_an_error():
    # given a sales user of team East, a contact of their team, one of another team, one in the trash
    east, west = TeamFactory(name="East"), TeamFactory(name="West")
    seller = UserFactory(email="seller@example.com", role=Role.SALES, team=east)
    colleague = UserFactory(email="colleague@example.com", role=Role.SALES, team=west)
    mine = ContactFactory(email="ada@example.com", first_name="A.", owner=seller, team=east)
    theirs = ContactFactory(email="grace@example.com", first_name="G.", owner=colleague, team=west)
    trashed = ContactFactory(email="old@example.com", first_name="O.", owner=seller, team=east)
    Contact.objects.filter(pk=trashed.pk).update(deleted_at=timezone.now())
    missing = max(mine.pk, theirs.pk, trashed.pk) + 100
    rows = [
        [str(mine.pk), "ada.lovelace@example.com", "Ada"],
        [str(theirs.pk), "", "Grace"],
        [str(trashed.pk), "", "Old"],
        [str(missing), "new@example.com", "New"],
        ["abc", "", "Letters"],
        ["", "", "Blank"],
    ]
    job = mapped(seller, ["Record ID", "Email", "First name"], rows, ["id", "email", "first_name"], key="id")

    # when the file is checked
    report = services.run_dry_run(actor=seller, job=job)

    # then one row is an update and every other id is an error, nothing to create
    assert (report["to_create"], report["to_update"], report["invalid_rows"]) == (0, 1, 5)
    assert (report["denied"], report["missing_key"], report["invalid"]) == (1, 1, 3)
    assert [example["row"] for example in report["examples"]["invalid"]] == [4, 5, 6]

    # when it runs
    job = run(seller, job)

    # then only the contact the seller may change is changed (its address too), nothing is created
    assert (job.created_count, job.updated_count, job.failed_count) == (0, 1, 5)
    assert sorted(Contact.objects.values_list("pk", "email", "first_name")) == sorted(
        [
            (mine.pk, "ada.lovelace@example.com", "Ada"),
            (theirs.pk, "grace@example.com", "G."),
            (trashed.pk, "old@example.com", "O."),
        ]
    )
    assert list(
        ImportRowError.objects.filter(job=job).order_by("row_number").values_list("row_number", "reason")
    ) == [
        (3, "You may not change this contact (it belongs to someone outside your reach)."),
        (4, f"Contact {trashed.pk} is in the trash: restore it before importing into it."),
        (5, f"No contact has the record id {missing} (or it is not yours to see)."),
        (6, "“abc” is not a record id (a whole number, as exported)."),
        (7, "No record id: rows are matched by record id."),
    ]


def test_companies_are_matched_by_record_id_and_never_created_with_one():
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    acme = CompanyFactory(name="Acme", domain="acme.example")
    rows = [[str(acme.pk), "Acme Corporation"], [str(acme.pk + 1), "Ghost"]]
    job = mapped(admin, ["Record ID", "Name"], rows, ["id", "name"], key="id", object_type="company")

    job = run(admin, job)

    assert (job.created_count, job.updated_count, job.failed_count) == (0, 1, 1)
    assert list(Company.objects.values_list("pk", "name", "name_key")) == [
        (acme.pk, "Acme Corporation", "acme corporation")
    ]


def test_a_record_id_column_needs_record_id_as_the_match_key():
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    job = upload(admin, ["Record ID", "Email"], [["1", "ada@example.com"]])

    with pytest.raises(ValidationError) as refused:
        services.set_mapping(
            actor=admin, job=job, mapping={"0": "id", "1": "email"}, key="email", mode="update"
        )

    assert refused.value.message_dict == {
        "key": [
            "“Record ID” holds record ids, which only match records: choose Record ID as the match key, "
            "or leave that column out."
        ]
    }
    with pytest.raises(ValidationError) as unmapped:
        services.set_mapping(actor=admin, job=job, mapping={"0": "", "1": "email"}, key="id", mode="update")
    assert unmapped.value.message_dict == {"key": ["Map a column to record ID to match records by it."]}


def test_the_mapping_page_offers_record_id_as_a_target_and_a_match_key(client):
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    client.force_login(admin)
    job = upload(admin, ["Record ID", "Email"], [["1", "ada@example.com"]])

    page = client.get(f"/imports/{job.pk}/mapping/").content.decode()

    assert '<option value="id">Record ID (Tandem&#x27;s id, to match records)</option>' in page
    assert re.search(r'<input type="radio" name="key" value="id"[^>]*>', page)
    assert "Record ID</label>" in page
