"""Contact services: create, update, delete to trash, restore, purge. Exact rows on the timeline, in the
stage history and in the audit log."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tandem.contacts import selectors, services
from tandem.contacts.models import Activity, Company, Contact, StageChange
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.access import POLICY, Scope, Verb
from tandem.core.models import Event, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def blue():
    return TeamFactory(name="Blue")


@pytest.fixture
def green():
    return TeamFactory(name="Green")


@pytest.fixture
def alice(blue):
    return UserFactory(email="alice@example.com", role=Role.ADMIN, team=blue)


@pytest.fixture
def charlie(green):
    return UserFactory(email="charlie@example.com", role=Role.SALES, team=green)


def audit_rows(record) -> list[tuple[int, dict | None]]:
    return list(
        LogEntry.objects.filter(object_pk=str(record.pk), content_type__model=type(record)._meta.model_name)
        .order_by("id")
        .values_list("action", "changes")
    )


def timeline_rows(contact) -> list[tuple[str, dict]]:
    return list(contact.activities.order_by("id").values_list("kind", "details"))


def test_given_values_when_a_contact_is_created_then_one_activity_one_stage_change_and_one_audit_row(
    alice, blue
):
    contact = services.create_contact(
        actor=alice,
        values={
            "email": "  Ann@Example.COM ",
            "first_name": "Ann",
            "lifecycle_stage": "mql",
            "country": "de",
        },
        tags=["Webinar 2026"],
    )

    contact.refresh_from_db()
    assert (contact.email, contact.email_domain, contact.country.code) == (
        "Ann@example.com",
        "example.com",
        "DE",
    )
    assert (contact.owner_id, contact.team_id) == (alice.pk, blue.pk)
    assert timeline_rows(contact) == [("created", {}), ("stage_changed", {"from": "", "to": "mql"})]
    assert list(
        StageChange.objects.values_list("contact_id", "from_stage", "to_stage", "actor_id", "cause_type")
    ) == [(contact.pk, "", "mql", alice.pk, "user")]
    assert audit_rows(contact) == [
        (
            LogEntry.Action.CREATE,
            {
                "email": [None, "Ann@example.com"],
                "first_name": [None, "Ann"],
                "country": [None, "DE"],
                "lifecycle_stage": [None, "mql"],
                "owner": [None, str(alice.pk)],
                "team": [None, str(blue.pk)],
                "tags": [None, "webinar 2026"],
            },
        )
    ]
    assert list(Event.objects.order_by("id").values_list("name", flat=True)) == [
        "contacts.contact.stage_changed",
        "contacts.contact.created",
    ]


def test_given_no_stage_when_a_contact_is_created_then_it_starts_as_a_lead(alice):
    contact = services.create_contact(actor=alice, values={"first_name": "Bo"})

    assert contact.lifecycle_stage == "lead"
    assert contact.email is None
    assert list(StageChange.objects.values_list("from_stage", "to_stage")) == [("", "lead")]


def test_given_another_owner_when_a_contact_is_created_then_the_team_follows_that_owner(
    alice, charlie, green
):
    contact = services.create_contact(actor=alice, values={"email": "x@example.com", "owner": charlie.pk})

    assert (contact.owner_id, contact.team_id) == (charlie.pk, green.pk)


def test_given_no_actor_when_a_contact_is_created_then_it_is_unowned_and_the_audit_has_no_actor():
    contact = services.create_contact(
        actor=None, values={"email": "form@example.com"}, cause_type="form", cause_id=7
    )

    assert (contact.owner_id, contact.team_id) == (None, None)
    assert list(Activity.objects.values_list("kind", "actor_id", "subject_type", "subject_id")) == [
        ("created", None, "form", 7),
        ("stage_changed", None, "form", 7),
    ]
    assert list(LogEntry.objects.values_list("actor_id", flat=True)) == [None]


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"team": 1}, {"team": ["“team” cannot be set on a contact."]}),
        ({"score": 99}, {"score": ["“score” cannot be set on a contact."]}),
        ({"email": "not-an-address"}, None),
        ({"lifecycle_stage": "king"}, {"lifecycle_stage": ["“king” is not a lifecycle stage."]}),
        ({"lead_status": "hot"}, {"lead_status": ["“hot” is not a lead status."]}),
        (
            {"country": "Atlantis"},
            {"country": ["“Atlantis” is not a country (use its name or ISO code, e.g. DE)."]},
        ),
        ({"first_name": "x" * 101}, {"first_name": ["At most 100 characters."]}),
        ({"company": 999999}, {"company": ["Choose an existing company."]}),
        ({"owner": 999999}, {"owner": ["Choose an active user as the owner."]}),
    ],
)
def test_given_invalid_values_when_a_contact_is_created_then_nothing_is_written(alice, values, errors):
    with pytest.raises(ValidationError) as error:
        services.create_contact(actor=alice, values=values)

    if errors is None:
        assert list(error.value.message_dict) == ["email"]
        assert error.value.message_dict["email"][0].startswith(
            "“not-an-address” is not a valid email address"
        )
    else:
        assert error.value.message_dict == errors
    assert (Contact.objects.count(), Activity.objects.count(), LogEntry.objects.count()) == (0, 0, 0)


def test_given_a_contact_when_fields_change_then_timeline_and_audit_hold_the_exact_pairs(alice, blue):
    contact = services.create_contact(actor=alice, values={"email": "ann@example.com", "first_name": "Ann"})
    bob = UserFactory(email="bob@example.com", team=TeamFactory(name="Green"))

    services.update_contact(
        actor=alice,
        contact=contact,
        values={"first_name": "Anna", "job_title": "CTO", "owner": bob.pk, "email": "ann@example.com"},
    )

    contact.refresh_from_db()
    assert (contact.first_name, contact.job_title, contact.owner_id, contact.team_id) == (
        "Anna",
        "CTO",
        bob.pk,
        bob.team_id,
    )
    assert timeline_rows(contact)[-1] == (
        "updated",
        {
            "changes": {
                "first_name": ["Ann", "Anna"],
                "job_title": ["", "CTO"],
                "owner": [alice.pk, bob.pk],
                "team": [blue.pk, bob.team_id],
            }
        },
    )
    assert audit_rows(contact)[-1] == (
        LogEntry.Action.UPDATE,
        {
            "first_name": ["Ann", "Anna"],
            "job_title": ["", "CTO"],
            "owner": [str(alice.pk), str(bob.pk)],
            "team": [str(blue.pk), str(bob.team_id)],
        },
    )
    assert StageChange.objects.count() == 1


def test_given_a_contact_when_the_stage_changes_then_a_stage_row_and_a_stage_activity_are_recorded(alice):
    contact = services.create_contact(actor=alice, values={"email": "ann@example.com"})

    services.update_contact(actor=alice, contact=contact, values={"lifecycle_stage": "sql"})

    assert list(StageChange.objects.order_by("id").values_list("from_stage", "to_stage", "actor_id")) == [
        ("", "lead", alice.pk),
        ("lead", "sql", alice.pk),
    ]
    # A stage-only change is told once on the timeline, as a stage change, not also as an update.
    assert timeline_rows(contact) == [
        ("created", {}),
        ("stage_changed", {"from": "", "to": "lead"}),
        ("stage_changed", {"from": "lead", "to": "sql"}),
    ]
    assert audit_rows(contact)[-1] == (LogEntry.Action.UPDATE, {"lifecycle_stage": ["lead", "sql"]})


def test_given_a_contact_when_updated_with_the_same_values_then_nothing_is_written(alice):
    contact = services.create_contact(
        actor=alice, values={"email": "ann@example.com", "first_name": "Ann"}, tags=["vip"]
    )
    updated_at = Contact.objects.get(pk=contact.pk).updated_at
    counts = (
        Activity.objects.count(),
        StageChange.objects.count(),
        LogEntry.objects.count(),
        Event.objects.count(),
    )

    services.update_contact(
        actor=alice,
        contact=contact,
        values={"email": " ann@EXAMPLE.com", "first_name": "Ann ", "lifecycle_stage": "lead"},
        tags=["VIP"],
    )

    assert (
        Activity.objects.count(),
        StageChange.objects.count(),
        LogEntry.objects.count(),
        Event.objects.count(),
    ) == (counts)
    assert Contact.objects.get(pk=contact.pk).updated_at == updated_at


def test_given_a_contact_in_the_trash_when_updated_then_it_is_refused(alice):
    contact = ContactFactory(owner=alice, deleted_at=timezone.now())

    with pytest.raises(ValidationError) as error:
        services.update_contact(actor=alice, contact=contact, values={"first_name": "X"})

    assert error.value.messages == ["This contact is in the trash. Restore it before editing."]


@pytest.mark.parametrize(
    ("existing", "stored", "typed"),
    [
        ("ann@example.com", "ann@example.com", "ANN@example.com"),
        ("Ann@Example.com", "Ann@example.com", "ann@EXAMPLE.COM"),
        ("ann@bücher.de", "ann@bücher.de", "ann@xn--bcher-kva.de"),
        ("ann@xn--bcher-kva.de", "ann@bücher.de", "Ann@BÜCHER.de"),
    ],
)
def test_given_an_address_in_use_when_another_contact_takes_it_in_any_spelling_then_it_is_refused(
    alice, existing, stored, typed
):
    first = services.create_contact(actor=alice, values={"email": existing})
    second = services.create_contact(actor=alice, values={"email": "other@example.com"})

    with pytest.raises(ValidationError) as on_create:
        services.create_contact(actor=alice, values={"email": typed})
    with pytest.raises(ValidationError) as on_update:
        services.update_contact(actor=alice, contact=second, values={"email": typed})

    message = {"email": ["Another contact already has this email address."]}
    assert on_create.value.message_dict == message
    assert on_update.value.message_dict == message
    assert Contact.objects.count() == 2
    assert Contact.objects.get(pk=second.pk).email == "other@example.com"
    assert Contact.objects.get(pk=first.pk).email == stored


def test_given_own_address_when_only_its_case_changes_then_it_is_not_a_duplicate(alice):
    contact = services.create_contact(actor=alice, values={"email": "ann@example.com"})

    services.update_contact(actor=alice, contact=contact, values={"email": "Ann@example.com"})

    assert Contact.objects.get(pk=contact.pk).email == "Ann@example.com"


def test_given_a_role_whose_change_scope_is_owned_when_it_reassigns_then_it_is_refused(monkeypatch, blue):
    # No shipped role has an "owned" change scope yet; the rule must hold the day one does.
    monkeypatch.setitem(POLICY[Role.SALES]["contact"], Verb.CHANGE, Scope.OWNED)
    seller = UserFactory(email="sam@example.com", role=Role.SALES, team=blue)
    colleague = UserFactory(email="col@example.com", role=Role.SALES, team=blue)
    contact = services.create_contact(actor=seller, values={"email": "ann@example.com"})
    counts = (Activity.objects.count(), LogEntry.objects.count())

    with pytest.raises(ValidationError) as error:
        services.update_contact(actor=seller, contact=contact, values={"owner": colleague.pk})
    with pytest.raises(ValidationError) as on_create:
        services.create_contact(actor=seller, values={"email": "new@example.com", "owner": colleague.pk})
    with pytest.raises(ValidationError) as on_bulk:
        services.bulk_update_contacts(
            actor=seller, contact_ids=[contact.pk], action="assign_owner", value=colleague.pk
        )

    for refused in (error, on_create, on_bulk):
        assert refused.value.message_dict == {"owner": ["You can only assign records to yourself."]}
    assert Contact.objects.get(pk=contact.pk).owner_id == seller.pk
    assert (Activity.objects.count(), LogEntry.objects.count()) == counts


def test_given_a_team_scoped_role_when_it_reassigns_then_the_team_follows_the_new_owner(blue, green):
    seller = UserFactory(email="sam@example.com", role=Role.SALES, team=blue)
    other = UserFactory(email="oli@example.com", role=Role.SALES, team=green)
    contact = services.create_contact(actor=seller, values={"email": "ann@example.com"})

    services.update_contact(actor=seller, contact=contact, values={"owner": other.pk})

    assert Contact.objects.filter(pk=contact.pk).values_list("owner_id", "team_id").get() == (
        other.pk,
        green.pk,
    )


def test_given_a_contact_when_deleted_then_it_is_in_the_trash_and_hidden_from_the_list(alice):
    contact = services.create_contact(actor=alice, values={"email": "ann@example.com"})

    services.delete_contact(actor=alice, contact=contact)

    contact.refresh_from_db()
    assert contact.deleted_at is not None
    assert selectors.contact_list(alice, selectors.ContactFilters()).page.rows == []
    assert selectors.contact_list(alice, selectors.ContactFilters()).count == 0
    assert [row.pk for row in selectors.trash(alice, Contact).rows] == [contact.pk]
    assert timeline_rows(contact)[-1] == ("deleted", {})
    assert audit_rows(contact)[-1] == (LogEntry.Action.DELETE, None)


def test_given_a_trashed_contact_when_restored_then_it_is_listed_again(alice):
    contact = services.create_contact(actor=alice, values={"email": "ann@example.com"})
    services.delete_contact(actor=alice, contact=contact)

    services.restore_contact(actor=alice, contact=contact)

    assert [row.pk for row in selectors.contact_list(alice, selectors.ContactFilters()).page.rows] == [
        contact.pk
    ]
    assert timeline_rows(contact)[-1] == ("restored", {})
    assert audit_rows(contact)[-1] == (LogEntry.Action.UPDATE, {"deleted_at": ["trash", None]})


def test_given_a_live_contact_took_the_address_when_the_old_one_is_restored_then_it_is_refused(alice):
    old = services.create_contact(actor=alice, values={"email": "ann@example.com"})
    services.delete_contact(actor=alice, contact=old)
    services.create_contact(actor=alice, values={"email": "ANN@example.com"})

    with pytest.raises(ValidationError) as error:
        services.restore_contact(actor=alice, contact=old)

    assert error.value.messages == [
        "Another contact now uses ann@example.com. Merge or change that contact before restoring this one."
    ]
    assert Contact.objects.get(pk=old.pk).deleted_at is not None


def test_given_a_user_who_may_not_delete_when_restoring_then_it_is_refused(alice, blue):
    contact = services.create_contact(actor=alice, values={"email": "ann@example.com"})
    services.delete_contact(actor=alice, contact=contact)
    reader = UserFactory(email="reader@example.com", role=Role.READ_ONLY, team=blue)

    with pytest.raises(PermissionDenied):
        services.restore_contact(actor=reader, contact=contact)

    assert Contact.objects.get(pk=contact.pk).deleted_at is not None


def test_given_trash_of_several_ages_when_purged_then_only_items_older_than_thirty_days_go(alice):
    now = datetime.datetime(2026, 3, 31, 12, 0, tzinfo=datetime.UTC)
    old_contact = ContactFactory(
        email="old@example.com", deleted_at=now - datetime.timedelta(days=30, seconds=1)
    )
    recent_contact = ContactFactory(email="recent@example.com", deleted_at=now - datetime.timedelta(days=29))
    live_contact = ContactFactory(email="live@example.com")
    old_company = CompanyFactory(deleted_at=now - datetime.timedelta(days=45))
    recent_company = CompanyFactory(deleted_at=now - datetime.timedelta(days=1))

    purged = services.purge_trash(now=now)

    assert purged == (1, 1)
    assert set(Contact.objects.values_list("pk", flat=True)) == {recent_contact.pk, live_contact.pk}
    assert set(Company.objects.values_list("pk", flat=True)) == {recent_company.pk}
    assert not Contact.objects.filter(pk=old_contact.pk).exists()
    assert not Company.objects.filter(pk=old_company.pk).exists()
