"""Bulk actions on contacts and companies: exact counts, rows outside the actor's scope skipped, one
timeline entry and one audit row per changed record."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from tandem.contacts import services
from tandem.contacts.models import Activity, Company, Contact, ContactTag, StageChange, Tag
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    """Sam (sales, Blue) acts; Bea is Sam's teammate; Gus is in Green. Sales changes its team, deletes its own."""
    blue, green = TeamFactory(name="Blue"), TeamFactory(name="Green")
    return {
        "sam": UserFactory(email="sam@example.com", role=Role.SALES, team=blue),
        "bea": UserFactory(email="bea@example.com", role=Role.SALES, team=blue),
        "gus": UserFactory(email="gus@example.com", role=Role.SALES, team=green),
    }


@pytest.fixture
def contacts(people):
    return {
        "sams": ContactFactory(first_name="Sams", last_name="Lead", owner=people["sam"]),
        "beas": ContactFactory(
            first_name="Beas", last_name="Lead", owner=people["bea"], lifecycle_stage="mql"
        ),
        "gus": ContactFactory(first_name="Gus", last_name="Lead", owner=people["gus"]),
        "nobodys": ContactFactory(first_name="Nobodys", last_name="Lead", owner=None),
    }


def all_ids(contacts) -> list[int]:
    return [contact.pk for contact in contacts.values()]


def bulk_activities(kind: str) -> list[tuple[int, dict]]:
    return list(
        Activity.objects.filter(kind=kind, subject_type="bulk")
        .order_by("contact_id")
        .values_list("contact_id", "details")
    )


def bulk_audit(event: str) -> list[tuple[str, int, dict | None]]:
    return list(
        LogEntry.objects.filter(additional_data__event=event)
        .order_by("object_id")
        .values_list("object_repr", "action", "changes")
    )


def test_given_four_contacts_when_sales_sets_a_stage_then_only_the_team_ones_change(people, contacts):
    sam = people["sam"]

    changed = services.bulk_update_contacts(
        actor=sam, contact_ids=all_ids(contacts), action="set_stage", value="sql"
    )

    sams, beas = contacts["sams"], contacts["beas"]
    assert changed == 2
    assert dict(Contact.objects.values_list("first_name", "lifecycle_stage")) == {
        "Sams": "sql",
        "Beas": "sql",
        "Gus": "lead",
        "Nobodys": "lead",
    }
    assert list(
        StageChange.objects.order_by("contact_id").values_list(
            "contact_id", "from_stage", "to_stage", "cause_type"
        )
    ) == [(sams.pk, "lead", "sql", "bulk"), (beas.pk, "mql", "sql", "bulk")]
    assert bulk_activities("stage_changed") == [
        (sams.pk, {"from": "lead", "to": "sql"}),
        (beas.pk, {"from": "mql", "to": "sql"}),
    ]
    assert bulk_audit("bulk_set_stage") == [
        ("Sams Lead", LogEntry.Action.UPDATE, {"lifecycle_stage": ["lead", "sql"]}),
        ("Beas Lead", LogEntry.Action.UPDATE, {"lifecycle_stage": ["mql", "sql"]}),
    ]


def test_given_a_contact_already_in_the_stage_when_set_again_then_it_is_not_counted(people, contacts):
    changed = services.bulk_update_contacts(
        actor=people["sam"], contact_ids=[contacts["beas"].pk], action="set_stage", value="mql"
    )

    assert changed == 0
    assert (StageChange.objects.count(), Activity.objects.count(), LogEntry.objects.count()) == (0, 0, 0)


def test_given_four_contacts_when_sales_assigns_an_owner_then_the_team_follows_and_others_are_skipped(
    people, contacts
):
    sam, gus = people["sam"], people["gus"]
    sams, beas = contacts["sams"], contacts["beas"]

    changed = services.bulk_update_contacts(
        actor=sam, contact_ids=all_ids(contacts), action="assign_owner", value=gus.pk
    )

    assert changed == 2
    assert dict(Contact.objects.values_list("first_name", "owner_id")) == {
        "Sams": gus.pk,
        "Beas": gus.pk,
        "Gus": gus.pk,
        "Nobodys": None,
    }
    assert set(Contact.objects.filter(owner=gus).values_list("team_id", flat=True)) == {gus.team_id}
    assert bulk_activities("updated") == [
        (sams.pk, {"changes": {"owner": [sam.pk, gus.pk], "team": [sam.team_id, gus.team_id]}}),
        (beas.pk, {"changes": {"owner": [people["bea"].pk, gus.pk], "team": [sam.team_id, gus.team_id]}}),
    ]
    assert bulk_audit("bulk_assign_owner") == [
        (
            "Sams Lead",
            LogEntry.Action.UPDATE,
            {"owner": [str(sam.pk), str(gus.pk)], "team": [str(sam.team_id), str(gus.team_id)]},
        ),
        (
            "Beas Lead",
            LogEntry.Action.UPDATE,
            {"owner": [str(people["bea"].pk), str(gus.pk)], "team": [str(sam.team_id), str(gus.team_id)]},
        ),
    ]


