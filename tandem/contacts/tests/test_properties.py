"""Custom properties: typed values validated on every write, filterable in the database on SQLite
(json_each for multiple choice) and PostgreSQL (containment)."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from tandem.contacts import selectors, services
from tandem.contacts.models import Contact, PropertyDefinition
from tandem.contacts.tests.factories import (
    ContactFactory,
    PropertyDefinitionFactory,
    TeamFactory,
    UserFactory,
)
from tandem.core.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(email="alice@example.com", role=Role.ADMIN, team=TeamFactory(name="Blue"))


@pytest.fixture
def definitions():
    return {
        definition.name: definition
        for definition in [
            PropertyDefinitionFactory(name="nickname", label="Nickname", value_type="text"),
            PropertyDefinitionFactory(name="seats", label="Seats", value_type="number"),
            PropertyDefinitionFactory(name="renewal", label="Renewal", value_type="date"),
            PropertyDefinitionFactory(name="vip", label="VIP", value_type="boolean"),
            PropertyDefinitionFactory(
                name="plan", label="Plan", value_type="choice", choices=["Free", "Pro", "Enterprise"]
            ),
            PropertyDefinitionFactory(
                name="channels",
                label="Channels",
                value_type="multi_choice",
                choices=["Email", "Phone", "Chat"],
            ),
        ]
    }


def stored(contact) -> dict:
    return Contact.objects.get(pk=contact.pk).properties


@pytest.mark.parametrize(
    ("name", "typed", "expected"),
    [
        ("nickname", "  Annie ", "Annie"),
        ("seats", "1,200", 1200),
        ("seats", 12.5, 12.5),
        ("seats", "-3", -3),
        ("renewal", "2026-03-01", "2026-03-01"),
        ("renewal", datetime.date(2026, 3, 1), "2026-03-01"),
        ("renewal", datetime.datetime(2026, 3, 1, 15, 30, tzinfo=datetime.UTC), "2026-03-01"),
        ("vip", "yes", True),
        ("vip", "Off", False),
        ("vip", True, True),
        ("plan", " Pro ", "Pro"),
        ("channels", ["Chat", "Email", "Chat"], ["Email", "Chat"]),
        ("channels", "Phone; Email", ["Email", "Phone"]),
    ],
)
def test_given_a_valid_value_when_set_then_it_is_stored_in_its_typed_form(
    alice, definitions, name, typed, expected
):
    contact = services.create_contact(actor=alice, values={"email": "ann@example.com"})

    services.update_contact(actor=alice, contact=contact, values={"properties": {name: typed}})

    assert stored(contact) == {name: expected}


@pytest.mark.parametrize(
    ("name", "typed", "message"),
    [
        ("nickname", "x" * 2001, "Nickname: at most 2,000 characters."),
        ("seats", "many", "Seats: “many” is not a number."),
        ("seats", True, "Seats: “True” is not a number."),
        ("seats", "1e15", "Seats: “1e15” is out of range."),
        ("seats", "NaN", "Seats: “NaN” is out of range."),
        ("renewal", "01/03/2026", "Renewal: “01/03/2026” is not a date (use YYYY-MM-DD)."),
        ("renewal", "2026-02-30", "Renewal: “2026-02-30” is not a date (use YYYY-MM-DD)."),
        ("vip", "perhaps", "VIP: “perhaps” is not yes or no."),
        ("plan", "Gold", "Plan: “Gold” is not one of Free, Pro, Enterprise."),
        ("plan", "pro", "Plan: “pro” is not one of Free, Pro, Enterprise."),
        ("channels", ["Email", "Fax"], "Channels: “Fax” is not one of Email, Phone, Chat."),
        ("unknown_thing", "x", "“unknown_thing” is not a contact property."),
    ],
)
def test_given_an_invalid_value_when_set_then_the_error_names_the_property_and_nothing_changes(
    alice, definitions, name, typed, message
):
    contact = services.create_contact(
        actor=alice, values={"email": "ann@example.com", "properties": {"nickname": "Annie"}}
    )
    audit_rows = LogEntry.objects.count()

    with pytest.raises(ValidationError) as error:
        services.update_contact(actor=alice, contact=contact, values={"properties": {name: typed}})

    assert error.value.message_dict == {f"properties.{name}": [message]}
    assert stored(contact) == {"nickname": "Annie"}
    assert LogEntry.objects.count() == audit_rows


def test_given_two_invalid_values_when_set_then_both_errors_are_reported(alice, definitions):
    contact = services.create_contact(actor=alice, values={"email": "ann@example.com"})

    with pytest.raises(ValidationError) as error:
        services.update_contact(
            actor=alice, contact=contact, values={"properties": {"seats": "x", "vip": "?"}}
        )

    assert error.value.message_dict == {
        "properties.seats": ["Seats: “x” is not a number."],
        "properties.vip": ["VIP: “?” is not yes or no."],
    }


def test_given_properties_that_are_not_an_object_when_set_then_it_is_refused(alice, definitions):
    contact = services.create_contact(actor=alice, values={"email": "ann@example.com"})

    with pytest.raises(ValidationError) as error:
        services.update_contact(actor=alice, contact=contact, values={"properties": ["seats", 3]})

    assert error.value.message_dict == {"properties": ["Properties must be an object of name: value."]}


@pytest.mark.parametrize("empty", [None, "", []])
def test_given_values_when_one_is_set_to_empty_then_only_that_one_is_removed(alice, definitions, empty):
    contact = services.create_contact(
        actor=alice, values={"email": "ann@example.com", "properties": {"seats": 5, "plan": "Pro"}}
    )

    services.update_contact(actor=alice, contact=contact, values={"properties": {"seats": empty}})

    assert stored(contact) == {"plan": "Pro"}
    assert LogEntry.objects.order_by("-id").values_list("changes", flat=True).first() == {
        "properties.seats": ["5", None]
    }


def test_given_a_property_change_when_saved_then_the_timeline_holds_the_typed_pair(alice, definitions):
    contact = services.create_contact(
        actor=alice, values={"email": "ann@example.com", "properties": {"channels": ["Email"]}}
    )

    services.update_contact(actor=alice, contact=contact, values={"properties": {"channels": "Chat;Email"}})

    assert contact.activities.order_by("-id").values_list("details", flat=True).first() == {
        "changes": {"properties.channels": [["Email"], ["Email", "Chat"]]}
    }


@pytest.fixture
def catalogue(alice, definitions):
    """Three contacts with a value of every type, and one with none."""
    rows = {
        "ann": {
            "nickname": "Annie",
            "seats": 5,
            "renewal": "2026-01-15",
            "vip": True,
            "plan": "Pro",
            "channels": ["Email", "Chat"],
        },
        "ben": {
            "nickname": "Benny",
            "seats": 50,
            "renewal": "2026-06-30",
            "vip": False,
            "plan": "Free",
            "channels": ["Phone"],
        },
        "cat": {"seats": 500, "plan": "Enterprise", "channels": ["Chat", "Phone"]},
        "dan": {},
    }
    for first_name, values in rows.items():
        services.create_contact(
            actor=alice,
            values={"email": f"{first_name}@example.com", "first_name": first_name, "properties": values},
        )
    return rows


def names_matching(*conditions: selectors.PropertyFilter) -> list[str]:
    """The conditions as the record layer applies them to what the contacts' own filters return."""
    from tandem.contacts.records import CONTACT

    filters = selectors.ContactFilters(properties=list(conditions))
    queryset = CONTACT.narrow(selectors.filter_contacts(Contact.objects.all(), filters), filters)
    return sorted(queryset.values_list("first_name", flat=True))


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (selectors.PropertyFilter("nickname", "annie"), ["ann"]),
        (selectors.PropertyFilter("seats", 50), ["ben"]),
        (selectors.PropertyFilter("seats", 50, "gte"), ["ben", "cat"]),
        (selectors.PropertyFilter("seats", 50, "lte"), ["ann", "ben"]),
        (selectors.PropertyFilter("renewal", "2026-01-15"), ["ann"]),
        (selectors.PropertyFilter("renewal", "2026-02-01", "gte"), ["ben"]),
        (selectors.PropertyFilter("renewal", "2026-02-01", "lte"), ["ann"]),
        (selectors.PropertyFilter("vip", True), ["ann"]),
        (selectors.PropertyFilter("vip", False), ["ben"]),
        (selectors.PropertyFilter("plan", "Enterprise"), ["cat"]),
        (selectors.PropertyFilter("channels", "Chat"), ["ann", "cat"]),
        (selectors.PropertyFilter("channels", "Phone", "contains"), ["ben", "cat"]),
        (selectors.PropertyFilter("channels", "Fax"), []),
        (selectors.PropertyFilter("nickname", None, "set"), ["ann", "ben"]),
        (selectors.PropertyFilter("nickname", None, "unset"), ["cat", "dan"]),
        (selectors.PropertyFilter("not_defined", "x"), ["ann", "ben", "cat", "dan"]),
    ],
    ids=lambda value: f"{value.name}-{value.operator}-{value.value}" if hasattr(value, "name") else None,
)
def test_given_contacts_with_properties_when_filtered_then_the_database_picks_the_matching_ones(
    catalogue, condition, expected
):
    assert names_matching(condition) == expected


