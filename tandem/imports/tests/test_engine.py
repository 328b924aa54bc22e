"""The import engine: modes, keys, bad rows, duplicates, dry run, crash and resume, concurrency, timeline."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from tandem.contacts.models import (
    Activity,
    ActivityKind,
    Company,
    Contact,
    LifecycleStage,
    PropertyType,
    StageChange,
)
from tandem.contacts.selectors import timeline
from tandem.contacts.services import bulk
from tandem.contacts.services.bulk import upsert as _bulk_upsert  # noqa: F401 (bulk.upsert for monkeypatch)
from tandem.contacts.tests.factories import (
    CompanyFactory,
    ContactFactory,
    PropertyDefinitionFactory,
    TeamFactory,
    UserFactory,
)
from tandem.core.models import Role
from tandem.imports import engine, services
from tandem.imports.models import ImportChange, ImportJob, ImportRowError, Status
from tandem.imports.tests.test_engine_support import mapped, run, upload

pytestmark = pytest.mark.django_db

HEADER = ["Email", "First name", "Last name", "Phone", "Country", "Stage", "Plan", "Tags", "Owner", "Domain"]
TARGETS = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "country",
    "lifecycle_stage",
    "property:plan",
    "tags",
    "owner",
    "company_domain",
]


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def admin():
    return UserFactory(email="admin@example.com", role=Role.ADMIN)


@pytest.fixture
def plan():
    return PropertyDefinitionFactory(
        name="plan", label="Plan", value_type=PropertyType.CHOICE, choices=["free", "pro"]
    )


def test_new_contacts_are_created_with_every_mapped_field(admin, plan):
    # given a file of two new contacts, a sales owner by email and an existing company by domain
    owner = UserFactory(email="owner@example.com", role=Role.SALES, team=TeamFactory(name="East"))
    acme = CompanyFactory(name="Acme", domain="acme.example")
    rows = [
        [
            "Ada@Example.com",
            "Ada",
            "Lovelace",
            "+44 20 7946 0018",
            "GB",
            "MQL",
            "pro",
            "vip; Beta",
            "OWNER@example.com",
            "acme.example",
        ],
        ["grace@example.com", "Grace", "Hopper", "", "United States", "", "", "", "", ""],
    ]
    job = mapped(admin, HEADER, rows, TARGETS)

    # when it runs
    job = run(admin, job)

    # then both contacts exist exactly as the file says, and the job counts them
    assert (job.status, job.total_rows, job.processed_rows) == (Status.DONE, 2, 2)
    assert (job.created_count, job.updated_count, job.skipped_count, job.failed_count) == (2, 0, 0, 0)
    ada = Contact.objects.get(email="Ada@example.com")
    assert (ada.first_name, ada.last_name, ada.phone, str(ada.country), ada.lifecycle_stage) == (
        "Ada",
        "Lovelace",
        "+442079460018",
        "GB",
        LifecycleStage.MQL,
    )
    assert (ada.owner_id, ada.team_id, ada.company_id, ada.email_domain) == (
        owner.pk,
        owner.team_id,
        acme.pk,
        "example.com",
    )
    assert ada.properties == {"plan": "pro"}
    assert sorted(ada.tags.values_list("name", flat=True)) == ["beta", "vip"]
    grace = Contact.objects.get(email="grace@example.com")
    assert (str(grace.country), grace.lifecycle_stage, grace.owner_id, grace.team_id, grace.company_id) == (
        "US",
        LifecycleStage.LEAD,
        admin.pk,
        admin.team_id,
        None,
    )
    # and each has one "imported" entry pointing at the job, and a first stage change caused by it
    assert list(
        Activity.objects.filter(contact__in=[ada, grace])
        .order_by("contact_id")
        .values_list("contact_id", "kind", "subject_type", "subject_id", "actor_id")
    ) == [
        (ada.pk, ActivityKind.IMPORTED, "import", job.pk, admin.pk),
        (grace.pk, ActivityKind.IMPORTED, "import", job.pk, admin.pk),
    ]
    assert list(
        StageChange.objects.order_by("contact_id").values_list(
            "contact_id", "from_stage", "to_stage", "cause_type", "cause_id"
        )
    ) == [(ada.pk, "", "mql", "import", job.pk), (grace.pk, "", "lead", "import", job.pk)]
    assert sorted(
        ImportChange.objects.filter(job=job).values_list("object_id", "created", "previous")
    ) == sorted([(ada.pk, True, {}), (grace.pk, True, {})])


def test_update_mode_changes_fields_and_blank_cells_keep_values(admin, plan):
    # given an existing contact
    contact = ContactFactory(
        email="ada@example.com",
        first_name="A.",
        last_name="Lovelace",
        job_title="Countess",
        properties={"plan": "free"},
    )
    before = contact.updated_at
    job = mapped(
        admin,
        ["email", "first", "last", "title", "plan"],
        [["ADA@example.com", "Ada", "", "", "pro"]],
        ["email", "first_name", "last_name", "job_title", "property:plan"],
    )

    # when the file updates it (key matched case-insensitively)
    job = run(admin, job)

    # then changed fields change, blank cells leave values alone, and the previous values are kept for undo
    contact.refresh_from_db()
    assert (contact.first_name, contact.last_name, contact.job_title, contact.properties) == (
        "Ada",
        "Lovelace",
        "Countess",
        {"plan": "pro"},
    )
    assert (job.created_count, job.updated_count, job.skipped_count, job.failed_count) == (0, 1, 0, 0)
    change = ImportChange.objects.get(job=job)
    assert (change.object_id, change.created) == (contact.pk, False)
    assert change.previous == {"first_name": "A.", "property:plan": "free", "updated_at": before.isoformat()}
    activity = Activity.objects.get(contact=contact)
    assert (activity.kind, activity.details) == (
        ActivityKind.IMPORTED,
        {"created": False, "fields": ["first_name", "property:plan"]},
    )


def test_skip_mode_leaves_existing_records_and_creates_new_ones(admin):
    ContactFactory(email="ada@example.com", first_name="A.")
    job = mapped(
        admin,
        ["email", "first"],
        [["ada@example.com", "Ada"], ["new@example.com", "New"]],
        ["email", "first_name"],
        mode="skip",
    )

    job = run(admin, job)

    assert (job.created_count, job.updated_count, job.skipped_count, job.failed_count) == (1, 0, 1, 0)
    assert dict(Contact.objects.values_list("email", "first_name")) == {
        "ada@example.com": "A.",
        "new@example.com": "New",
    }
    assert ImportChange.objects.filter(job=job).count() == 1


def test_fill_empty_mode_fills_only_blank_fields(admin):
    contact = ContactFactory(email="ada@example.com", first_name="A.", job_title="")
    job = mapped(
        admin,
        ["email", "first", "title"],
        [["ada@example.com", "Ada", "Countess"]],
        ["email", "first_name", "job_title"],
        mode="fill_empty",
    )

    job = run(admin, job)

    contact.refresh_from_db()
    assert (contact.first_name, contact.job_title) == ("A.", "Countess")
    assert ImportChange.objects.get(job=job).previous == {
        "job_title": "",
        "updated_at": job.changes.get().previous["updated_at"],
    }
    assert (job.updated_count, job.skipped_count) == (1, 0)


def test_unchanged_rows_count_as_skipped(admin):
    ContactFactory(email="ada@example.com", first_name="Ada")
    job = mapped(admin, ["email", "first"], [["ada@example.com", "Ada"]], ["email", "first_name"])

    job = run(admin, job)

    assert (job.created_count, job.updated_count, job.skipped_count) == (0, 0, 1)
    assert not Activity.objects.exists()


def test_external_id_key_matches_and_refuses_an_email_owned_by_another_contact(admin):
    # given a contact with an external id and another holding an address
    matched = ContactFactory(email="old@example.com", external_id="HS-1")
    ContactFactory(email="taken@example.com", external_id=None)
    job = mapped(
        admin,
        ["Record ID", "Email", "First name"],
        [["HS-1", "new@example.com", "Ada"], ["HS-2", "taken@example.com", "Grace"], ["HS-3", "", "Linus"]],
        ["external_id", "email", "first_name"],
        key="external_id",
    )

    job = run(admin, job)

    matched.refresh_from_db()
    assert (matched.email, matched.email_domain, matched.first_name) == (
        "new@example.com",
        "example.com",
        "Ada",
    )
    assert Contact.objects.get(external_id="HS-3").email is None
    assert list(ImportRowError.objects.filter(job=job).values_list("row_number", "reason")) == [
        (3, "Another contact already has this email (taken@example.com).")
    ]
    assert (job.created_count, job.updated_count, job.failed_count) == (1, 1, 1)


def test_bad_rows_are_reported_with_row_numbers_and_reasons_while_good_rows_land(admin):
    # given a file with a bad email, a bad phone, an unknown stage, an unknown owner and a missing email
    rows = [
        ["ok@example.com", "Ok", "", ""],
        ["not-an-email", "Bad", "", ""],
        ["phone@example.com", "Phone", "12", ""],
        ["stage@example.com", "Stage", "", "royalty"],
        ["", "Nobody", "", ""],
        ["fine@example.com", "Fine", "+49 30 1234567", "customer"],
    ]
    job = mapped(
        admin, ["email", "first", "phone", "stage"], rows, ["email", "first_name", "phone", "lifecycle_stage"]
    )

    job = run(admin, job)

    assert sorted(Contact.objects.values_list("email", flat=True)) == ["fine@example.com", "ok@example.com"]
    assert (job.created_count, job.failed_count, job.processed_rows) == (2, 4, 6)
    errors = list(
        ImportRowError.objects.filter(job=job)
        .order_by("row_number")
        .values_list("row_number", "reason", "values")
    )
    assert [(number, values) for number, _, values in errors] == [
        (3, ["not-an-email", "Bad", "", ""]),
        (4, ["phone@example.com", "Phone", "12", ""]),
        (5, ["stage@example.com", "Stage", "", "royalty"]),
        (6, ["", "Nobody", "", ""]),
    ]
    assert errors[0][1].startswith("“not-an-email” is not a valid email address")
    assert errors[1][1] == "“12” does not have the right number of digits for a phone number."
    assert errors[2][1] == "“royalty” is not a lifecycle stage."
    assert errors[3][1] == "No email address: rows are matched by email."
    # and the bad rows download as CSV with an error column, ready to fix
    lines = list(services.error_rows_csv(job))
    assert lines[0] == "\ufeffRow,email,first,phone,stage,Error\r\n"
    assert lines[3] == "5,stage@example.com,Stage,,royalty,“royalty” is not a lifecycle stage.\r\n"
    assert len(lines) == 5


def test_formula_cells_in_the_bad_rows_csv_are_neutralised(admin):
    job = mapped(admin, ["email", "first"], [["=cmd()", "@evil"]], ["email", "first_name"])
    job = run(admin, job)
    assert list(services.error_rows_csv(job))[1].startswith("2,'=cmd(),'@evil,")


def test_duplicate_keys_in_the_file_later_row_updates_the_earlier(admin, monkeypatch):
    # given the same email three times, one pair in a chunk and one across chunks (chunks of 2 rows)
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    rows = [
        ["ada@example.com", "Ada", "", "vip"],
        ["ADA@example.com", "", "Lovelace", "math"],
        ["grace@example.com", "Grace", "", ""],
        ["ada@example.com", "Augusta", "", ""],
    ]
    job = mapped(
        admin, ["email", "first", "last", "tags"], rows, ["email", "first_name", "last_name", "tags"]
    )

    job = run(admin, job)

    ada = Contact.objects.get(email__iexact="ada@example.com")
    assert (ada.email, ada.first_name, ada.last_name) == ("ada@example.com", "Augusta", "Lovelace")
    assert sorted(ada.tags.values_list("name", flat=True)) == ["math", "vip"]
    assert Contact.objects.count() == 2
    assert (job.created_count, job.updated_count, job.failed_count) == (2, 2, 0)
    # one change row per record, still saying "created" (so undo deletes it)
    assert sorted(ImportChange.objects.filter(job=job).values_list("object_id", "created")) == sorted(
        [(ada.pk, True), (Contact.objects.get(email="grace@example.com").pk, True)]
    )
    assert Activity.objects.filter(contact=ada, kind=ActivityKind.IMPORTED).count() == 3


def test_dry_run_reports_without_writing(admin):
    ContactFactory(email="exists@example.com", first_name="Old")
    rows = [
        ["exists@example.com", "New", ""],
        ["new@example.com", "New", ""],
        ["new@example.com", "Again", ""],
        ["broken", "Bad", ""],
        ["phone@example.com", "Phone", "abc"],
        ["", "Nobody", ""],
    ]
    job = mapped(admin, ["email", "first", "phone"], rows, ["email", "first_name", "phone"])

    report = services.run_dry_run(actor=admin, job=job)

    job.refresh_from_db()
    assert (job.status, job.total_rows) == (Status.READY, 6)
    assert job.dry_run_report == report
    assert {name: value for name, value in report.items() if name != "examples"} == {
        "total_rows": 6,
        "to_create": 1,
        # the repeated new@example.com is a duplicate in the file, not a second record to update
        "to_update": 1,
        "to_skip": 0,
        "invalid_rows": 3,
        "duplicates_in_file": 1,
        "matches_in_database": 1,
        "companies_to_create": 0,
        "rows_linked_to_companies": 0,
        "fields_to_change": {"first_name": 1},
        "update_samples": [{"row": 2, "changes": {"first_name": ["Old", "New"]}}],
        "invalid_email": 1,
        "bad_phone": 1,
        "missing_key": 1,
        "invalid": 0,
        "denied": 0,
        "conflict": 0,
    }
    assert report["examples"]["duplicates_in_file"] == [
        {"row": 4, "reason": "The same email as an earlier row (new@example.com); this row updates that one."}
    ]
    assert [example["row"] for example in report["examples"]["bad_phone"]] == [6]
    assert report["examples"]["missing_key"] == [
        {"row": 7, "reason": "No email address: rows are matched by email."}
    ]
    assert Contact.objects.count() == 1
    assert Contact.objects.get().first_name == "Old"
    assert not Activity.objects.exists()


def test_set_mapping_refuses_unknown_twice_mapped_and_missing_key(admin):
    job = upload(admin, ["email", "first", "second"], [["a@example.com", "A", "B"]])
    guess = dict(job.mapping)
    with pytest.raises(ValidationError) as unknown:
        services.set_mapping(
            actor=admin, job=job, mapping={"0": "email", "1": "shoe_size"}, key="email", mode="update"
        )
    assert unknown.value.message_dict == {"mapping.1": ["“shoe_size” is not a field you can import into."]}
    with pytest.raises(ValidationError) as twice:
        services.set_mapping(
            actor=admin,
            job=job,
            mapping={"0": "email", "1": "first_name", "2": "first_name"},
            key="email",
            mode="update",
        )
    assert twice.value.message_dict == {
        "mapping.2": ["“second” and “first” are both mapped to the same field; map each field once."]
    }
    with pytest.raises(ValidationError) as no_key:
        services.set_mapping(actor=admin, job=job, mapping={"1": "first_name"}, key="email", mode="update")
    assert no_key.value.message_dict == {"key": ["Map a column to email to match records by it."]}
    job.refresh_from_db()
    assert job.mapping == guess


def test_start_import_is_audited_once_and_runs_after_commit(admin, django_capture_on_commit_callbacks):
    job = mapped(admin, ["email"], [[f"person{number}@example.com"] for number in range(5)], ["email"])
    audit_rows_before = LogEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        services.start_import(actor=admin, job=job)

    job.refresh_from_db()
    assert (job.status, job.created_count) == (Status.DONE, 5)
    entries = LogEntry.objects.order_by("pk")[audit_rows_before:]
    assert [(entry.object_pk, entry.additional_data["event"]) for entry in entries] == [
        (str(job.pk), "import_started")
    ]
    with pytest.raises(ValidationError):
        services.start_import(actor=admin, job=job)


def test_a_crash_inside_a_chunk_rolls_it_back_and_the_run_resumes_there(admin, monkeypatch):
    # given chunks of 2 rows and a writer that dies (like a killed process) inside the third chunk
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    rows = [[f"person{number}@example.com", f"P{number}"] for number in range(7)]
    job = mapped(admin, ["email", "first"], rows, ["email", "first_name"])
    real_upsert = bulk.upsert_contacts
    calls = {"count": 0}

    def dying_upsert(**arguments):
        calls["count"] += 1
        result = real_upsert(**arguments)  # the chunk's writes happen, then the process "dies"
        if calls["count"] == 3:
            raise SystemExit("killed")
        return result

    monkeypatch.setattr(bulk, "upsert_contacts", dying_upsert)
    ImportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)
    with pytest.raises(SystemExit):
        engine.run(job.pk, worker="first")

    # then the two committed chunks stay, the third left nothing, and the job still belongs to the dead runner
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count, job.worker) == (Status.RUNNING, 4, 4, "first")
    assert Contact.objects.count() == 4
    assert engine.run(job.pk, worker="second") is None  # the lease is still live: nobody else may run it

    # when an operator takes it over, it resumes at row 5 and imports each row once
    monkeypatch.setattr(bulk, "upsert_contacts", real_upsert)
    job = engine.run(job.pk, worker="second", take_over=True)
    assert (job.status, job.processed_rows, job.created_count, job.failed_count) == (Status.DONE, 7, 7, 0)
    assert sorted(Contact.objects.values_list("email", flat=True)) == [
        f"person{number}@example.com" for number in range(7)
    ]
    assert ImportChange.objects.filter(job=job).count() == 7
    assert Activity.objects.filter(kind=ActivityKind.IMPORTED).count() == 7


def test_a_failed_import_can_be_started_again_and_resumes(
    admin, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    job = mapped(admin, ["email"], [[f"person{number}@example.com"] for number in range(5)], ["email"])
    real_upsert = bulk.upsert_contacts
    calls = {"count": 0}

    def failing_upsert(**arguments):
        calls["count"] += 1
        if calls["count"] == 2:
            raise RuntimeError("database went away")
        return real_upsert(**arguments)

    monkeypatch.setattr(bulk, "upsert_contacts", failing_upsert)
    with django_capture_on_commit_callbacks(execute=True):
        services.start_import(actor=admin, job=job)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.error_message) == (
        Status.FAILED,
        2,
        "The import stopped: database went away",
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.start_import(actor=admin, job=job)

    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count) == (Status.DONE, 5, 5)
    assert Contact.objects.count() == 5


def test_a_concurrent_insert_of_the_same_key_turns_the_row_into_an_update(admin, monkeypatch):
    # given a lookup that misses a contact another import committed a moment later (the race)
    job = mapped(
        admin,
        ["email", "first"],
        [["ada@example.com", "Ada"], ["new@example.com", "New"]],
        ["email", "first_name"],
    )
    real_lookup = bulk.upsert.lookup
    calls = {"count": 0}

    def racing_lookup(spec, field_name, values, lock):
        calls["count"] += 1
        if calls["count"] == 1:
            return {}  # the other import's row is not visible yet
        return real_lookup(spec, field_name, values, lock)

    monkeypatch.setattr(bulk.upsert, "lookup", racing_lookup)
    ContactFactory(email="ADA@example.com", first_name="Other import")

    job = run(admin, job)

    # then the unique index refused the duplicate, the batch was retried, and the row updated the other's contact
    assert dict(Contact.objects.values_list("email", "first_name")) == {
        "ADA@example.com": "Ada",
        "new@example.com": "New",
    }
    assert (job.created_count, job.updated_count, job.failed_count) == (1, 1, 0)


def test_rows_for_records_the_user_may_not_change_fail_and_change_nothing(admin):
    # given a sales rep (changes team records only) and a contact of another team
    rep = UserFactory(email="rep@example.com", role=Role.SALES, team=TeamFactory(name="West"))
    other = UserFactory(email="other@example.com", role=Role.SALES, team=TeamFactory(name="North"))
    contact = ContactFactory(email="theirs@example.com", first_name="Theirs", owner=other)
    job = mapped(
        rep,
        ["email", "first"],
        [["theirs@example.com", "Mine"], ["new@example.com", "New"]],
        ["email", "first_name"],
    )

    job = run(rep, job)

    contact.refresh_from_db()
    assert contact.first_name == "Theirs"
    assert list(ImportRowError.objects.filter(job=job).values_list("row_number", "reason")) == [
        (2, "You may not change this contact (it belongs to someone outside your reach).")
    ]
    assert Contact.objects.get(email="new@example.com").owner_id == rep.pk
    assert not Activity.objects.filter(contact=contact).exists()


def test_the_timeline_shows_the_import(admin):
    job = mapped(admin, ["email"], [["ada@example.com"]], ["email"])
    job = run(admin, job)
    contact = Contact.objects.get()
    entries = timeline(contact=contact).rows
    assert [(entry.kind, entry.subject_type, entry.subject_id) for entry in entries] == [
        (ActivityKind.IMPORTED, "import", job.pk)
    ]


def test_companies_import_by_domain(admin):
    existing = CompanyFactory(name="Acme", domain="acme.example", industry="")
    job = mapped(
        admin,
        ["Company name", "Website", "Industry", "Employees"],
        [["Acme Inc", "https://ACME.example/about", "Tools", "25"], ["", "bücher.example", "", "1200"]],
        ["name", "domain", "industry", "size"],
        key="domain",
        object_type="company",
    )

    job = run(admin, job)

    existing.refresh_from_db()
    assert (existing.name, existing.industry, existing.size) == ("Acme Inc", "Tools", "10-49")
    created = Company.objects.get(domain="xn--bcher-kva.example")
    assert (created.name, created.size, created.owner_id) == ("xn--bcher-kva.example", "1000+", admin.pk)
    assert (job.created_count, job.updated_count, job.failed_count) == (1, 1, 0)
    assert Activity.objects.filter(company=existing, kind=ActivityKind.IMPORTED).count() == 1


def test_companies_import_their_lifecycle_stage(admin):
    existing = CompanyFactory(name="Acme", domain="acme.example")
    job = mapped(
        admin,
        ["Website", "Lifecycle Stage"],
        [["acme.example", "Customer"], ["new.example", "MQL"], ["bad.example", "King"]],
        ["domain", "lifecycle_stage"],
        key="domain",
        object_type="company",
    )

    job = run(admin, job)

    existing.refresh_from_db()
    assert existing.lifecycle_stage == "customer"
    assert Company.objects.get(domain="new.example").lifecycle_stage == "mql"
    assert not Company.objects.filter(domain="bad.example").exists()
    assert (job.created_count, job.updated_count, job.failed_count) == (1, 1, 1)


def test_only_the_uploader_or_an_admin_sees_and_acts_on_an_import(admin):
    # given a marketing user's import
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from tandem.imports import selectors

    owner = UserFactory(email="owner@example.com", role=Role.MARKETING)
    stranger = UserFactory(email="stranger@example.com", role=Role.MARKETING)
    job = mapped(owner, ["email"], [["ada@example.com"]], ["email"])

    # then a stranger neither sees it nor may change it, and nothing changes
    assert [row.pk for row in selectors.import_list(stranger).rows] == []
    with pytest.raises(Http404):
        selectors.import_detail(stranger, job.pk)
    with pytest.raises(PermissionDenied):
        services.set_mapping(actor=stranger, job=job, mapping={"0": ""}, key="email", mode="skip")
    with pytest.raises(PermissionDenied):
        services.start_import(actor=stranger, job=job)
    job.refresh_from_db()
    assert (job.status, job.mode, job.mapping) == (Status.UPLOADED, "update", {"0": "email"})
    # and the uploader and an admin do
    assert [row.pk for row in selectors.import_list(owner).rows] == [job.pk]
    assert selectors.import_detail(admin, job.pk) == job


def test_progress_reports_the_committed_rows(admin):
    from tandem.imports import selectors

    job = mapped(admin, ["email"], [["ada@example.com"], ["bad"]], ["email"])
    assert selectors.progress(job)["percent"] == 0
    job = run(admin, job)
    assert selectors.progress(job) == {
        "status": "done",
        "status_label": "Done",
        "total_rows": 2,
        "processed_rows": 2,
        "percent": 100,
        "created": 1,
        "updated": 0,
        "skipped": 0,
        "failed": 1,
        "finished": True,
        "error_message": "",
    }


def test_read_only_users_cannot_upload(admin):
    from django.core.exceptions import PermissionDenied

    reader = UserFactory(email="reader@example.com", role=Role.READ_ONLY)
    with pytest.raises(PermissionDenied):
        upload(reader, ["email"], [["ada@example.com"]])
    assert not ImportJob.objects.exists()


def test_the_sweep_resumes_an_import_whose_runner_died(admin, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    job = mapped(admin, ["email"], [[f"person{number}@example.com"] for number in range(5)], ["email"])
    real_upsert = bulk.upsert_contacts
    calls = {"count": 0}

    def dying_upsert(**arguments):
        calls["count"] += 1
        if calls["count"] == 2:
            raise SystemExit("killed")
        return real_upsert(**arguments)

    monkeypatch.setattr(bulk, "upsert_contacts", dying_upsert)
    ImportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)
    with pytest.raises(SystemExit):
        engine.run(job.pk, worker="dead")
    monkeypatch.setattr(bulk, "upsert_contacts", real_upsert)
    assert services.resume_stalled_imports() == 0  # the lease is still live

    ImportJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert services.resume_stalled_imports() == 1  # Huey runs the task inline in tests

    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count) == (Status.DONE, 5, 5)
    assert Contact.objects.count() == 5
