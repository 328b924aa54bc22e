"""The audit log: rows written by core.audit only, one per target for bulk actions, logins recorded, and
no path in the app that edits or deletes a row."""

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tandem.contacts.models import Contact
from tandem.contacts.tests.factories import ContactFactory, UserFactory
from tandem.core import audit
from tandem.core.models import Role

pytestmark = pytest.mark.django_db


def test_given_three_targets_when_recorded_in_bulk_then_there_is_one_row_per_target():
    actor = UserFactory(email="alice@example.com")
    first, second, third = ContactFactory.create_batch(3)

    written = audit.record_many(
        actor=actor,
        action=audit.Action.UPDATE,
        model=Contact,
        targets=[
            (first.pk, "Ann Lee", {"lifecycle_stage": ["lead", "mql"]}),
            (second.pk, "Bo Ma", {"owner": [1, 2]}),
            (third.pk, "x" * 600, None),
        ],
        event="bulk_set_stage",
        extra={"selected": 3},
    )

    assert written == 3
    assert list(
        LogEntry.objects.order_by("object_id").values_list(
            "object_pk", "object_id", "object_repr", "action", "changes", "actor_id", "additional_data"
        )
    ) == [
        (
            str(first.pk),
            first.pk,
            "Ann Lee",
            LogEntry.Action.UPDATE,
            {"lifecycle_stage": ["lead", "mql"]},
            actor.pk,
            {"event": "bulk_set_stage", "selected": 3},
        ),
        (
            str(second.pk),
            second.pk,
            "Bo Ma",
            LogEntry.Action.UPDATE,
            {"owner": ["1", "2"]},
            actor.pk,
            {"event": "bulk_set_stage", "selected": 3},
        ),
        (
            str(third.pk),
            third.pk,
            "x" * 500,
            LogEntry.Action.UPDATE,
            None,
            actor.pk,
            {"event": "bulk_set_stage", "selected": 3},
        ),
    ]
    assert set(LogEntry.objects.values_list("content_type__model", flat=True)) == {"contact"}


def test_given_no_targets_when_recorded_in_bulk_then_nothing_is_written():
    assert (
        audit.record_many(actor=None, action=audit.Action.DELETE, model=Contact, targets=[], event="bulk")
        == 0
    )
    assert LogEntry.objects.count() == 0


def test_given_a_request_when_one_row_is_recorded_then_it_keeps_the_address_and_stringified_diff():
    actor = UserFactory(email="alice@example.com")
    contact = ContactFactory(first_name="Ann", last_name="Lee")
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.7")

    entry = audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=contact,
        changes={"score": [0, 5], "email": [None, "ann@example.com"]},
        event="scored",
        request=request,
    )

    entry.refresh_from_db()
    assert (entry.object_repr, entry.remote_addr, entry.changes, entry.additional_data, entry.actor_id) == (
        "Ann Lee",
        "192.0.2.7",
        {"score": ["0", "5"], "email": [None, "ann@example.com"]},
        {"event": "scored"},
        actor.pk,
    )


def test_given_two_snapshots_when_diffed_then_only_changed_fields_are_listed_as_pairs():
    before = {"first_name": "Ann", "score": 0, "owner": 1}
    after = {"first_name": "Ann", "score": 5, "owner": None, "job_title": "CTO"}

    assert audit.diff(before, after) == {"score": [0, 5], "owner": [1, None], "job_title": [None, "CTO"]}


def test_given_a_user_when_logging_in_and_failing_then_both_are_audited(client):
    user = UserFactory(email="alice@example.com", role=Role.SALES)

    client.force_login(user)
    assert authenticate(email="alice@example.com", password="wrong") is None

    assert list(
        LogEntry.objects.order_by("id").values_list("action", "actor_id", "object_pk", "additional_data")
    ) == [
        (LogEntry.Action.ACCESS, user.pk, str(user.pk), {"event": "login"}),
        (LogEntry.Action.ACCESS, None, str(user.pk), {"event": "login_failed"}),
    ]


def all_url_patterns(resolver=None, prefix: str = ""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from all_url_patterns(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def test_given_the_installed_apps_then_the_django_admin_is_not_there_to_edit_audit_rows():
    # auditlog registers LogEntry with the admin site only when the admin is installed.
    assert apps.is_installed("django.contrib.admin") is False


def test_given_every_url_when_listed_then_none_leads_to_an_audit_row_edit_or_delete():
    suspicious = [
        route
        for route, pattern in all_url_patterns()
        if "logentry" in route.lower()
        or "admin/" in route.lower()
        or (
            "audit" in f"{route} {pattern.name}".lower()
            and any(
                word in f"{route} {pattern.name}".lower() for word in ("edit", "delete", "change", "update")
            )
        )
        or getattr(pattern.callback, "__module__", "").startswith("auditlog")
    ]

    assert suspicious == []


def test_given_the_audit_log_page_when_posted_to_then_nothing_is_deleted(client):
    admin = UserFactory(email="root@example.com", role=Role.ADMIN)
    audit.record(actor=admin, action=audit.Action.UPDATE, target=ContactFactory(), changes={"score": [0, 1]})
    client.force_login(admin)
    rows = LogEntry.objects.count()

    response = client.post(reverse("core:audit_log"), {"delete": "1", "id": LogEntry.objects.first().pk})

    assert response.status_code == 405
    assert LogEntry.objects.count() == rows


def test_the_audit_page_names_changes_as_the_record_types_catalogue_and_properties_do(client):
    from tandem.contacts import services
    from tandem.contacts.models import PropertyDefinition, PropertyType

    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    PropertyDefinition.objects.create(
        object_type="contact", name="plan", label="Customer plan", value_type=PropertyType.TEXT
    )
    contact = ContactFactory(lifecycle_stage="lead", properties={})
    services.update_contact(
        actor=admin,
        contact=contact,
        values={"lifecycle_stage": "mql", "source_medium": "cpc", "properties": {"plan": "Pro"}},
    )
    client.force_login(admin)

    response = client.get(reverse("core:audit_log"), {"object_type": ""})
    row = next(row for row in response.context["page"].rows if row.entry.action == audit.Action.UPDATE)

    # The catalogue's labels ("Medium" on the contact's form), the property's label, not its key.
    assert sorted(row.changes) == [
        ("Customer plan", None, "Pro"),
        ("Lifecycle stage", "Lead", "Marketing qualified lead"),
        ("Medium", "", "cpc"),
    ]
    assert row.url == f"/contacts/{contact.pk}/"
    assert "properties.plan" not in response.content.decode()


def test_what_the_services_audit_is_the_catalogues_audited_columns():
    from tandem.core.records import registry

    # Score, the timestamps and the external id are declared `audited=False`; tags are not a column (their
    # changes are audited by the tag path itself).
    assert registry.get("contact").audited_attributes() == [
        "first_name",
        "last_name",
        "email",
        "phone",
        "job_title",
        "company",
        "country",
        "lifecycle_stage",
        "lead_status",
        "owner",
        "team",
        "source",
        "source_medium",
        "source_campaign",
        "source_referrer",
        "source_landing_page",
    ]
    assert registry.get("company").audited_attributes() == [
        "name",
        "domain",
        "industry",
        "size",
        "country",
        "phone",
        "lifecycle_stage",
        "owner",
        "team",
    ]
