"""The permission matrix (issue 2): every role, object type, verb and ownership case, answered by the
access helpers and obeyed by the real services. Denied writes must leave no trace at all.

Personas: alice and bob share the Blue team, charlie is in the Green team. Alice is the actor and takes
each role in turn; the record is owned by alice, by bob, by charlie, or by nobody.
"""

from collections.abc import Callable

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tandem.contacts import selectors, services
from tandem.contacts.models import Activity, Company, Contact, ContactTag, StageChange, Tag
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.models import Event, Role

OWNERSHIPS = ("own", "teammate", "other_team", "unowned")

# Written out by hand from the product's access design, NOT derived from access.POLICY: each string is
# the answer for (owned by alice, owned by bob, owned by charlie, unowned), Y = allowed, N = denied.
EXPECTED: dict[str, dict[str, dict[str, str]]] = {
    Role.ADMIN: {
        "contact": {"view": "YYYY", "change": "YYYY", "delete": "YYYY"},
        "company": {"view": "YYYY", "change": "YYYY", "delete": "YYYY"},
    },
    Role.MARKETING: {
        "contact": {"view": "YYYY", "change": "YYYY", "delete": "YYNN"},
        "company": {"view": "YYYY", "change": "YYYY", "delete": "YYNN"},
    },
    Role.SALES: {
        "contact": {"view": "YYYY", "change": "YYNN", "delete": "YNNN"},
        "company": {"view": "YYYY", "change": "YYNN", "delete": "YNNN"},
    },
    Role.SERVICE: {
        "contact": {"view": "YYYY", "change": "YYNN", "delete": "NNNN"},
        "company": {"view": "YYYY", "change": "YYNN", "delete": "NNNN"},
    },
    Role.READ_ONLY: {
        "contact": {"view": "YYNN", "change": "NNNN", "delete": "NNNN"},
        "company": {"view": "YYNN", "change": "NNNN", "delete": "NNNN"},
    },
}
EXPECTED_CREATE: dict[str, dict[str, bool]] = {
    Role.ADMIN: {"contact": True, "company": True},
    Role.MARKETING: {"contact": True, "company": True},
    Role.SALES: {"contact": True, "company": True},
    Role.SERVICE: {"contact": True, "company": False},
    Role.READ_ONLY: {"contact": False, "company": False},
}

CASES = [
    (role, object_type, verb, ownership, EXPECTED[role][object_type][verb][position] == "Y")
    for role in EXPECTED
    for object_type in ("contact", "company")
    for verb in ("view", "change", "delete")
    for position, ownership in enumerate(OWNERSHIPS)
]


def case_id(case) -> str:
    role, object_type, verb, ownership, allowed = case
    return f"{role}-{object_type}-{verb}-{ownership}-{'allowed' if allowed else 'denied'}"


@pytest.fixture
def personas():
    blue, green = TeamFactory(name="Blue"), TeamFactory(name="Green")
    return {
        "alice": UserFactory(email="alice@example.com", team=blue, role=Role.ADMIN),
        "bob": UserFactory(email="bob@example.com", team=blue, role=Role.SALES),
        "charlie": UserFactory(email="charlie@example.com", team=green, role=Role.SALES),
    }


def owner_for(personas, ownership: str):
    return {"own": personas["alice"], "teammate": personas["bob"], "other_team": personas["charlie"]}.get(
        ownership
    )


def make_record(object_type: str, owner):
    if object_type == "contact":
        company = CompanyFactory(name="Acme", domain="acme.example", owner=owner)
        return ContactFactory(email="dana@example.com", first_name="Dana", company=company, owner=owner)
    return CompanyFactory(name="Globex", domain="globex.example", owner=owner)


def footprint(record) -> dict:
    """Everything a write could leave behind, to compare before and after a denied action."""
    model = type(record)
    return {
        "row": model.objects.filter(pk=record.pk).values().get(),
        "activities": Activity.objects.count(),
        "stage_changes": StageChange.objects.count(),
        "audit_rows": LogEntry.objects.count(),
        "events": Event.objects.count(),
        "tags": Tag.objects.count(),
        "contact_tags": ContactTag.objects.count(),
    }


def fresh(record):
    return type(record).objects.get(pk=record.pk)


