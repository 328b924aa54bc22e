"""The error pages: 403, 404 and 500 in the app shell for people who are signed in, a plain branded page
otherwise; the app's own reason on a 403; one log line without a traceback for a refused request."""

import io
import logging

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from tandem.core.models import Role, User
from tandem.core.views import server_error

SIDEBAR = 'class="sidebar"'
PASSWORD = "a long enough passphrase 42"


def signed_in(client, role: str = Role.ADMIN) -> User:
    user = User.objects.create_user(f"{role}@example.com", PASSWORD, role=role)
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_404_is_in_the_app_shell_when_signed_in(client):
    signed_in(client)

    response = client.get("/no/such/page/")
    page = response.content.decode()

    assert response.status_code == 404
    assert SIDEBAR in page
    assert "This page does not exist" in page
    assert "<title>Page not found · Tandem</title>" in page


@pytest.mark.django_db
def test_404_is_a_plain_branded_page_when_signed_out(client):
    response = client.get("/no/such/page/")
    page = response.content.decode()

    assert response.status_code == 404
    assert SIDEBAR not in page
    assert 'class="brand auth-brand"' in page
    assert "This page does not exist" in page
    assert "urlpatterns" not in page and "Using the URLconf" not in page


@pytest.mark.django_db
def test_403_keeps_the_apps_own_reason_inside_the_shell(client):
    signed_in(client, Role.READ_ONLY)

    response = client.get(reverse("core:user_list"))
    page = response.content.decode()

    assert response.status_code == 403
    assert SIDEBAR in page
    assert "You can’t open this page" in page
    assert "<p>You may not change user records.</p>" in page


@pytest.mark.django_db
def test_a_stale_form_says_so_instead_of_djangos_csrf_page():
    client = Client(enforce_csrf_checks=True)
    signed_in(client)

    response = client.post(reverse("core:team_list"), {"name": "Field sales"})
    page = response.content.decode()

    assert response.status_code == 403
    assert "This form has expired" in page
    assert "CSRF verification failed" not in page
    assert SIDEBAR in page


@pytest.mark.django_db
def test_500_is_in_the_app_shell_when_signed_in():
    request = RequestFactory().get("/contacts/")
    request.user = User.objects.create_user("admin@example.com", PASSWORD, role=Role.ADMIN)

    response = server_error(request)
    page = response.content.decode()

    assert response.status_code == 500
    assert SIDEBAR in page
    assert "Something went wrong on our side" in page


def test_500_falls_back_to_the_plain_page_when_the_shell_cannot_render():
    class BrokenUser:
        is_authenticated = True

        @property
        def role(self):
            raise RuntimeError("the database is gone")

    request = RequestFactory().get("/contacts/")
    request.user = BrokenUser()

    response = server_error(request)
    page = response.content.decode()

    assert response.status_code == 500
    assert SIDEBAR not in page
    assert "Something went wrong on our side" in page


@pytest.mark.django_db
def test_a_refused_request_logs_one_line_and_no_traceback(client):
    # The console handler that settings.LOGGING configured, written to a buffer for the test's length.
    console = next(
        handler for handler in logging.getLogger().handlers if type(handler) is logging.StreamHandler
    )
    buffer = io.StringIO()
    previous = console.setStream(buffer)
    signed_in(client, Role.READ_ONLY)
    try:
        client.get(reverse("core:user_list"))
    finally:
        console.setStream(previous)
    logged = buffer.getvalue()

    assert "Forbidden (Permission denied): /settings/users/" in logged
    assert "Traceback" not in logged
