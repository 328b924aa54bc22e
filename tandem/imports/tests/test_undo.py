"""Undo of an import: created records gone, every field of updated records exactly as before."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.contacts.models import Activity, ActivityKind, Company, Contact, PropertyType, StageChange
from tandem.contacts.services import bulk
from tandem.contacts.tests.factories import (
    CompanyFactory,
    ContactFactory,
    PropertyDefinitionFactory,
    TeamFactory,
    UserFactory,
)
from tandem.core.models import Role
from tandem.imports import engine, services
from tandem.imports.models import ImportChange, ImportJob, Status
from tandem.imports.tests.test_engine_support import mapped, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def state(model) -> dict:
    """Every column of every row, plus each contact's tags: what "exactly as before" means."""
    rows = {}
    for record in model.objects.order_by("pk"):
        values = {field.attname: record.__dict__[field.attname] for field in model._meta.concrete_fields}
        if model is Contact:
            values["tags"] = sorted(record.tags.values_list("name", flat=True))
        rows[record.pk] = values
    return rows


def test_undo_restores_every_field_and_removes_created_contacts(django_capture_on_commit_callbacks):
    # given contacts with values in every field the import can touch
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    new_owner = UserFactory(email="new.owner@example.com", role=Role.SALES, team=TeamFactory(name="South"))
    PropertyDefinitionFactory(name="plan", label="Plan", value_type=PropertyType.TEXT)
    acme = CompanyFactory(name="Acme", domain="acme.example")
    CompanyFactory(name="Globex", domain="globex.example")
    first = ContactFactory(
        email="ada@example.com",
        first_name="A.",
        last_name="Lovelace",
        phone="+442079460018",
        job_title="",
        country="GB",
        lifecycle_stage="lead",
        company=acme,
        owner=admin,
        properties={"plan": "free", "kept": 1},
    )
    first.tags.create(name="old")
    second = ContactFactory(email="grace@example.com", first_name="Grace", last_name="Hopper", country="US")
    before = state(Contact)
    activities_before = set(Activity.objects.values_list("pk", flat=True))
    rows = [
        [
            "ada@example.com",
            "Ada",
            "King",
            "+1 415 555 0100",
            "Countess",
            "DE",
            "customer",
            "pro",
            "new; old",
            "new.owner@example.com",
            "globex.example",
        ],
        ["grace@example.com", "", "", "", "Admiral", "", "", "", "navy", "", ""],
        ["linus@example.com", "Linus", "T", "", "", "FI", "", "", "kernel", "", ""],
    ]
    job = mapped(
        admin,
        ["email", "first", "last", "phone", "title", "country", "stage", "plan", "tags", "owner", "domain"],
        rows,
        [
            "email",
            "first_name",
            "last_name",
            "phone",
            "job_title",
            "country",
            "lifecycle_stage",
            "property:plan",
            "tags",
            "owner",
            "company_domain",
        ],
    )
    job = run(admin, job)
    assert (job.created_count, job.updated_count) == (1, 2)
    assert state(Contact) != before
    audit_before = LogEntry.objects.count()

    # when the import is undone
    with django_capture_on_commit_callbacks(execute=True):
        services.undo_import(actor=admin, job=job)

    # then every column and tag of the updated contacts is what it was, and the created contact is gone
    job.refresh_from_db()
    assert job.status == Status.UNDONE and job.undone_at is not None
    assert state(Contact) == before
    assert not Contact.objects.filter(email="linus@example.com").exists()
    # the stage change the import caused is gone too (it did not happen), and the timeline says "undone"
    assert not StageChange.objects.filter(cause_type="import", cause_id=job.pk).exists()
    new_activities = Activity.objects.exclude(pk__in=activities_before).order_by("contact_id", "pk")
    assert [(activity.contact_id, activity.kind) for activity in new_activities] == [
        (first.pk, ActivityKind.IMPORTED),
        (first.pk, ActivityKind.IMPORT_UNDONE),
        (second.pk, ActivityKind.IMPORTED),
        (second.pk, ActivityKind.IMPORT_UNDONE),
    ]
    assert not ImportChange.objects.filter(job=job).exists()
    # one audit row for the undo, not one per record
    entries = list(LogEntry.objects.order_by("pk")[audit_before:])
    assert [(entry.object_pk, entry.additional_data["event"]) for entry in entries] == [
        (str(job.pk), "import_undone")
    ]
    assert new_owner.pk  # (the owner existed; undo gave the contact back to its old owner, checked by state)
    with pytest.raises(ValidationError):
        services.undo_import(actor=admin, job=job)


