"""`manage.py create_api_token`: a token for a user, printed once, that the API accepts."""

import io

import pytest
from django.core.management import CommandError, call_command

from tandem.api.models import ApiToken
from tandem.api.tests.conftest import bearer

pytestmark = pytest.mark.django_db


def _run(*arguments) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", *arguments, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_creates_a_token_that_the_api_accepts(client, admin):
    out, err = _run(
        "--user", "ADMIN@example.com", "--name", "CRM sync", "--scopes", "contacts:read,contacts:write"
    )

    plain = out.strip()
    token = ApiToken.objects.get()
    assert plain.startswith(f"tdm_{token.prefix}_")
    assert (token.user, token.name, token.scopes) == (admin, "CRM sync", ["contacts:read", "contacts:write"])
    assert plain not in err
    assert token.secret_hash != plain
    assert client.get("/api/v1/contacts", **bearer(plain)).status_code == 200
    assert client.get("/api/v1/companies", **bearer(plain)).status_code == 403


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--user", "nobody@example.com", "--name", "x", "--scopes", "contacts:read"],
            "There is no user with the email address “nobody@example.com”.",
        ),
        (
            [
                "--user",
                "admin@example.com",
                "--name",
                "x",
                "--scopes",
                "contacts:read,exports:read,duplicates",
            ],
            # tasks, products and widgets (the test-only record type): each type's API brings its own scopes.
            "Unknown scopes: exports:read, duplicates. Choose from: contacts:read, contacts:write, companies:read, "
            "companies:write, tasks:read, tasks:write, products:read, products:write, deals:read, deals:write, "
            "quotes:read, quotes:write, "
            "widgets:read, widgets:write, activities:read, activities:write, properties:read, properties:write, "
            "imports:read, imports:write.",
        ),
        (
            ["--user", "admin@example.com", "--name", "x", "--scopes", " , "],
            "Choose at least one scope.",
        ),
        (
            ["--user", "admin@example.com", "--name", "  ", "--scopes", "contacts:read"],
            "Give the token a name, e.g. the integration that uses it.",
        ),
    ],
)
def test_errors_name_what_is_wrong_and_create_nothing(admin, arguments, message):
    with pytest.raises(CommandError) as error:
        _run(*arguments)

    assert str(error.value) == message
    assert ApiToken.objects.count() == 0


def test_a_deactivated_user_gets_no_token(admin):
    admin.is_active = False
    admin.save(update_fields=["is_active"])

    with pytest.raises(CommandError, match="deactivated"):
        _run("--user", "admin@example.com", "--name", "x", "--scopes", "contacts:read")
    assert ApiToken.objects.count() == 0
