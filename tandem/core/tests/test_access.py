"""Access helpers on their own (core may not import contacts; the full role x type x verb x ownership
matrix against real records is tandem/contacts/tests/test_permissions_matrix.py)."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from tandem.core import access
from tandem.core.access import Scope, Verb
from tandem.core.models import Role, User


@dataclass
class Record:
    """A stand-in for an owned record: the helpers read only these three attributes."""

    owner_id: int | None
    team_id: int | None
    access_object_type = "contact"


class Untyped:
    owner_id = 1
    team_id = 1


def person(role: str, *, pk: int = 1, team_id: int | None = 10, active: bool = True) -> User:
    return User(pk=pk, email=f"user{pk}@example.com", role=role, team_id=team_id, is_active=active)


@pytest.mark.parametrize(
    ("role", "object_type", "verb", "scope"),
    [
        (Role.ADMIN, "audit", Verb.VIEW, Scope.EVERYTHING),
        (Role.ADMIN, "audit", Verb.DELETE, Scope.NONE),
        (Role.MARKETING, "audit", Verb.VIEW, Scope.NONE),
        (Role.SALES, "property", Verb.CREATE, Scope.NONE),
        (Role.READ_ONLY, "property", Verb.VIEW, Scope.EVERYTHING),
        (Role.ADMIN, "spaceship", Verb.VIEW, Scope.NONE),
        ("astronaut", "contact", Verb.VIEW, Scope.NONE),
    ],
)
def test_given_a_role_when_its_scope_is_asked_then_unknown_types_and_roles_get_nothing(
    role, object_type, verb, scope
):
    assert access.scope_for(person(role), object_type, verb) is scope


@pytest.mark.parametrize("role", Role.values)
def test_given_no_role_grants_audit_changes_when_asked_then_audit_rows_are_never_changed_or_deleted(role):
    user = person(role)

    assert [access.allows(user, "audit", verb) for verb in (Verb.CREATE, Verb.CHANGE, Verb.DELETE)] == [
        False,
        False,
        False,
    ]


def test_given_an_anonymous_visitor_when_asked_then_nothing_is_allowed():
    visitor = AnonymousUser()

    assert access.scope_for(visitor, "contact", Verb.VIEW) is Scope.NONE
    assert access.can(visitor, Verb.VIEW, Record(owner_id=None, team_id=None)) is False
    assert access.can_create(visitor, "contact") is False


def test_given_an_inactive_admin_when_asked_then_nothing_is_allowed():
    former = person(Role.ADMIN, active=False)

    assert [access.can(former, verb, Record(owner_id=1, team_id=10)) for verb in Verb.ALL] == [False] * 4


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (Record(owner_id=1, team_id=10), True),  # own
        (Record(owner_id=2, team_id=10), True),  # a teammate's
        (Record(owner_id=3, team_id=20), False),  # another team's
        (Record(owner_id=None, team_id=None), False),  # nobody's
        (Record(owner_id=1, team_id=20), False),  # own but filed under another team: the team decides
    ],
)
def test_given_team_scope_when_a_record_is_checked_then_its_team_decides(record, expected):
    seller = person(Role.SALES, pk=1, team_id=10)

    assert access.can(seller, Verb.CHANGE, record) is expected


def test_given_a_record_type_without_an_access_type_when_checked_then_it_is_a_programming_error():
    with pytest.raises(TypeError, match="Untyped does not declare access_object_type"):
        access.can(person(Role.ADMIN), Verb.VIEW, Untyped())


def test_given_a_denied_verb_when_required_then_permission_denied_names_it():
    reader = person(Role.READ_ONLY)

    with pytest.raises(PermissionDenied, match="You may not change this contact."):
        access.require(reader, Verb.CHANGE, Record(owner_id=1, team_id=10))
    with pytest.raises(PermissionDenied, match="You may not create company records."):
        access.require_allowed(reader, "company", Verb.CREATE)


def test_an_app_registers_its_object_type_once_and_roles_it_leaves_out_get_nothing(monkeypatch):
    policy = {role: dict(table) for role, table in access.POLICY.items()}
    monkeypatch.setattr(access, "POLICY", policy)
    E, OWN, N = Scope.EVERYTHING, Scope.OWNED, Scope.NONE
    sales_grants = access.grants(E, E, OWN, OWN)

    access.register_object_type("gadget", {Role.ADMIN: access.grants(E, E, E, E), Role.SALES: sales_grants})
    access.register_object_type("gadget", {Role.ADMIN: access.grants(E, E, E, E), Role.SALES: sales_grants})

    assert policy[Role.SALES]["gadget"] == {"view": E, "create": E, "change": OWN, "delete": OWN}
    assert policy[Role.READ_ONLY]["gadget"] == {"view": N, "create": N, "change": N, "delete": N}
    with pytest.raises(ValueError, match="already registered with other grants"):
        access.register_object_type("gadget", {Role.ADMIN: access.grants(E, N, N, N)})
    with pytest.raises(ValueError, match="Unknown roles for gadget: intern"):
        access.register_object_type("gadget", {"intern": access.grants(E, N, N, N)})
    assert policy[Role.ADMIN]["gadget"] == {"view": E, "create": E, "change": E, "delete": E}
