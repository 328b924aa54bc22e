"""Guessing which field each column fills, from the headers other products export."""

import pytest

from tandem.contacts.models import PropertyDefinition, PropertyType
from tandem.contacts.properties import definitions_for
from tandem.imports.mapping import guess_mapping, normalise_header, target_fields
from tandem.imports.services import allowed_targets


def test_hubspot_contact_export_is_recognised():
    headers = [
        "First Name",
        "Last Name",
        "Email",
        "Phone Number",
        "Job Title",
        "Company Name",
        "Lifecycle Stage",
        "Lead Status",
        "Contact owner",
        "Record ID",
        "Country/Region",
        "Original Source",
        "Create Date",
    ]

    mapping = guess_mapping(headers, "contact", [])

    assert mapping == {
        "0": "first_name",
        "1": "last_name",
        "2": "email",
        "3": "phone",
        "4": "job_title",
        "5": "company",
        "6": "lifecycle_stage",
        "7": "lead_status",
        "8": "owner",
        "9": "external_id",
        "10": "country",
        "11": "source",
        "12": "",
    }


def test_mailchimp_export_is_recognised():
    headers = [
        "Email Address",
        "First Name",
        "Last Name",
        "Address",
        "Phone Number",
        "MEMBER_RATING",
        "OPTIN_TIME",
        "TAGS",
        "LEID",
    ]

    mapping = guess_mapping(headers, "contact", [])

    assert mapping == {
        "0": "email",
        "1": "first_name",
        "2": "last_name",
        "3": "",
        "4": "phone",
        "5": "",
        "6": "marketing_consent_at",  # issue 7: OPTIN_TIME is consent evidence
        "7": "tags",
        "8": "",
    }


@pytest.mark.parametrize("id_header", ["Contact ID", "Lead ID"])
def test_salesforce_export_is_recognised(id_header):
    headers = [
        id_header,
        "First Name",
        "Last Name",
        "Title",
        "Account Name",
        "Mailing Country",
        "Lead Source",
        "Phone",
        "Email",
    ]

    mapping = guess_mapping(headers, "contact", [])

    assert mapping == {
        "0": "external_id",
        "1": "first_name",
        "2": "last_name",
        "3": "job_title",
        "4": "company",
        "5": "country",
        "6": "source",
        "7": "phone",
        "8": "email",
    }


def test_snake_case_keys_map_to_themselves():
    # Tandem's record id is chosen by hand, never guessed: another product's "id" column is an external id.
    headers = [key for key, _label in target_fields("contact", []) if key != "id"]

    mapping = guess_mapping(headers, "contact", [])

    assert mapping == {str(index): key for index, key in enumerate(headers)}
    assert guess_mapping(["id"], "contact", []) == {"0": "external_id"}


def test_each_target_goes_to_one_column_the_best_match_then_the_leftmost():
    headers = ["Mobile Phone Number", "Email", "Email (2)", "Phone Number", "E-mail"]

    mapping = guess_mapping(headers, "contact", [])

    assert mapping == {"0": "", "1": "email", "2": "", "3": "phone", "4": ""}


@pytest.mark.django_db
def test_custom_properties_match_by_name_or_label():
    PropertyDefinition.objects.create(
        object_type="contact", name="plan_tier", label="Plan tier", value_type=PropertyType.TEXT
    )
    PropertyDefinition.objects.create(
        object_type="contact", name="nps", label="Net promoter score", value_type=PropertyType.NUMBER
    )
    definitions = definitions_for("contact")

    mapping = guess_mapping(
        ["email", "PLAN_TIER", "Net Promoter Score", "property:nps"], "contact", definitions
    )

    # "property:nps" is the exact key, but "Net Promoter Score" came first with an exact label match.
    assert mapping == {"0": "email", "1": "property:plan_tier", "2": "property:nps", "3": ""}
    # Properties come in the definitions' own order (position, then name).
    assert target_fields("contact", definitions)[-2:] == [
        ("property:nps", "Net promoter score (custom property)"),
        ("property:plan_tier", "Plan tier (custom property)"),
    ]


def test_company_export_headers_are_recognised():
    headers = [
        "Record ID",
        "Company name",
        "Company Domain Name",
        "Industry",
        "Number of Employees",
        "Country/Region",
        "Phone Number",
        "Company owner",
    ]

    mapping = guess_mapping(headers, "company", [])

    assert mapping == {
        "0": "external_id",
        "1": "name",
        "2": "domain",
        "3": "industry",
        "4": "size",
        "5": "country",
        "6": "phone",
        "7": "owner",
    }


def test_target_fields_of_companies_come_from_the_catalogue_in_its_order():
    assert target_fields("company", None) == [
        ("external_id", "External ID"),
        ("name", "Name"),
        ("domain", "Domain"),
        ("industry", "Industry"),
        ("size", "Size"),
        ("country", "Country"),
        ("phone", "Phone"),
        ("lifecycle_stage", "Lifecycle stage"),
        ("owner", "Owner (by email)"),
        ("id", "Record ID (Tandem's id, to match records)"),
    ]


def test_target_fields_of_contacts_are_the_importable_catalogue_fields_then_the_import_only_ones():
    assert target_fields("contact", None) == [
        ("external_id", "External ID"),
        ("first_name", "First name"),
        ("last_name", "Last name"),
        ("email", "Email"),
        ("phone", "Phone"),
        ("job_title", "Job title"),
        ("company", "Company (by name)"),
        ("country", "Country"),
        ("lifecycle_stage", "Lifecycle stage"),
        ("lead_status", "Lead status"),
        ("owner", "Owner (by email)"),
        ("tags", "Tags (separated by ; or ,)"),
        ("source", "Source"),
        ("source_medium", "Source medium"),
        ("source_campaign", "Source campaign"),
        ("company_domain", "Company domain"),
        ("marketing_consent_at", "Marketing email consent: given at"),
        ("marketing_consent_confirmed_at", "Marketing email consent: confirmed at"),
        ("marketing_consent_ip", "Marketing email consent: IP address"),
        ("id", "Record ID (Tandem's id, to match records)"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("object_type", ["contact", "company"])
def test_the_mapping_offers_exactly_what_the_import_accepts(object_type):
    PropertyDefinition.objects.create(
        object_type=object_type, name="tier", label="Tier", value_type=PropertyType.TEXT
    )
    offered = {key for key, _label in target_fields(object_type, definitions_for(object_type))}

    assert offered == allowed_targets(object_type)
    assert "property:tier" in offered


def test_a_field_without_import_aliases_is_not_a_target():
    contact_targets = {key for key, _label in target_fields("contact", None)}

    # Team, score and the timestamps are listed on the page but never taken from a file.
    assert contact_targets.isdisjoint({"team", "score", "created_at", "updated_at", "source_referrer"})


def test_a_label_of_the_catalogue_matches_as_exactly_as_the_key():
    # "Medium" is the first-touch field's label on the form; "Source medium" its label in the menu.
    mapping = guess_mapping(["E-mail", "Medium", "Source campaign", "Company (by name)"], "contact", [])

    assert mapping == {"0": "email", "1": "source_medium", "2": "source_campaign", "3": "company"}


def test_normalise_header():
    assert normalise_header("  Country/Region ") == "country region"
    assert normalise_header("first_name") == "first name"
    assert normalise_header("E-Mail") == "e mail"