def test_given_the_expected_table_then_it_covers_every_role():
    assert set(EXPECTED) == set(Role.values)
    assert set(EXPECTED_CREATE) == set(Role.values)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "object_type", "verb", "ownership", "allowed"), CASES, ids=map(case_id, CASES)
)
def test_given_a_role_and_ownership_when_asked_then_can_and_scope_queryset_agree_with_the_table(
    personas, role, object_type, verb, ownership, allowed
):
    alice = personas["alice"]
    alice.role = role
    alice.save(update_fields=["role"])
    record = make_record(object_type, owner_for(personas, ownership))
    model = type(record)

    answer_from_can = access.can(alice, verb, record)
    answer_from_scope = access.scope_queryset(alice, verb, model.objects.all()).filter(pk=record.pk).exists()

    assert answer_from_can is allowed
    assert answer_from_scope is allowed


def denied_attempts(object_type: str, verb: str, alice, record) -> list[tuple[str, Callable[[], object]]]:
    """Each real write path for the verb; each must raise PermissionDenied (or, for bulk, change nothing)."""
    if object_type == "contact" and verb == "change":
        return [
            (
                "update",
                lambda: services.update_contact(
                    actor=alice, contact=fresh(record), values={"job_title": "X"}
                ),
            ),
            (
                "note",
                lambda: services.add_note(actor=alice, contact=fresh(record), body="Called, no answer."),
            ),
            (
                "consent",
                lambda: services.record_consent(
                    actor=alice,
                    contact=fresh(record),
                    purpose="marketing_email",
                    status="granted",
                    method="phone",
                ),
            ),
        ]
    if object_type == "contact" and verb == "delete":
        return [("delete", lambda: services.delete_contact(actor=alice, contact=fresh(record)))]
    if object_type == "company" and verb == "change":
        return [
            (
                "update",
                lambda: services.update_company(actor=alice, company=fresh(record), values={"industry": "X"}),
            ),
            (
                "note",
                lambda: services.add_note(actor=alice, company=fresh(record), body="Renewal call booked."),
            ),
        ]
    return [("delete", lambda: services.delete_company(actor=alice, company=fresh(record)))]


def bulk_attempts(object_type: str, verb: str, alice, record) -> list[tuple[str, Callable[[], int]]]:
    if object_type == "contact" and verb == "change":
        return [
            (
                action,
                lambda action=action, value=value: services.bulk_update_contacts(
                    actor=alice, contact_ids=[record.pk], action=action, value=value
                ),
            )
            for action, value in [
                ("set_stage", "customer"),
                ("add_tag", "vip"),
                ("remove_tag", "vip"),
                ("assign_owner", alice.pk),
            ]
        ]
    if object_type == "contact":
        return [
            (
                "delete",
                lambda: services.bulk_update_contacts(actor=alice, contact_ids=[record.pk], action="delete"),
            )
        ]
    if verb == "change":
        return [
            (
                "assign_owner",
                lambda: services.bulk_update_companies(
                    actor=alice, company_ids=[record.pk], action="assign_owner", value=alice.pk
                ),
            )
        ]
    return [
        (
            "delete",
            lambda: services.bulk_update_companies(actor=alice, company_ids=[record.pk], action="delete"),
        )
    ]


DENIED_WRITES = [case for case in CASES if case[2] != "view" and not case[4]]
ALLOWED_WRITES = [case for case in CASES if case[2] != "view" and case[4]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "object_type", "verb", "ownership", "allowed"), DENIED_WRITES, ids=map(case_id, DENIED_WRITES)
)
def test_given_a_denied_write_when_each_service_is_called_then_it_refuses_and_nothing_changes(
    personas, role, object_type, verb, ownership, allowed
):
    alice = personas["alice"]
    alice.role = role
    alice.save(update_fields=["role"])
    record = make_record(object_type, owner_for(personas, ownership))
    before = footprint(record)

    for name, attempt in denied_attempts(object_type, verb, alice, record):
        with pytest.raises(PermissionDenied):
            attempt()
        assert footprint(record) == before, name
    for name, attempt in bulk_attempts(object_type, verb, alice, record):
        assert attempt() == 0, name
        assert footprint(record) == before, name


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "object_type", "verb", "ownership", "allowed"), ALLOWED_WRITES, ids=map(case_id, ALLOWED_WRITES)
)
def test_given_an_allowed_write_when_the_service_is_called_then_it_happens(
    personas, role, object_type, verb, ownership, allowed
):
    alice = personas["alice"]
    alice.role = role
    alice.save(update_fields=["role"])
    record = make_record(object_type, owner_for(personas, ownership))
    audit_rows = LogEntry.objects.count()

    if object_type == "contact" and verb == "change":
        services.update_contact(actor=alice, contact=fresh(record), values={"job_title": "Buyer"})
        assert fresh(record).job_title == "Buyer"
    elif object_type == "company" and verb == "change":
        services.update_company(actor=alice, company=fresh(record), values={"industry": "Software"})
        assert fresh(record).industry == "Software"
    elif object_type == "contact":
        services.delete_contact(actor=alice, contact=fresh(record))
        assert fresh(record).deleted_at is not None
    else:
        services.delete_company(actor=alice, company=fresh(record))
        assert fresh(record).deleted_at is not None
    assert LogEntry.objects.count() == audit_rows + 1