def test_given_two_property_conditions_when_filtered_then_both_must_hold(catalogue):
    assert names_matching(
        selectors.PropertyFilter("channels", "Chat"), selectors.PropertyFilter("seats", 100, "gte")
    ) == ["cat"]


def test_given_a_used_option_when_the_property_is_updated_without_it_then_it_is_refused(alice, definitions):
    plan = definitions["plan"]
    ContactFactory(properties={"plan": "Pro"})

    with pytest.raises(ValidationError) as error:
        services.update_property(actor=alice, definition=plan, label="Plan", choices=["Free", "Enterprise"])

    assert error.value.message_dict == {"choices": ["Options cannot be removed once used: Pro."]}
    assert PropertyDefinition.objects.get(pk=plan.pk).choices == ["Free", "Pro", "Enterprise"]


def test_given_a_property_when_options_are_added_and_relabelled_then_they_are_kept_in_order(
    alice, definitions
):
    plan = definitions["plan"]

    services.update_property(
        actor=alice,
        definition=plan,
        label=" Price plan ",
        choices=["Free", " Pro", "Enterprise", "Team", "Team"],
    )

    plan.refresh_from_db()
    assert (plan.label, plan.choices) == ("Price plan", ["Free", "Pro", "Enterprise", "Team"])
    assert LogEntry.objects.get().changes == {
        "label": ["Plan", "Price plan"],
        "choices": ["['Free', 'Pro', 'Enterprise']", "['Free', 'Pro', 'Enterprise', 'Team']"],
    }


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        (
            {"name": "Plan Tier", "value_type": "text"},
            {"name": ["Use lower-case letters, digits and underscores, starting with a letter."]},
        ),
        (
            {"name": "1st", "value_type": "text"},
            {"name": ["Use lower-case letters, digits and underscores, starting with a letter."]},
        ),
        ({"name": "tier", "value_type": "colour"}, {"value_type": ["Choose a property type."]}),
        (
            {"name": "tier", "value_type": "choice"},
            {"choices": ["A choice property needs at least one option."]},
        ),
        (
            {"name": "nickname", "value_type": "text"},
            {"name": ["A contact property named “nickname” already exists."]},
        ),
    ],
)
def test_given_a_bad_definition_when_created_then_it_is_refused(alice, definitions, kwargs, errors):
    with pytest.raises(ValidationError) as error:
        services.create_property(actor=alice, object_type="contact", label="Tier", **kwargs)

    assert error.value.message_dict == errors
    assert PropertyDefinition.objects.count() == 6


def test_given_a_non_admin_when_defining_a_property_then_it_is_refused(definitions):
    seller = UserFactory(role=Role.SALES)

    with pytest.raises(Exception) as error:
        services.create_property(
            actor=seller, object_type="contact", name="tier", label="Tier", value_type="text"
        )

    assert type(error.value).__name__ == "PermissionDenied"
    assert PropertyDefinition.objects.count() == 6