def test_undo_of_a_partly_run_import(monkeypatch, django_capture_on_commit_callbacks):
    # given an import killed after its first chunk (chunks of 2)
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    existing = ContactFactory(email="person0@example.com", first_name="Before")
    before = state(Contact)
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    real_upsert = bulk.upsert_contacts
    calls = {"count": 0}

    def dying_upsert(**arguments):
        calls["count"] += 1
        if calls["count"] == 2:
            raise SystemExit("killed")
        return real_upsert(**arguments)

    monkeypatch.setattr(bulk, "upsert_contacts", dying_upsert)
    job = mapped(
        admin,
        ["email", "first"],
        [[f"person{n}@example.com", f"P{n}"] for n in range(5)],
        ["email", "first_name"],
    )
    ImportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)
    with pytest.raises(SystemExit):
        engine.run(job.pk, worker="dead")
    job.refresh_from_db()
    assert (job.status, job.processed_rows) == (Status.RUNNING, 2)
    with pytest.raises(ValidationError):  # while the runner's lease lasts, it may still be alive
        services.undo_import(actor=admin, job=job)
    # the dead runner's lease runs out
    ImportJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        services.undo_import(actor=admin, job=job)

    assert state(Contact) == before
    assert Contact.objects.get().pk == existing.pk
    job.refresh_from_db()
    assert job.status == Status.UNDONE
    # and a runner that comes back late finds nothing to do
    assert engine.run(job.pk, worker="late") is None


def test_undo_of_a_company_import():
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    CompanyFactory(name="Acme", domain="acme.example", industry="Tools", size="10-49")
    before = state(Company)
    job = mapped(
        admin,
        ["domain", "industry", "size", "name"],
        [["acme.example", "Rockets", "1000", ""], ["initech.example", "Software", "", "Initech"]],
        ["domain", "industry", "size", "name"],
        key="domain",
        object_type="company",
    )
    job = run(admin, job)
    assert (job.created_count, job.updated_count) == (1, 1)

    ImportJob.objects.filter(pk=job.pk).update(status=Status.UNDOING)
    engine.undo(job.pk)

    assert state(Company) == before


def test_an_undo_that_cannot_restore_an_address_stops_and_says_why(django_capture_on_commit_callbacks):
    # given an import that changed a contact's address (matched by external id)...
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    contact = ContactFactory(email="old@example.com", external_id="X-1")
    job = mapped(
        admin, ["id", "email"], [["X-1", "new@example.com"]], ["external_id", "email"], key="external_id"
    )
    job = run(admin, job)
    # ...and someone took the old address since
    ContactFactory(email="old@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        services.undo_import(actor=admin, job=job)

    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error_message.startswith("The undo stopped: ")
    contact.refresh_from_db()
    assert contact.email == "new@example.com"
    assert ImportChange.objects.filter(job=job).count() == 1  # still there: undo can be tried again


def test_undo_removes_the_consent_evidence_the_import_added_to_existing_contacts(
    django_capture_on_commit_callbacks,
):
    # given Ada (no consent yet), Grace (who consented on a form) and Ben (whose consent another import wrote)
    from tandem.contacts.models import Consent
    from tandem.contacts.services.consent import record_consent

    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    ada = ContactFactory(email="ada@example.com", first_name="A.")
    grace = ContactFactory(email="grace@example.com", first_name="G.")
    ben = ContactFactory(email="ben@example.com", first_name="B.")
    record_consent(
        actor=admin,
        contact=grace,
        purpose="marketing_email",
        status="granted",
        method="form",
        source="footer",
    )
    earlier = mapped(
        admin, ["email", "first", "optin"], [["ben@example.com", "Ben", "2024-01-02 10:00:00"]],
        ["email", "first_name", "marketing_consent_at"],
    )  # fmt: skip
    run(admin, earlier)
    before = sorted(Consent.objects.values_list("contact_id", "method", "source"))
    assert before == [(grace.pk, "form", "footer"), (ben.pk, "import", f"import {earlier.pk}")]
    # and an import that renames them, gives Ada consent evidence, and creates Linus with his
    job = mapped(
        admin,
        ["email", "first", "optin"],
        [
            ["ada@example.com", "Ada", "2024-03-01 09:30:00"],
            ["grace@example.com", "Grace", "2024-03-01 09:30:00"],
            ["ben@example.com", "Benjamin", "2024-03-01 09:30:00"],
            ["linus@example.com", "Linus", "2024-03-01 09:30:00"],
        ],
        ["email", "first_name", "marketing_consent_at"],
    )
    run(admin, job)
    linus = Contact.objects.get(email="linus@example.com")
    assert sorted(Consent.objects.values_list("contact_id", "method", "source")) == sorted(
        [*before, (ada.pk, "import", f"import {job.pk}"), (linus.pk, "import", f"import {job.pk}")]
    )

    # when the import is undone
    with django_capture_on_commit_callbacks(execute=True):
        services.undo_import(actor=admin, job=job)

    # then exactly the rows this import wrote are gone; the form's and the other import's stay
    assert sorted(Consent.objects.values_list("contact_id", "method", "source")) == before
    assert ImportJob.objects.get(pk=job.pk).status == Status.UNDONE
    assert sorted(Contact.objects.values_list("first_name", flat=True)) == [
        "A.",
        "Ben",
        "G.",
    ]  # Ben as the earlier import left him
