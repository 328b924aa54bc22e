import datetime
import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, OuterRef, Subquery

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

SMALL = GeneratorConfig(today=datetime.date(2026, 1, 1), contacts=400, companies=40, chunk_size=150)


class RolledBack(Exception):
    pass


def digest_of_generated_rows() -> str:
    """A digest of everything the generator wrote, by natural keys (ids of users differ between runs on
    PostgreSQL, whose sequences do not roll back)."""
    rows = [
        list(
            Company.objects.order_by("domain").values_list(
                "name", "domain", "industry", "size", "country", "owner__email", "team__name", "created_at"
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
            Activity.objects.order_by("contact__email", "occurred_at", "kind", "body").values_list(
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
def test_demo_loads_the_company_once_and_prints_the_logins():
    first_output, second_output = io.StringIO(), io.StringIO()

    call_command("demo", load_only=True, stdout=first_output)
    call_command("demo", load_only=True, stdout=second_output)

    assert Contact.objects.count() == 5000
    assert Company.objects.count() == 800
    assert "Loaded 5,000 contacts" in first_output.getvalue()
    assert "Reusing the Northwind Analytics demo company" in second_output.getvalue()
    for email in DEMO_LOGINS:
        assert email in second_output.getvalue()
