import datetime
import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery

from tandem.contacts.duplicates import duplicate_groups
from tandem.contacts.models import (
    Activity,
    Company,
    Consent,
    Contact,
    LifecycleStage,
    StageChange,
    Suppression,
)
from tandem.core.models import Role, User
from tandem.demo.generator import DEMO_LOGINS, GeneratorConfig, generate
from tandem.demo.generator.history import COMPANY_PHONE_PREFIX, CONTACT_PHONE_PREFIX
from tandem.engagements.models import Engagement, Task
from tandem.exports.models import ExportJob
from tandem.imports.models import ImportChange, ImportJob

SMALL = GeneratorConfig(today=datetime.date(2026, 1, 1), contacts=400, companies=40, chunk_size=150)


class RolledBack(Exception):
    pass


# Timeline kinds whose subject is a row numbered by a database sequence in the generator (bulk_create): on
# PostgreSQL the second run gets other numbers, so these entries are compared without their subject id.
SEQUENCE_NUMBERED_KINDS = [
    "email_replied",
    "email_received",
    "deal_created",
    "deal_moved",
    "deal_won",
    "deal_lost",
    "quote_sent",
    "quote_accepted",
    "quote_declined",
    # Logged on deals (their subject is the deal); on contacts their subject id is the contact's, stable,
    # but the kinds are compared the one way.
    "call_logged",
    "meeting_logged",
    "email_logged",
    "task_completed",
]