VIEW_CASES = [case for case in CASES if case[2] == "view"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "object_type", "verb", "ownership", "allowed"), VIEW_CASES, ids=map(case_id, VIEW_CASES)
)
def test_given_a_view_case_when_the_selectors_are_asked_then_detail_and_list_agree_with_the_table(
    personas, role, object_type, verb, ownership, allowed
):
    alice = personas["alice"]
    alice.role = role
    alice.save(update_fields=["role"])
    record = make_record(object_type, owner_for(personas, ownership))

    if object_type == "contact":
        listed = selectors.contact_list(alice, selectors.ContactFilters()).page.rows
        detail = lambda: selectors.contact_detail(alice, record.pk)  # noqa: E731
    else:
        listed = [
            row
            for row in selectors.company_list(alice, selectors.CompanyFilters()).page.rows
            if row.pk == record.pk
        ]
        detail = lambda: selectors.company_detail(alice, record.pk)  # noqa: E731

    assert [row.pk for row in listed] == ([record.pk] if allowed else [])
    if allowed:
        assert detail().pk == record.pk
    else:
        with pytest.raises(Http404):
            detail()


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(EXPECTED_CREATE))
@pytest.mark.parametrize("object_type", ["contact", "company"])
def test_given_a_role_when_it_creates_a_record_then_only_roles_with_create_succeed(
    personas, role, object_type
):
    alice = personas["alice"]
    alice.role = role
    alice.save(update_fields=["role"])
    model = Contact if object_type == "contact" else Company
    counts = (
        model.objects.count(),
        Activity.objects.count(),
        LogEntry.objects.count(),
        Event.objects.count(),
    )

    def create():
        if object_type == "contact":
            return services.create_contact(actor=alice, values={"email": "erin@example.com"})
        return services.create_company(actor=alice, values={"name": "Initech", "domain": "initech.example"})

    assert access.can_create(alice, object_type) is EXPECTED_CREATE[role][object_type]
    if EXPECTED_CREATE[role][object_type]:
        created = create()
        assert created.owner_id == alice.pk
        assert model.objects.count() == counts[0] + 1
    else:
        with pytest.raises(PermissionDenied):
            create()
        after = (
            model.objects.count(),
            Activity.objects.count(),
            LogEntry.objects.count(),
            Event.objects.count(),
        )
        assert after == counts


@pytest.mark.django_db
def test_given_a_user_without_a_team_when_the_role_grants_team_scope_then_only_their_own_records_count(
    personas,
):
    loner = UserFactory(email="lee@example.com", team=None, role=Role.SALES)
    own = ContactFactory(email="own@example.com", owner=loner)
    unowned = ContactFactory(email="nobody@example.com", owner=None)
    teamless_other = ContactFactory(email="other@example.com", owner=UserFactory(team=None))

    changeable = access.scope_queryset(loner, Verb.CHANGE, Contact.objects.all())

    assert list(changeable.values_list("email", flat=True)) == ["own@example.com"]
    assert [access.can(loner, Verb.CHANGE, c) for c in (own, unowned, teamless_other)] == [True, False, False]


@pytest.mark.django_db
def test_given_an_inactive_admin_when_asked_then_nothing_is_allowed(personas):
    alice = personas["alice"]
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    record = ContactFactory(owner=alice)

    assert [access.can(alice, verb, record) for verb in Verb.ALL] == [False, False, False, False]
    assert access.scope_queryset(alice, Verb.VIEW, Contact.objects.all()).count() == 0
