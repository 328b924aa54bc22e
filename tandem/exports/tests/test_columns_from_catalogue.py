"""Export columns are read from the record type's field catalogue: a type that declares its fields (and a
properties column) gets its export columns, headers and cell forms with no export code of its own."""

import pytest

from tandem.contacts.models import PropertyDefinition, PropertyType
from tandem.exports import columns


def test_contact_columns_follow_the_catalogue_with_the_export_headers():
    catalogue = columns.catalogue("contact", [])

    assert [(column.key, column.label, column.field) for column in catalogue] == [
        ("id", "Record ID", "id"),
        ("external_id", "External ID", "external_id"),
        ("first_name", "First name", "first_name"),
        ("last_name", "Last name", "last_name"),
        ("email", "Email", "email"),
        ("phone", "Phone", "phone"),
        ("job_title", "Job title", "job_title"),
        ("company", "Company", "company__name"),
        ("country", "Country", "country"),
        ("lifecycle_stage", "Lifecycle stage", "lifecycle_stage"),
        ("lead_status", "Lead status", "lead_status"),
        ("owner", "Owner email", "owner__email"),
        ("team", "Team", "team__name"),
        ("tags", "Tags", ""),
        ("score", "Score", "score"),
        ("source", "Source", "source"),
        ("source_medium", "Source medium", "source_medium"),
        ("source_campaign", "Source campaign", "source_campaign"),
        ("source_referrer", "Source referrer", "source_referrer"),
        ("source_landing_page", "Source landing page", "source_landing_page"),
        ("created_at", "Created at", "created_at"),
        ("updated_at", "Updated at", "updated_at"),
    ]


def test_a_list_column_brings_its_export_columns():
    # "Source" heads the first-touch group of the contact's page: the export takes the whole group.
    keys = columns.from_list_columns("contact", ["stage", "source", "created", "property:plan"])

    assert keys == [
        "id",
        "first_name",
        "last_name",
        "email",
        "lifecycle_stage",
        "source",
        "source_medium",
        "source_campaign",
        "source_referrer",
        "source_landing_page",
        "created_at",
        "property:plan",
    ]


@pytest.mark.django_db
def test_a_type_declared_only_in_the_tests_gets_columns_and_cells_from_its_catalogue():
    definition = PropertyDefinition.objects.create(
        object_type="widget", name="seats", label="Seats", value_type=PropertyType.NUMBER
    )

    catalogue = columns.catalogue("widget", [definition])
    shape = columns.RowShape.for_columns(catalogue)
    cells = shape.convert([(7, "=Sprocket", "blue", None, '{"seats": 12}'), (8, "Cog", "red", 3, "{}")])

    assert [(column.key, column.label) for column in catalogue] == [
        ("id", "Record ID"),
        ("name", "Name"),
        ("colour", "Colour"),
        ("owner", "Owner"),
        ("property:seats", "Seats"),
    ]
    assert shape.fields == ("name", "colour", "owner", "properties")
    # Text is neutralised, a choice is its label, a foreign key its id, a number property a number.
    assert cells == [(7, "'=Sprocket", "Blue", None, 12), (8, "Cog", "Red", 3, None)]
    assert columns.always_included("widget") == ("id",)
