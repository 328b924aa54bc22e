"""Settings → Properties: admins only; create, edit, delete through the services."""

import pytest
from django.urls import reverse

from tandem.contacts.models import PropertyDefinition, PropertyType
from tandem.contacts.tests.factories import PropertyDefinitionFactory
from tandem.core.models import Role, Team, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_user("admin@example.com", "pw", role=Role.ADMIN)
    client.force_login(admin)
    return client


@pytest.mark.parametrize("role", [Role.MARKETING, Role.SALES, Role.SERVICE, Role.READ_ONLY])
def test_properties_pages_are_forbidden_to_non_admins(client, role):
    user = User.objects.create_user(
        "someone@example.com", "pw", role=role, team=Team.objects.create(name="T")
    )
    definition = PropertyDefinitionFactory(name="plan", label="Plan")
    client.force_login(user)

    responses = [
        client.get(reverse("contacts:property_list")),
        client.get(reverse("contacts:property_create")),
        client.post(
            reverse("contacts:property_create"),
            {"object_type": "contact", "name": "x", "label": "X", "value_type": "text"},
        ),
        client.post(reverse("contacts:property_edit", args=[definition.pk]), {"label": "Renamed"}),
        client.post(reverse("contacts:property_delete", args=[definition.pk])),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403, 403, 403]
    assert list(PropertyDefinition.objects.values_list("name", "label")) == [("plan", "Plan")]


def test_admin_lists_definitions_by_object_type(admin_client):
    PropertyDefinitionFactory(object_type="contact", name="plan", label="Plan tier")
    PropertyDefinitionFactory(object_type="company", name="partner", label="Partner level")

    response = admin_client.get(reverse("contacts:property_list"))

    groups = [(label, [d.label for d in definitions]) for label, _, definitions in response.context["groups"]]
    # Every registered type that declares properties has its group (the sales hub's deal, the tests' widget).
    assert groups == [("Contact", ["Plan tier"]), ("Company", ["Partner level"]), ("Deal", []), ("Widget", [])]


def test_admin_creates_a_choice_property_from_lines(admin_client):
    response = admin_client.post(
        reverse("contacts:property_create"),
        {
            "object_type": "contact",
            "name": "plan_tier",
            "label": "Plan tier",
            "value_type": "choice",
            "choices": "Free\r\nPro\r\n\r\nEnterprise",
            "help_text": "What they pay for",
        },
    )

    definition = PropertyDefinition.objects.get()
    assert response["Location"] == "/settings/properties/"
    assert (definition.name, definition.value_type, definition.choices) == (
        "plan_tier",
        "choice",
        ["Free", "Pro", "Enterprise"],
    )


def test_create_errors_are_shown_next_to_fields(admin_client):
    response = admin_client.post(
        reverse("contacts:property_create"),
        {"object_type": "contact", "name": "9 bad", "label": "", "value_type": "text"},
    )

    content = response.content.decode()
    assert PropertyDefinition.objects.count() == 0
    assert 'id="id_name_error"' in content
    assert "Use lower-case letters, digits and underscores, starting with a letter." in content
    assert 'id="id_label_error"' in content
    assert 'value="9 bad"' in content


def test_edit_adds_options_but_refuses_removing_them(admin_client):
    definition = PropertyDefinitionFactory(
        name="plan", label="Plan", value_type=PropertyType.CHOICE, choices=["Free", "Pro"]
    )

    added = admin_client.post(
        reverse("contacts:property_edit", args=[definition.pk]),
        {"label": "Plan tier", "choices": "Free\nPro\nEnterprise", "help_text": ""},
    )
    removed = admin_client.post(
        reverse("contacts:property_edit", args=[definition.pk]), {"label": "Plan tier", "choices": "Free"}
    )

    definition.refresh_from_db()
    assert added.status_code == 302
    assert "Options cannot be removed once used: Pro, Enterprise." in removed.content.decode()
    assert (definition.label, definition.choices) == ("Plan tier", ["Free", "Pro", "Enterprise"])


def test_admin_deletes_a_property(admin_client):
    definition = PropertyDefinitionFactory(name="gone", label="Gone")

    response = admin_client.post(reverse("contacts:property_delete", args=[definition.pk]))

    assert response["Location"] == "/settings/properties/"
    assert PropertyDefinition.objects.count() == 0


def test_a_property_cannot_be_defined_for_a_type_without_properties(admin_client):
    # The types offered are the registered ones that declare a properties column (here with the sales hub's
    # deal and the tests' widget); "invoice" is not one of them.
    response = admin_client.post(
        reverse("contacts:property_create"),
        {"object_type": "invoice", "name": "tier", "label": "Tier", "value_type": "text"},
    )

    assert response.status_code == 200
    assert "Choose contact, company, deal or widget." in response.content.decode()
    assert not PropertyDefinition.objects.exists()
