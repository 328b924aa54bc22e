"""What every answer under /api/ shares: 404 and 405 in the one error format, and the rate-limit headers."""

from unittest import mock

import pytest
from django.test import override_settings

from tandem.api.tests.conftest import bearer, make_token
from tandem.contacts.models import Contact

pytestmark = pytest.mark.django_db

NOT_FOUND = {
    "error": {"code": "not_found", "message": "There is no API operation at this path.", "fields": {}}
}


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v1/contacts/1/nothing", "/api/v2/contacts", "/api/", "/api/v1/"]
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_paths_under_api_answer_404_in_the_error_format(client, admin_token, path, method):
    response = getattr(client, method)(path, **bearer(admin_token))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == NOT_FOUND


def test_a_wrong_method_answers_405_in_the_error_format_with_allow(client, admin, admin_token):
    response = client.put("/api/v1/contacts", {}, content_type="application/json", **bearer(admin_token))

    assert response.status_code == 405
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert sorted(response["Allow"].split(", ")) == ["GET", "POST"]
    assert response.json() == {
        "error": {
            "code": "method_not_allowed",
            "message": f"This path accepts only: {response['Allow']}.",
            "fields": {},
        }
    }
    assert Contact.objects.count() == 0


def test_a_known_record_that_does_not_exist_is_still_the_operations_404(client, admin_token):
    response = client.get("/api/v1/contacts/999", **bearer(admin_token))

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


@override_settings(TANDEM_API_RATE_LIMIT=3)
def test_rate_limit_headers_on_success_and_on_429(client, admin, admin_token):
    # A fixed clock 20 s into a one-minute window.
    with mock.patch("tandem.api.auth.time.time", return_value=1_800_000_040.0):
        answers = [client.get("/api/v1/contacts", **bearer(admin_token)) for _ in range(4)]
        other = client.get("/api/v1/contacts/999", **bearer(make_token(admin)))

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert [
        (answer["RateLimit-Limit"], answer["RateLimit-Remaining"], answer["RateLimit-Reset"])
        for answer in answers
    ] == [("3", "2", "20"), ("3", "1", "20"), ("3", "0", "20"), ("3", "0", "20")]
    assert answers[3]["Retry-After"] == "20"
    # Errors after authentication carry them too, per token.
    assert other.status_code == 404
    assert (other["RateLimit-Limit"], other["RateLimit-Remaining"]) == ("3", "2")


def test_no_rate_limit_headers_without_a_valid_token(client):
    response = client.get("/api/v1/contacts", HTTP_AUTHORIZATION="Bearer tdm_nothing")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "RateLimit-Limit" not in response
