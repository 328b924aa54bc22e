"""The API docs page: one navigable reference, the scope each operation needs, and exactly the scopes the
code checks."""

import re

import pytest
from playwright.sync_api import expect

from tandem.api import docs
from tandem.api.models import ApiScope
from tandem.api.v1 import api
from tandem.contacts.tests.factories import PASSWORD, UserFactory
from tandem.core.models import Role

pytestmark = pytest.mark.django_db


def _scopes_in_code() -> set[str]:
    return {scope for scopes in api.operation_scopes().values() for scope in scopes}


def test_every_operation_needs_a_scope_and_every_scope_is_one_a_token_can_have():
    scopes = api.operation_scopes()

    assert all(scopes.values()), [name for name, needed in scopes.items() if not needed]
    assert _scopes_in_code() == set(ApiScope.values)


def test_docs_list_exactly_the_scopes_the_code_checks(client):
    reference = docs.reference(api.get_openapi_schema(), scope_labels=dict(ApiScope.choices))
    html = client.get("/api/v1/docs").content.decode()

    listed = [scope["name"] for scope in reference["scopes"]]
    assert listed == list(ApiScope.values)
    assert set(listed) == _scopes_in_code()
    assert reference["unlabelled_scopes"] == []
    shown = set(re.findall(r"<code>([a-z]+:(?:read|write))</code>", html))
    assert shown == _scopes_in_code()
    assert "duplicates and merges:" not in html
    assert "exports:" not in html


def test_each_operation_shows_the_scope_its_token_check_accepts(client):
    schema = client.get("/api/v1/openapi.json").json()
    reference = docs.reference(schema, scope_labels=dict(ApiScope.choices))
    operations = {
        operation["operation_id"]: operation
        for group in reference["groups"]
        for operation in group["operations"]
    }

    assert {
        name: tuple(operation["scopes"]) for name, operation in operations.items()
    } == api.operation_scopes()
    assert operations["listContactDuplicates"]["scopes"] == ["contacts:read"]
    assert operations["createExport"]["scopes"] == ["contacts:read", "companies:read"]
    assert schema["paths"]["/api/v1/exports"]["post"]["security"] == [
        {"TokenAuth": ["contacts:read"]},
        {"TokenAuth": ["companies:read"]},
    ]


def test_the_page_is_rendered_once_with_contents_for_every_operation(client):
    html = client.get("/api/v1/docs").content.decode()

    assert html.count('id="overview"') == 1
    assert html.count('aria-label="API reference contents"') == 1
    for operation_id in api.operation_scopes():
        assert html.count(f'href="#{operation_id}"') >= 1
        assert html.count(f'id="{operation_id}"') == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_docs_page_in_a_browser(live_server, page, screenshot, width):
    user = UserFactory(email="docs@example.com", role=Role.SALES)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in|log in", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))

    page.goto(f"{live_server.url}/api/v1/docs")
    contents = page.get_by_role("navigation", name="API reference contents")
    if width < 900:
        # Folded above the reference; opening it and following a link lands on the operation.
        expect(contents.get_by_role("link", name="POST /contacts/merge")).to_be_hidden()
        contents.get_by_text("Contents").click()
    link = contents.get_by_role("link", name="POST /contacts/merge")
    expect(link).to_be_visible()
    screenshot(f"api-docs-{width}")
    link.click()
    expect(page).to_have_url(re.compile("#mergeContacts$"))
    expect(page.get_by_role("heading", name="POST /api/v1/contacts/merge")).to_be_in_viewport()

    # Nothing wider than the screen; at most half the old 63,000 pixels (the page was rendered twice) for the
    # 32 operations it had then, in proportion for the operations since (the test-only widget adds five).
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("document.documentElement.scrollHeight") < 31_500 * len(api.operation_scopes()) / 32
    if width >= 900:
        # The contents stay beside the reference while it scrolls.
        expect(contents).to_be_in_viewport()

    page.goto(f"{live_server.url}/api/v1/docs#schema-ContactOut")
    expect(page.locator("#schema-ContactOut")).to_have_attribute("open", "")
