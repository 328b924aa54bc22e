"""The OpenAPI document is what clients are generated from: named operations, the same enums in and out,
typed nested objects, and the headers the answers carry."""

import pytest

pytestmark = pytest.mark.django_db

OPERATION_IDS = {
    ("get", "/api/v1/contacts"): "listContacts",
    ("post", "/api/v1/contacts"): "createContact",
    ("get", "/api/v1/contacts/{contact_id}"): "getContact",
    ("patch", "/api/v1/contacts/{contact_id}"): "updateContact",
    ("delete", "/api/v1/contacts/{contact_id}"): "deleteContact",
    ("get", "/api/v1/companies"): "listCompanies",
    ("post", "/api/v1/companies"): "createCompany",
    ("get", "/api/v1/companies/{company_id}"): "getCompany",
    ("patch", "/api/v1/companies/{company_id}"): "updateCompany",
    ("delete", "/api/v1/companies/{company_id}"): "deleteCompany",
    ("get", "/api/v1/contacts/{contact_id}/activities"): "listContactActivities",
    ("get", "/api/v1/companies/{company_id}/activities"): "listCompanyActivities",
    ("post", "/api/v1/contacts/{contact_id}/notes"): "addContactNote",
    ("post", "/api/v1/companies/{company_id}/notes"): "addCompanyNote",
    ("get", "/api/v1/properties"): "listProperties",
    ("post", "/api/v1/properties"): "createProperty",
    ("post", "/api/v1/imports"): "createImport",
    ("get", "/api/v1/imports/{import_id}"): "getImport",
    ("put", "/api/v1/imports/{import_id}/mapping"): "setImportMapping",
    ("patch", "/api/v1/imports/{import_id}/mapping"): "updateImportMapping",
    ("post", "/api/v1/imports/{import_id}/dry-run"): "dryRunImport",
    ("post", "/api/v1/imports/{import_id}/start"): "startImport",
    ("post", "/api/v1/imports/{import_id}/undo"): "undoImport",
    ("post", "/api/v1/exports"): "createExport",
    ("get", "/api/v1/exports/{export_id}"): "getExport",
    ("get", "/api/v1/exports/{export_id}/download"): "downloadExport",
    ("get", "/api/v1/imports/{import_id}/errors.csv"): "downloadImportErrors",
    ("get", "/api/v1/contacts/duplicates"): "listContactDuplicates",
    ("post", "/api/v1/contacts/merge"): "mergeContacts",
    ("get", "/api/v1/companies/duplicates"): "listCompanyDuplicates",
    ("post", "/api/v1/companies/merge"): "mergeCompanies",
    ("post", "/api/v1/merges/{merge_id}/undo"): "undoMerge",
    # The catalog's products: generated from their declaration like every record type.
    ("get", "/api/v1/products"): "listProducts",
    ("post", "/api/v1/products"): "createProduct",
    ("get", "/api/v1/products/{product_id}"): "getProduct",
    ("patch", "/api/v1/products/{product_id}"): "updateProduct",
    ("delete", "/api/v1/products/{product_id}"): "deleteProduct",
    # Deals (the sales hub): generated from the deal's declaration.
    ("get", "/api/v1/deals"): "listDeals",
    ("post", "/api/v1/deals"): "createDeal",
    ("get", "/api/v1/deals/{deal_id}"): "getDeal",
    ("patch", "/api/v1/deals/{deal_id}"): "updateDeal",
    ("delete", "/api/v1/deals/{deal_id}"): "deleteDeal",
    # Quotes (the sales hub): generated from the quote's declaration.
    ("get", "/api/v1/quotes"): "listQuotes",
    ("post", "/api/v1/quotes"): "createQuote",
    ("get", "/api/v1/quotes/{quote_id}"): "getQuote",
    ("patch", "/api/v1/quotes/{quote_id}"): "updateQuote",
    ("delete", "/api/v1/quotes/{quote_id}"): "deleteQuote",
    # Tasks (engagements): generated from the task's declaration.
    ("get", "/api/v1/tasks"): "listTasks",
    ("post", "/api/v1/tasks"): "createTask",
    ("get", "/api/v1/tasks/{task_id}"): "getTask",
    ("patch", "/api/v1/tasks/{task_id}"): "updateTask",
    ("delete", "/api/v1/tasks/{task_id}"): "deleteTask",
    # The test-only record type: its operations are generated from its declaration, named by the same rule.
    ("get", "/api/v1/widgets"): "listWidgets",
    ("post", "/api/v1/widgets"): "createWidget",
    ("get", "/api/v1/widgets/{widget_id}"): "getWidget",
    ("patch", "/api/v1/widgets/{widget_id}"): "updateWidget",
    ("delete", "/api/v1/widgets/{widget_id}"): "deleteWidget",
}


