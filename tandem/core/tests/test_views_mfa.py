"""Login and MFA: our layout on allauth's pages, TOTP for everyone, enforcement for admins, no sign-up."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from tandem.core.models import Role, User

PASSWORD = "a long enough passphrase 42"


def make_user(email: str, role: str = Role.ADMIN) -> User:
    return User.objects.create_user(email, PASSWORD, role=role, first_name="Pat")


def with_totp(user: User) -> User:
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.mark.django_db
def test_admin_without_totp_is_sent_to_totp_activation_when_required(client, settings):
    settings.TANDEM_REQUIRE_MFA_FOR_ADMINS = True
    client.force_login(make_user("admin@example.com"))

    responses = [client.get(reverse(name)) for name in ("core:home", "core:user_list", "core:audit_log")]

    assert [(r.status_code, r["Location"]) for r in responses] == [(302, reverse("mfa_activate_totp"))] * 3


@pytest.mark.django_db
def test_admin_without_totp_can_still_reach_the_account_pages(client, settings):
    settings.TANDEM_REQUIRE_MFA_FOR_ADMINS = True
    client.force_login(make_user("admin@example.com"))

    response = client.get(reverse("mfa_index"))

    assert response.status_code == 200


@pytest.mark.django_db
def test_admin_without_totp_is_not_redirected_when_the_setting_is_off(client, settings):
    settings.TANDEM_REQUIRE_MFA_FOR_ADMINS = False
    client.force_login(make_user("admin@example.com"))

    response = client.get(reverse("core:home"))

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.MARKETING, Role.SALES, Role.SERVICE, Role.READ_ONLY])
def test_non_admins_are_never_redirected(client, settings, role):
    settings.TANDEM_REQUIRE_MFA_FOR_ADMINS = True
    client.force_login(make_user("someone@example.com", role=role))

    response = client.get(reverse("core:home"))

    assert response.status_code == 200


@pytest.mark.django_db
def test_admin_with_totp_uses_the_app(client, settings):
    settings.TANDEM_REQUIRE_MFA_FOR_ADMINS = True
    client.force_login(with_totp(make_user("admin@example.com")))

    response = client.get(reverse("core:home"))

    assert response.status_code == 200


@pytest.mark.django_db
def test_login_page_uses_our_layout_and_offers_no_sign_up(client):
    response = client.get(reverse("account_login"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="page-content auth-card"' in page
    assert "Log in to Tandem" in page
    assert 'class="button button--primary"' in page
    assert "sign up" not in page.lower()
    assert 'class="sidebar"' not in page


@pytest.mark.django_db
def test_sign_up_is_closed(client):
    response = client.post(
        reverse("account_signup"), {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 200
    assert "Accounts are by invitation" in response.content.decode()
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_logging_in_lands_on_the_dashboard(client):
    make_user("pat@example.com", role=Role.SALES)

    response = client.post(reverse("account_login"), {"login": "pat@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")


@pytest.mark.django_db
def test_totp_activation_page_shows_the_qr_code_inside_the_app_shell(client):
    make_user("pat@example.com", role=Role.SALES)
    client.post(reverse("account_login"), {"login": "pat@example.com", "password": PASSWORD})
    # allauth asks for the password again before changing authenticators.
    asked = client.get(reverse("mfa_activate_totp"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    response = client.get(reverse("mfa_activate_totp"))

    page = response.content.decode()
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    assert response.status_code == 200
    assert 'class="qr-code"' in page
    assert 'src="data:image/svg+xml' in page
    assert 'class="sidebar"' in page
    assert 'class="page-content auth-page panel"' in page


@pytest.mark.django_db
def test_user_with_totp_is_asked_for_a_code_on_a_styled_page(client):
    with_totp(make_user("pat@example.com", role=Role.SALES))

    response = client.post(
        reverse("account_login"), {"login": "pat@example.com", "password": PASSWORD}, follow=True
    )

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")
    assert 'class="page-content auth-card"' in page
    assert 'name="code"' in page
    assert Authenticator.objects.count() == 1


@pytest.mark.django_db
def test_two_factor_page_is_linked_from_the_user_menu(client):
    client.force_login(make_user("pat@example.com", role=Role.READ_ONLY))

    page = client.get(reverse("core:home")).content.decode()

    assert f'href="{reverse("mfa_index")}"' in page
    assert f'action="{reverse("account_logout")}"' in page


@pytest.mark.django_db
def test_logging_out_by_post_works_and_is_audited(client):
    from auditlog.models import LogEntry

    user = make_user("pat@example.com", role=Role.SALES)
    client.post(reverse("account_login"), {"login": "pat@example.com", "password": PASSWORD})

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert list(
        LogEntry.objects.filter(object_pk=str(user.pk))
        .order_by("id")
        .values_list("additional_data", flat=True)
    ) == [{"event": "login"}, {"event": "logout"}]
    assert client.get(reverse("core:home")).status_code == 302
