"""allauth's pages in Tandem's frame and words; the email pages that would offer verification (which is off)
are not there."""

import pytest
from django.urls import reverse

from tandem.core.models import Role, User

PASSWORD = "a long enough passphrase 42"
BRAND = 'class="brand auth-brand"'
SIDEBAR = 'class="sidebar"'


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/accounts/login/", "Log in to Tandem"),
        ("/accounts/signup/", "Accounts are by invitation"),
        ("/accounts/password/reset/", "Reset your password"),
        ("/accounts/password/reset/done/", "Check your email"),
        ("/accounts/password/reset/key/1-not-a-key/", "This link has expired"),
        ("/accounts/password/reset/key/done/", "Password changed"),
        ("/accounts/inactive/", "Account deactivated"),
    ],
)
@pytest.mark.django_db
def test_signed_out_account_pages_are_in_the_branded_card(client, path, heading):
    response = client.get(path)
    page = response.content.decode()

    assert response.status_code == 200
    assert BRAND in page and 'class="page-content auth-card' in page
    assert f">{heading}</h1>" in page


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/accounts/logout/", "Log out of Tandem"),
        ("/accounts/password/change/", "Change your password"),
        ("/accounts/2fa/", None),
        ("/accounts/reauthenticate/", None),
    ],
)
@pytest.mark.django_db
def test_signed_in_account_pages_are_in_the_app_shell(client, path, heading):
    client.force_login(User.objects.create_user("ana@example.com", PASSWORD, role=Role.SALES))

    response = client.get(path)
    page = response.content.decode()

    assert response.status_code == 200
    assert SIDEBAR in page
    if heading:
        assert f">{heading}</h1>" in page


@pytest.mark.django_db
def test_reauthentication_does_not_offer_a_code_by_email(client):
    client.force_login(User.objects.create_user("ana@example.com", PASSWORD, role=Role.SALES))

    page = client.get("/accounts/reauthenticate/").content.decode()

    assert "sign-in code" not in page
    assert reverse("account_request_reauthentication_code") not in page


@pytest.mark.parametrize(
    "path", ["/accounts/email/", "/accounts/confirm-email/", "/accounts/confirm-email/abc/"]
)
@pytest.mark.django_db
def test_email_management_and_verification_pages_are_not_offered(client, path):
    client.force_login(User.objects.create_user("ana@example.com", PASSWORD, role=Role.SALES))

    response = client.get(path)
    resend = client.post("/accounts/email/", {"action_send": "", "email": "ana@example.com"})

    assert response.status_code == 404
    assert "Verification" not in response.content.decode()
    assert resend.status_code == 404