def test_given_four_contacts_when_sales_adds_a_tag_then_team_contacts_carry_it_once(people, contacts):
    sam = people["sam"]
    beas = contacts["beas"]
    tag = Tag.objects.create(name="vip")
    ContactTag.objects.create(contact=beas, tag=tag)

    changed = services.bulk_update_contacts(
        actor=sam, contact_ids=all_ids(contacts), action="add_tag", value="  VIP "
    )

    assert changed == 1
    assert sorted(ContactTag.objects.values_list("contact__first_name", flat=True)) == ["Beas", "Sams"]
    assert bulk_activities("updated") == [(contacts["sams"].pk, {"changes": {"tags": [None, "vip"]}})]
    assert bulk_audit("bulk_add_tag") == [("Sams Lead", LogEntry.Action.UPDATE, {"tags": [None, "vip"]})]


def test_given_tagged_contacts_when_sales_removes_the_tag_then_only_team_contacts_lose_it(people, contacts):
    tag = Tag.objects.create(name="vip")
    for contact in contacts.values():
        ContactTag.objects.create(contact=contact, tag=tag)

    changed = services.bulk_update_contacts(
        actor=people["sam"], contact_ids=all_ids(contacts), action="remove_tag", value="vip"
    )

    assert changed == 2
    assert sorted(ContactTag.objects.values_list("contact__first_name", flat=True)) == ["Gus", "Nobodys"]
    assert [row[0] for row in bulk_activities("updated")] == [contacts["sams"].pk, contacts["beas"].pk]
    assert bulk_audit("bulk_remove_tag") == [
        ("Sams Lead", LogEntry.Action.UPDATE, {"tags": ["vip", None]}),
        ("Beas Lead", LogEntry.Action.UPDATE, {"tags": ["vip", None]}),
    ]


def test_given_a_tag_nobody_has_when_removed_then_nothing_changes_and_no_tag_is_created(people, contacts):
    changed = services.bulk_update_contacts(
        actor=people["sam"], contact_ids=all_ids(contacts), action="remove_tag", value="ghost"
    )

    assert changed == 0
    assert (Tag.objects.count(), Activity.objects.count(), LogEntry.objects.count()) == (0, 0, 0)


def test_given_four_contacts_when_sales_deletes_them_then_only_its_own_goes_to_the_trash(people, contacts):
    changed = services.bulk_update_contacts(
        actor=people["sam"], contact_ids=all_ids(contacts), action="delete"
    )

    assert changed == 1
    assert list(Contact.objects.filter(deleted_at__isnull=False).values_list("first_name", flat=True)) == [
        "Sams"
    ]
    assert bulk_activities("deleted") == [(contacts["sams"].pk, {})]
    assert bulk_audit("bulk_delete") == [("Sams Lead", LogEntry.Action.DELETE, None)]


@pytest.mark.parametrize(
    ("action", "value", "ids", "errors"),
    [
        ("merge", None, [1], {"action": ["Choose what to do with the selected contacts."]}),
        ("set_stage", "sql", [], {"contact_ids": ["Select at least one contact."]}),
        ("set_stage", "king", [1], {"value": ["Choose a lifecycle stage."]}),
        ("add_tag", "   ", [1], {"value": ["Type the tag."]}),
        ("assign_owner", None, [1], {"value": ["Choose the new owner."]}),
        ("assign_owner", 999999, [1], {"owner": ["Choose an active user as the owner."]}),
    ],
)
def test_given_an_invalid_bulk_request_when_applied_then_it_is_refused(people, action, value, ids, errors):
    with pytest.raises(ValidationError) as error:
        services.bulk_update_contacts(actor=people["sam"], contact_ids=ids, action=action, value=value)

    assert error.value.message_dict == errors


def test_given_companies_when_sales_assigns_and_deletes_in_bulk_then_scope_decides(people):
    sam, bea, gus = people["sam"], people["bea"], people["gus"]
    own = CompanyFactory(name="Own", owner=sam)
    teammates = CompanyFactory(name="Teammates", owner=bea)
    others = CompanyFactory(name="Others", owner=gus)
    ids = [own.pk, teammates.pk, others.pk]

    assigned = services.bulk_update_companies(actor=sam, company_ids=ids, action="assign_owner", value=bea.pk)
    deleted = services.bulk_update_companies(actor=bea, company_ids=ids, action="delete")

    assert (assigned, deleted) == (1, 2)
    assert dict(Company.objects.values_list("name", "owner_id")) == {
        "Own": bea.pk,
        "Teammates": bea.pk,
        "Others": gus.pk,
    }
    assert sorted(Company.objects.filter(deleted_at__isnull=False).values_list("name", flat=True)) == [
        "Own",
        "Teammates",
    ]
    assert list(
        Activity.objects.filter(subject_type="bulk")
        .order_by("company__name", "-kind")
        .values_list("company__name", "kind", "details")
    ) == [
        ("Own", "updated", {"changes": {"owner": [sam.pk, bea.pk], "team": [sam.team_id, bea.team_id]}}),
        ("Own", "deleted", {}),
        ("Teammates", "deleted", {}),
    ]
    assert list(
        LogEntry.objects.order_by("object_repr", "action").values_list("object_repr", "action", "changes")
    ) == [
        (
            "Own",
            LogEntry.Action.UPDATE,
            {"owner": [str(sam.pk), str(bea.pk)], "team": [str(sam.team_id)] * 2},
        ),
        ("Own", LogEntry.Action.DELETE, None),
        ("Teammates", LogEntry.Action.DELETE, None),
    ]
