"""What a user may not do in one step they may not do in two (issue 7): a sales user, allowed to delete only
the contacts they own, must not delete a teammate's contact by first assigning it to themself.

The rule (tandem.core.access.can_reassign): giving a record a new owner may not widen what the actor may do
with it. Every role and ownership case, through each write path that can change an owner: the single
update, the bulk assignment and a merge that takes the other record's owner. A refused step leaves no
trace, and the second step (delete) stays refused.

Personas as in test_permissions_matrix: alice (the actor, each role in turn) and bob share Blue, charlie
is in Green; the record is alice's, bob's, charlie's or nobody's.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tandem.contacts import services
from tandem.contacts.services import merge as merge_services
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.contacts.tests.test_permissions_matrix import OWNERSHIPS, footprint, fresh, owner_for
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.models import Role

pytestmark = pytest.mark.django_db

# Written out by hand: may alice make the record hers (own, teammate's, other team's, unowned)?
# Marketing deletes within its team, so it may take a teammate's record but not another team's; sales
# deletes only what it owns, so it may take nothing; service may not delete at all, so taking a teammate's
# record grants it nothing new.
MAY_TAKE = {
    Role.ADMIN: "YYYY",
    Role.MARKETING: "YYNN",
    Role.SALES: "YNNN",
    Role.SERVICE: "YYNN",
    Role.READ_ONLY: "NNNN",
}
CASES = [
    (role, object_type, ownership, MAY_TAKE[role][position] == "Y")
    for role in MAY_TAKE
    for object_type in ("contact", "company")
    for position, ownership in enumerate(OWNERSHIPS)
]
IDS = [f"{role}-{object_type}-{ownership}" for role, object_type, ownership, _ in CASES]


@pytest.fixture
def personas():
    blue, green = TeamFactory(name="Blue"), TeamFactory(name="Green")
    return {
        "alice": UserFactory(email="alice@example.com", team=blue, role=Role.ADMIN),
        "bob": UserFactory(email="bob@example.com", team=blue, role=Role.SALES),
        "charlie": UserFactory(email="charlie@example.com", team=green, role=Role.SALES),
    }


def as_role(personas, role):
    alice = personas["alice"]
    alice.role = role
    alice.save(update_fields=["role"])
    return alice


def make(object_type: str, owner, number: int = 1):
    if object_type == "contact":
        return ContactFactory(email=f"dana{number}@example.com", first_name="Dana", owner=owner)
    return CompanyFactory(name=f"Globex {number}", domain=f"globex{number}.example", owner=owner)


def take_by_update(alice, record):
    if isinstance(record, services.contacts.Contact):
        return services.update_contact(actor=alice, contact=fresh(record), values={"owner": alice.pk})
    return services.update_company(actor=alice, company=fresh(record), values={"owner": alice.pk})


def take_by_bulk(alice, record) -> int:
    if isinstance(record, services.contacts.Contact):
        return services.bulk_update_contacts(
            actor=alice, contact_ids=[record.pk], action="assign_owner", value=alice.pk
        )
    return services.bulk_update_companies(
        actor=alice, company_ids=[record.pk], action="assign_owner", value=alice.pk
    )


def delete(alice, record):
    if isinstance(record, services.contacts.Contact):
        return services.delete_contact(actor=alice, contact=fresh(record))
    return services.delete_company(actor=alice, company=fresh(record))


@pytest.mark.parametrize(("role", "object_type", "ownership", "may_take"), CASES, ids=IDS)
def test_taking_ownership_by_update_then_deleting(personas, role, object_type, ownership, may_take):
    alice = as_role(personas, role)
    record = make(object_type, owner_for(personas, ownership))
    could_delete_before = access.can(alice, Verb.DELETE, record)
    before = footprint(record)

    # step one: make it hers
    if may_take:
        take_by_update(alice, record)
        assert fresh(record).owner_id == alice.pk
        assert fresh(record).team_id == alice.team_id
    else:
        with pytest.raises((PermissionDenied, ValidationError)):
            take_by_update(alice, record)
        assert footprint(record) == before

    # step two: delete it; only who could delete it at the start may
    if not could_delete_before:
        unchanged = footprint(record)
        with pytest.raises(PermissionDenied):
            delete(alice, record)
        assert footprint(record) == unchanged
        assert fresh(record).deleted_at is None


@pytest.mark.parametrize(("role", "object_type", "ownership", "may_take"), CASES, ids=IDS)
def test_taking_ownership_in_bulk_takes_only_what_may_be_taken(
    personas, role, object_type, ownership, may_take
):
    alice = as_role(personas, role)
    record = make(object_type, owner_for(personas, ownership))
    before = footprint(record)

    changed = take_by_bulk(alice, record)

    if may_take and ownership != "own":
        assert changed == 1
        assert (fresh(record).owner_id, fresh(record).team_id) == (alice.pk, alice.team_id)
    else:
        assert changed == 0
        assert footprint(record) == before


@pytest.mark.parametrize("object_type", ["contact", "company"])
def test_a_sales_user_cannot_take_a_teammates_record_through_a_merge(personas, object_type):
    # given alice (sales) may change bob's record and delete her own, and merges hers into bob's
    alice = as_role(personas, Role.SALES)
    teammates = make(object_type, personas["bob"], 1)
    hers = make(object_type, alice, 2)
    before = footprint(teammates)
    merge = merge_services.merge_contacts if object_type == "contact" else merge_services.merge_companies

    # when she chooses her record's owner for the survivor, then the merge is refused and nothing changed
    with pytest.raises(ValidationError) as refused:
        merge(actor=alice, survivor=fresh(teammates), other=fresh(hers), choices={"owner": "other"})

    assert "owner" in refused.value.message_dict
    assert footprint(teammates) == before
    assert fresh(hers).deleted_at is None
    with pytest.raises(PermissionDenied):
        delete(alice, teammates)


def test_giving_away_ones_own_record_stays_allowed(personas):
    alice = as_role(personas, Role.SALES)
    mine = make("contact", alice)

    services.update_contact(actor=alice, contact=mine, values={"owner": personas["bob"].pk})

    assert (fresh(mine).owner_id, fresh(mine).team_id) == (personas["bob"].pk, personas["bob"].team_id)
