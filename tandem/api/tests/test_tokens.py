"""API tokens: created with only their hash stored, shown once, revocable, and refused when not valid."""

import datetime
import hashlib

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tandem.api import services
from tandem.api.models import ApiToken
from tandem.api.tests.conftest import bearer, make_token
from tandem.core.models import User

pytestmark = pytest.mark.django_db

UNAUTHORIZED = {
    "error": {
        "code": "unauthorized",
        "message": "Send a valid API token: Authorization: Bearer tdm_… (it may be revoked or expired).",
        "fields": {},
    }
}


def test_urls():
    assert reverse("api:token_list") == "/settings/api-tokens/"
    assert reverse("api:token_revoke", args=[3]) == "/settings/api-tokens/3/revoke/"
    assert reverse("api:docs") == "/api/v1/docs"


def test_create_token_stores_only_the_hash_and_audits(admin):
    token, plain = services.create_token(
        actor=admin, name="  Website   sync ", scopes=["contacts:write", "contacts:read"]
    )

    token.refresh_from_db()
    assert plain.startswith(f"tdm_{token.prefix}_")
    assert len(token.prefix) == 8
    assert token.secret_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert token.name == "Website sync"
    assert token.scopes == ["contacts:read", "contacts:write"]
    stored_text = [str(value) for value in ApiToken.objects.values_list().get(pk=token.pk)]
    assert all(plain not in value and plain[13:] not in value for value in stored_text)
    entry = LogEntry.objects.get(object_pk=str(token.pk), content_type__model="apitoken")
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == admin
    assert entry.additional_data == {"event": "api_token_created"}
    assert plain not in str(entry.changes) and plain not in entry.object_repr


def test_create_token_refuses_unknown_scopes_and_past_expiry(admin):
    with pytest.raises(ValidationError) as caught:
        services.create_token(
            actor=admin,
            name="",
            scopes=["contacts:admin"],
            expires_at=timezone.now() - datetime.timedelta(days=1),
        )

    assert caught.value.message_dict == {
        "name": ["Give the token a name, e.g. the integration that uses it."],
        "scopes": ["“contacts:admin” is not a scope."],
        "expires_at": ["The expiry must be in the future."],
    }
    assert ApiToken.objects.count() == 0


def test_token_page_shows_the_plain_token_once(client, admin):
    client.force_login(admin)

    response = client.post(
        "/settings/api-tokens/", {"name": "Zapier", "scopes": ["contacts:read", "companies:read"]}
    )

    assert response.status_code == 200
    token = ApiToken.objects.get()
    html = response.content.decode()
    plain = html.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert plain.startswith(f"tdm_{token.prefix}_")
    assert token.secret_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert token.user == admin
    assert token.scopes == ["contacts:read", "companies:read"]
    assert "no-store" in response["Cache-Control"]
    again = client.get("/settings/api-tokens/").content.decode()
    assert plain not in again
    assert f"tdm_{token.prefix}…" in again


def test_token_page_form_errors(client, admin):
    client.force_login(admin)

    response = client.post("/settings/api-tokens/", {"name": "", "scopes": []})

    assert response.status_code == 400
    assert ApiToken.objects.count() == 0
    assert "This field is required." in response.content.decode()


def test_token_page_requires_login(client):
    response = client.get("/settings/api-tokens/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_user_revokes_own_token_from_the_page(client, seller):
    plain = make_token(seller, ["contacts:read"])
    token = ApiToken.objects.get()
    client.force_login(seller)

    response = client.post(f"/settings/api-tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    entry = LogEntry.objects.get(object_pk=str(token.pk), action=LogEntry.Action.UPDATE)
    assert entry.additional_data == {"event": "api_token_revoked", "token_user_id": seller.pk}
    assert client.get("/api/v1/contacts", **bearer(plain)).status_code == 401


def test_user_cannot_revoke_someone_elses_token(client, admin, seller):
    make_token(admin, ["contacts:read"])
    token = ApiToken.objects.get()
    client.force_login(seller)

    response = client.post(f"/settings/api-tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    with pytest.raises(PermissionDenied):
        services.revoke_token(actor=seller, token=token)
    token.refresh_from_db()
    assert token.revoked_at is None
    assert LogEntry.objects.filter(action=LogEntry.Action.UPDATE, content_type__model="apitoken").count() == 0
    assert "tdm_" + token.prefix not in client.get("/settings/api-tokens/").content.decode()


def test_admin_lists_and_revokes_anyones_token(client, admin, seller):
    make_token(seller, ["contacts:read"])
    token = ApiToken.objects.get()
    client.force_login(admin)

    page = client.get("/settings/api-tokens/").content.decode()
    response = client.post(f"/settings/api-tokens/{token.pk}/revoke/")

    assert f"tdm_{token.prefix}…" in page
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer tdm_abcdefgh_not-a-real-secret",
        "Bearer nonsense",
        "Token something",
        "",
    ],
)
def test_wrong_or_missing_token_is_unauthorized(client, admin, header):
    make_token(admin)

    response = client.get("/api/v1/contacts", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_right_prefix_wrong_secret_is_unauthorized(client, admin):
    plain = make_token(admin)

    response = client.get("/api/v1/contacts", **bearer(plain[:-3] + "xyz"))

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_revoked_token_is_unauthorized(client, admin):
    plain = make_token(admin)
    services.revoke_token(actor=admin, token=ApiToken.objects.get())

    response = client.get("/api/v1/contacts", **bearer(plain))

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_expired_token_is_unauthorized(client, admin):
    plain = make_token(admin, expires_at=timezone.now() + datetime.timedelta(hours=1))
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = client.get("/api/v1/contacts", **bearer(plain))

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_deactivated_users_token_is_unauthorized(client, admin):
    plain = make_token(admin)
    User.objects.filter(pk=admin.pk).update(is_active=False)

    response = client.get("/api/v1/contacts", **bearer(plain))

    assert response.status_code == 401


def test_valid_token_works_and_records_last_use(client, admin):
    plain = make_token(admin)

    response = client.get("/api/v1/contacts", **bearer(plain))

    assert response.status_code == 200
    assert response.json() == {"results": [], "next_cursor": None}
    assert ApiToken.objects.get().last_used_at is not None


def test_session_login_does_not_authenticate_the_api(client, admin):
    client.force_login(admin)

    response = client.get("/api/v1/contacts")

    assert response.status_code == 401


def test_token_page_shows_dates_like_every_other_page(client, admin):
    make_token(admin)
    moment = datetime.datetime(2026, 12, 6, 14, 5, 9, tzinfo=datetime.UTC)
    ApiToken.objects.update(created_at=moment, last_used_at=moment)
    client.force_login(admin)

    html = client.get("/settings/api-tokens/").content.decode()

    shown = (
        '<time datetime="2026-12-06T14:05:09+00:00" title="6 Dec 2026, 14:05:09 UTC">6 Dec 2026, 14:05</time>'
    )
    assert f"<td>{shown}</td>" in html
    assert "2026-12-06 14:05" not in html