@pytest.fixture
def schema(client):
    return client.get("/api/v1/openapi.json").json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def test_every_operation_has_its_chosen_id(schema):
    found = {(method, path): operation["operationId"] for method, path, operation in _operations(schema)}

    assert found == OPERATION_IDS


def _enum(schema, name, field):
    definition = schema["components"]["schemas"][name]["properties"][field]
    options = definition.get("anyOf", [definition])
    return next(option["enum"] for option in options if "enum" in option)


@pytest.mark.parametrize(
    ("output", "write", "field"),
    [
        ("ContactOut", "ContactWrite", "lifecycle_stage"),
        ("ContactOut", "ContactWrite", "lead_status"),
        ("CompanyOut", "CompanyWrite", "size"),
        ("PropertyOut", "PropertyWrite", "value_type"),
        ("PropertyOut", "PropertyWrite", "object_type"),
        ("ImportOut", "MappingWrite", "key"),
        ("ImportOut", "MappingWrite", "mode"),
        ("ExportOut", "ExportWrite", "format"),
        ("ExportOut", "ExportWrite", "object_type"),
    ],
)
def test_outputs_use_the_enums_of_inputs(schema, output, write, field):
    assert _enum(schema, output, field) == _enum(schema, write, field)


def test_statuses_and_kinds_are_enums(schema):
    assert _enum(schema, "ImportOut", "status") == [
        "uploaded",
        "dry_run",
        "ready",
        "queued",
        "running",
        "done",
        "failed",
        "undoing",
        "undone",
    ]
    assert _enum(schema, "ExportOut", "status") == ["queued", "running", "finished", "failed"]
    assert "stage_changed" in _enum(schema, "ActivityOut", "kind")
    assert _enum(schema, "ImportOut", "file_kind") == ["csv", "xlsx"]


def test_nested_objects_are_typed(schema):
    components = schema["components"]["schemas"]
    report = components["ImportOut"]["properties"]["dry_run_report"]
    details = components["ActivityOut"]["properties"]["details"]
    mapping = components["ImportOut"]["properties"]["mapping"]

    assert {"$ref": "#/components/schemas/DryRunReport"} in report["anyOf"]
    assert components["DryRunReport"]["required"] == [
        "total_rows",
        "to_create",
        "to_update",
        "to_skip",
        "invalid_rows",
        "duplicates_in_file",
        "matches_in_database",
    ]
    assert details == {"$ref": "#/components/schemas/ActivityDetails"}
    assert sorted(components["ActivityDetails"]["properties"]) == [
        "changes",
        "fields",
        "from",
        "merged_with",
        "purpose",
        "restored",
        "subject",
        "to",
    ]
    assert list(mapping["patternProperties"]) == ["^[0-9]{1,6}$"]
    assert mapping["additionalProperties"] is False
    assert components["ContactOut"]["properties"]["external_id"]["anyOf"] == [
        {"type": "string"},
        {"type": "null"},
    ]


def test_headers_are_declared_on_the_answers_that_carry_them(schema):
    rate_limit = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]
    for method, path, operation in _operations(schema):
        responses = operation["responses"]
        success = next(status for status in responses if status.startswith("2"))
        assert sorted(responses[success]["headers"]) == sorted(
            rate_limit
            + (
                ["Content-Disposition"]
                if operation["operationId"] in ("downloadExport", "downloadImportErrors")
                else []
            )
        ), (method, path)
        assert sorted(responses["429"]["headers"]) == sorted([*rate_limit, "Retry-After"])
        assert list(responses["401"]["headers"]) == ["WWW-Authenticate"]
        assert all(responses["429"]["headers"][name]["required"] for name in responses["429"]["headers"])


def test_typed_details_keep_their_keys_and_external_ids_show(client, admin, admin_token):
    from tandem.api.tests.conftest import bearer
    from tandem.contacts.tests.factories import ContactFactory

    contact = ContactFactory(owner=admin, lifecycle_stage="lead", external_id="hs-42")
    client.patch(
        f"/api/v1/contacts/{contact.pk}",
        {"lifecycle_stage": "customer"},
        content_type="application/json",
        **bearer(admin_token),
    )

    timeline = client.get(f"/api/v1/contacts/{contact.pk}/activities", **bearer(admin_token)).json()
    shown = client.get(f"/api/v1/contacts/{contact.pk}", **bearer(admin_token)).json()

    stage_changes = [row["details"] for row in timeline["results"] if row["kind"] == "stage_changed"]
    assert stage_changes == [{"from": "lead", "to": "customer"}]
    assert shown["external_id"] == "hs-42"


def test_the_dry_run_sample_declares_related_records_as_id_and_name(schema):
    # Given the published schema, when the dry-run report's sample of changes is read
    changes = schema["components"]["schemas"]["UpdateSample"]["properties"]["changes"]

    # Then it says a related record's value is {id, name}, as the report gives it
    assert "`company`" in changes["description"] and "`{id, name}`" in changes["description"]