def digest_of_generated_rows() -> str:
    """A digest of everything the generator wrote, by natural keys (ids of users differ between runs on
    PostgreSQL, whose sequences do not roll back)."""
    rows = [
        list(
            Company.objects.order_by("domain").values_list(
                "name",
                "domain",
                "industry",
                "size",
                "country",
                "lifecycle_stage",
                "owner__email",
                "team__name",
                "created_at",
            )
        ),
        list(
            Contact.objects.order_by("email").values_list(
                "email",
                "first_name",
                "last_name",
                "phone",
                "job_title",
                "company__domain",
                "country",
                "lifecycle_stage",
                "lead_status",
                "score",
                "source",
                "source_medium",
                "owner__email",
                "team__name",
                "properties",
                "created_at",
                "updated_at",
            )
        ),  # fmt: skip
        list(
            StageChange.objects.order_by("contact__email", "changed_at", "to_stage").values_list(
                "contact__email", "from_stage", "to_stage", "changed_at", "actor__email", "cause_type"
            )
        ),
        list(
            # An import's id differs between runs on PostgreSQL: imported activities are compared without it; so
            # do an inbound reply's and a deal's (their rows take the sequence's next id, and a rolled-back run
            # does not give the numbers back), compared below without it too.
            Activity.objects.exclude(kind__in=["imported", *SEQUENCE_NUMBERED_KINDS])
            .order_by("contact__email", "occurred_at", "kind", "body")
            .values_list(
                "contact__email",
                "company__domain",
                "kind",
                "occurred_at",
                "actor__email",
                "subject_id",
                "body",
                "details",
            )
        ),  # fmt: skip
        # Several entries can share every ordered column (a company's deals opened on one day, without a
        # contact): the rows are sorted whole, so the database's order among ties does not matter.
        sorted(
            Activity.objects.filter(kind__in=SEQUENCE_NUMBERED_KINDS).values_list(
                "contact__email", "company__domain", "kind", "occurred_at", "body", "details"
            ),
            key=lambda row: json.dumps(row, default=str, sort_keys=True),
        ),
        list(
            Consent.objects.order_by("contact__email", "purpose").values_list(
                "contact__email", "purpose", "status", "recorded_at", "ip_address", "confirmed_at"
            )
        ),
        list(
            Suppression.objects.order_by("address_hash").values_list("address_hash", "reason", "created_at")
        ),
        list(
            Contact.tags.through.objects.order_by("contact__email", "tag__name").values_list(
                "contact__email", "tag__name"
            )
        ),  # fmt: skip
        list(
            ImportJob.objects.order_by("original_name").values_list(
                "original_name",
                "stored_path",
                "status",
                "created_count",
                "failed_count",
                "created_at",
                "finished_at",
            )
        ),
        list(
            ImportChange.objects.annotate(
                email=Subquery(Contact.objects.filter(pk=OuterRef("object_id")).values("email"))
            )
            .order_by("job__original_name", "email")
            .values_list("job__original_name", "email", "created")
        ),
        list(
            Activity.objects.filter(kind="imported")
            .order_by("contact__email", "occurred_at")
            .values_list("contact__email", "company__domain", "occurred_at", "actor__email", "details")
        ),
        # Engagements and tasks carry explicit ids (stable between runs); their subject may be a deal (not).
        sorted(
            Engagement.objects.values_list(
                "id", "kind", "subject_type", "occurred_at", "duration_minutes", "outcome", "body",
                "logged_by__email",
            ),
            key=lambda row: json.dumps(row, default=str, sort_keys=True),
        ),
        sorted(
            Task.objects.values_list(
                "id", "title", "subject_type", "due_date", "due_time", "priority", "task_type", "status",
                "done_at", "owner__email", "created_at",
            ),
            key=lambda row: json.dumps(row, default=str, sort_keys=True),
        ),
        list(
            ExportJob.objects.order_by("created_at").values_list(
                "user__email", "object_type", "query", "row_count", "created_at"
            )
        ),
    ]
    text = json.dumps(rows, default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def generate_and_digest(config: GeneratorConfig) -> tuple[str, int]:
    try:
        with transaction.atomic():
            generate(config)
            result = digest_of_generated_rows(), Activity.objects.count()
            raise RolledBack
    except RolledBack:
        return result


@pytest.mark.django_db
def test_two_runs_with_the_same_config_write_identical_rows():
    first_digest, first_activities = generate_and_digest(SMALL)
    second_digest, second_activities = generate_and_digest(SMALL)

    assert Contact.objects.count() == 0
    assert first_digest == second_digest
    assert first_activities == second_activities
    assert first_activities > 4 * SMALL.contacts


@pytest.mark.django_db
def test_another_seed_writes_other_rows():
    first_digest, _ = generate_and_digest(SMALL)
    other_digest, _ = generate_and_digest(GeneratorConfig(**{**SMALL.__dict__, "seed": 7}))

    assert first_digest != other_digest


@pytest.mark.django_db
def test_the_company_has_every_stage_role_and_a_consistent_history():
    context = generate(SMALL)

    assert Contact.objects.count() == 400
    assert Company.objects.count() == 40
    assert context.writer.counts["contacts_contact"] == 400
    stages = set(Contact.objects.values_list("lifecycle_stage", flat=True))
    assert stages == set(LifecycleStage.values)
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert set(User.objects.filter(email__in=DEMO_LOGINS).values_list("email", flat=True)) == set(DEMO_LOGINS)
    assert User.objects.exclude(team=None).values("team").distinct().count() == 4
    latest = StageChange.objects.filter(contact=OuterRef("pk")).order_by("-changed_at", "-id")
    with_latest = Contact.objects.annotate(latest_stage=Subquery(latest.values("to_stage")[:1]))
    assert list(with_latest.exclude(latest_stage=F("lifecycle_stage")).values_list("pk", flat=True)) == []
    assert StageChange.objects.filter(from_stage="").count() == 400
    end = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    assert Activity.objects.filter(occurred_at__gt=end).count() == 0
    assert StageChange.objects.filter(changed_at__gt=end).count() == 0


@pytest.mark.django_db
def test_seed_loads_exactly_the_number_of_contacts_asked_for():
    output = io.StringIO()

    call_command("seed", contacts=2000, companies=50, activities=4000, stdout=output)

    assert Contact.objects.count() == 2000
    assert Company.objects.count() == 50
    assert "Seeded 2,000 contacts" in output.getvalue()


@pytest.mark.django_db
def test_seed_refuses_a_database_that_already_has_contacts():
    generate(SMALL)

    with pytest.raises(Exception, match="already has 400 contacts"):
        call_command("seed", contacts=10, stdout=io.StringIO())

    assert Contact.objects.count() == 400


@pytest.mark.django_db
def test_demo_loads_the_company_once_and_prints_the_logins(settings, monkeypatch):
    # Serving, the command keeps mail in the mailbox for its process; loading only (as here) must leave the
    # process alone, or every later test in the run would deliver to the mailbox whatever relay it sets.
    settings.TANDEM_MAIL_KEEP_IN_MAILBOX = False
    monkeypatch.delenv("TANDEM_MAIL_KEEP_IN_MAILBOX", raising=False)
    first_output, second_output = io.StringIO(), io.StringIO()

    call_command("demo", load_only=True, stdout=first_output)
    call_command("demo", load_only=True, stdout=second_output)

    assert Contact.objects.count() == 5000
    assert Company.objects.count() == 800
    assert "Loaded 5,000 contacts" in first_output.getvalue()
    assert "Reusing the Northwind Analytics demo company" in second_output.getvalue()
    for email in DEMO_LOGINS:
        assert email in second_output.getvalue()
    assert settings.TANDEM_MAIL_KEEP_IN_MAILBOX is False


def pairs_of(reason_key: str, object_type: str, user) -> list[tuple]:
    """Every likely-duplicate group for a reason, as (key, size)."""
    _page, groups = duplicate_groups(user, object_type, reason_key, limit=500)
    return [(group.key, group.size) for group in groups]


@pytest.mark.django_db
def test_the_demo_has_likely_duplicates_for_every_reason():
    generate(SMALL)
    admin = User.objects.get(email=DEMO_LOGINS[0])

    planted_contact_phones = [
        pair for pair in pairs_of("phone", "contact", admin) if pair[0][0].startswith(CONTACT_PHONE_PREFIX)
    ]
    planted_company_phones = [
        pair for pair in pairs_of("phone", "company", admin) if pair[0][0].startswith(COMPANY_PHONE_PREFIX)
    ]

    assert [size for _key, size in planted_contact_phones] == [2] * 10
    assert [size for _key, size in pairs_of("name_domain", "contact", admin)] == [2] * 8
    assert [size for _key, size in pairs_of("name_company", "contact", admin)] == [2] * 7
    assert [size for _key, size in pairs_of("name", "company", admin)] == [2] * 3
    assert [size for _key, size in planted_company_phones] == [2] * 2
    assert Contact.objects.count() == 400
    assert Company.objects.count() == 40


@pytest.mark.django_db
def test_the_demo_has_two_finished_imports_that_can_be_undone_and_two_expired_exports():
    generate(SMALL)

    jobs = list(ImportJob.objects.order_by("finished_at"))
    exports = list(ExportJob.objects.order_by("created_at"))

    assert [job.original_name for job in jobs] == [
        "data-summit-badge-scans.csv",
        "webinar-forecasting-101-attendees.xlsx",
    ]
    for job in jobs:
        created_ids = sorted(
            ImportChange.objects.filter(job=job, created=True).values_list("object_id", flat=True)
        )
        imported_ids = sorted(
            Activity.objects.filter(kind="imported", subject_type="import", subject_id=job.pk).values_list(
                "contact_id", flat=True
            )
        )
        assert job.status == "done"
        assert job.created_by.email == "marketing@demo.tandem.test"
        assert job.created_count == len(created_ids) > 0
        assert job.total_rows == job.processed_rows == job.created_count + 2
        assert job.row_errors.count() == job.failed_count == 2
        assert imported_ids == created_ids
        assert Contact.objects.filter(pk__in=created_ids).count() == len(created_ids)
    assert [(export.status, export.file_name, export.has_file) for export in exports] == [
        ("finished", "", False),
        ("finished", "", False),
    ]
    assert exports[0].row_count == Contact.objects.filter(lifecycle_stage="customer").count()
    assert exports[1].row_count == 40


@pytest.mark.django_db
def test_the_same_phone_tab_shows_only_the_planted_pairs():
    generate(SMALL)
    admin = User.objects.get(email=DEMO_LOGINS[0])
    phones = list(Contact.objects.exclude(phone="").values_list("phone", flat=True))
    switchboards = list(Company.objects.exclude(phone="").values_list("phone", flat=True))

    assert [key[0][: len(CONTACT_PHONE_PREFIX)] for key, _size in pairs_of("phone", "contact", admin)] == [
        CONTACT_PHONE_PREFIX
    ] * 10
    assert [key[0][: len(COMPANY_PHONE_PREFIX)] for key, _size in pairs_of("phone", "company", admin)] == [
        COMPANY_PHONE_PREFIX
    ] * 2
    # Many area codes and cities, not a handful: at least one number in ten has its own area code.
    assert len({phone[:5] for phone in phones}) >= len(phones) // 10
    assert len(switchboards) >= Company.objects.count() // 3


@pytest.mark.django_db
def test_every_generated_contact_carries_its_suppression_key():
    # given the demo company, generated (the minute sweep that fills missing keys has not run)
    from tandem.contacts.normalize import address_hash

    generate(SMALL)

    # then every contact's key is the one the services store for its address, planted duplicates included
    rows = list(Contact.objects.values_list("email", "address_hash"))
    assert len(rows) == SMALL.contacts
    assert [email for email, stored in rows if stored != address_hash(email)] == []
    # and suppressed addresses are found through it (the join not_suppressed() makes); a few suppressed
    # contacts got another address when the duplicates were planted, so their suppression matches nobody
    assert 0 < Contact.objects.suppressed().count() <= Suppression.objects.count()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="VACUUM and the visibility map are PostgreSQL's"
)
def test_seed_leaves_postgresql_vacuumed_so_counts_are_index_only_scans():
    call_command("seed", contacts=300, companies=20, activities=600, stdout=io.StringIO())

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables"
            " WHERE relname = 'contacts_contact'"
        )
        vacuumed, analysed = cursor.fetchone()
        # Every page of the freshly loaded table is marked all-visible: an index-only scan reads no row.
        cursor.execute("SELECT relallvisible = relpages FROM pg_class WHERE relname = 'contacts_contact'")
        all_visible = cursor.fetchone()[0]
    assert (vacuumed, analysed, all_visible) == (True, True, True)


@pytest.mark.django_db
def test_the_demo_keeps_mail_in_the_mailbox_and_has_a_verified_default_sender():
    from tandem.mail.models import Identity, Relay
    from tandem.mail.selectors import default_identity

    generate(SMALL)

    assert Relay.objects.get().kind == "mailbox"
    assert [(identity.from_name, identity.address) for identity in Identity.objects.all()] == [
        ("Northwind Analytics", "hello@demo.tandem.test")
    ]
    assert default_identity().verified_at == datetime.datetime(2025, 1, 1, 9, tzinfo=datetime.UTC)
