"""Delivery through a provider's API (Postmark, through django-anymail). Only the HTTP layer is mocked, with
the JSON bodies Postmark documents for its /email endpoint (postmarkapp.com/developer/api/email-api and
/developer/api/overview#error-codes)."""

import json
from unittest import mock

import pytest
import requests

from tandem.mail.delivery import deliver_due
from tandem.mail.delivery.provider import anymail_options
from tandem.mail.models import Category, Message, Relay, RelayKind, Status
from tandem.mail.relay import relay_alert
from tandem.mail.services import queue_message
from tandem.mail.tests.support import make_identity

pytestmark = pytest.mark.django_db

ACCEPTED = {
    "To": "ada@example.com",
    "SubmittedAt": "2026-12-06T07:25:01.4178645-05:00",
    "MessageID": "0a129aee-e1cd-480d-b08d-4f48548ff48d",
    "ErrorCode": 0,
    "Message": "OK",
}
INACTIVE = {
    "ErrorCode": 406,
    "Message": "You tried to send to recipient(s) that have been marked as inactive.\n"
    "Found inactive addresses: ada@example.com.\n"
    "Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression.",
}
BAD_TOKEN = {
    "ErrorCode": 10,
    "Message": "The Server Token you provided in the X-Postmark-Server-Token request header was invalid.",
}


def _response(status: int, body: dict) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json"
    response.encoding = "utf-8"
    response.url = "https://api.postmarkapp.com/email"
    return response


@pytest.fixture
def postmark():
    Relay.objects.create(
        pk=1, kind=RelayKind.PROVIDER, provider="postmark", provider_settings={"server_token": "t0k3n"}
    )
    with mock.patch.object(requests.Session, "request") as request:
        yield request


def _queue() -> Message:
    return queue_message(
        key="provider:1",
        category=Category.PERSONAL,
        to=["ada@example.com"],
        subject="Our meeting",
        text="Hello Ada",
        html="<p>Hello Ada</p>",
        identity=make_identity(),
    )


def test_an_accepted_message_is_sent_with_the_providers_id(postmark):
    # given Postmark accepting the message
    postmark.return_value = _response(200, ACCEPTED)
    message = _queue()

    # when the worker runs
    deliver_due(worker="test")

    # then the ledger records the provider and its id, and the request carried our message
    message.refresh_from_db()
    assert (message.status, message.delivered_via, message.last_response) == (
        Status.SENT,
        "provider:postmark",
        "accepted by postmark, id 0a129aee-e1cd-480d-b08d-4f48548ff48d",
    )
    call = postmark.call_args.kwargs
    assert call["url"] == "https://api.postmarkapp.com/email"
    assert call["headers"]["X-Postmark-Server-Token"] == "t0k3n"
    payload = json.loads(call["data"])
    assert (payload["To"], payload["Subject"], payload["TextBody"], payload["HtmlBody"]) == (
        "ada@example.com",
        "Our meeting",
        "Hello Ada",
        "<p>Hello Ada</p>",
    )
    assert payload["From"] == "Ana from Tandem <sales@tandem-test.example>"
    assert {"Name": "Message-ID", "Value": message.message_id} in payload["Headers"]


def test_an_inactive_recipient_fails_for_good(postmark):
    # given Postmark answering 422 with ErrorCode 406 (inactive recipient)
    postmark.return_value = _response(422, INACTIVE)
    message = _queue()

    # when the worker runs
    deliver_due(worker="test")

    # then the message failed with Postmark's reason
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.last_response == (
        "postmark refused the recipients: You tried to send to recipient(s) that have been marked as inactive."
        " Found inactive addresses: ada@example.com. Inactive recipients are ones that have generated a hard"
        " bounce, a spam complaint, or a manual suppression."
    )


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_rate_limit_or_server_error_is_retried(postmark, status):
    # given Postmark answering a rate limit or a server error
    postmark.return_value = _response(status, {"ErrorCode": 100, "Message": "Maintenance"})
    message = _queue()

    # when the worker runs
    deliver_due(worker="test")

    # then the message waits for a retry
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.QUEUED, 1)
    assert message.last_response.startswith(
        f"postmark did not take the message: Postmark API response {status}"
    )


def test_no_answer_from_the_provider_is_retried(postmark):
    # given the API unreachable
    postmark.side_effect = requests.ConnectionError("Connection refused")
    message = _queue()

    # when the worker runs
    deliver_due(worker="test")

    # then the message waits for a retry
    message.refresh_from_db()
    assert message.status == Status.QUEUED


def test_a_refused_api_token_is_a_relay_alert(postmark):
    # given Postmark refusing the server token
    postmark.return_value = _response(401, BAD_TOKEN)
    message = _queue()

    # when the worker runs
    deliver_due(worker="test")

    # then the message waits (its attempt not counted) and the relay shows the alert
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.QUEUED, 0)
    assert relay_alert().message.startswith("postmark refused Tandem's API key (Postmark API response 401")


def test_the_stored_settings_become_each_providers_anymail_options():
    # then the page's generic names map to anymail's
    assert anymail_options("postmark", {"api_key": "k"}) == {"server_token": "k"}
    assert anymail_options("sendgrid", {"api_key": "k"}) == {"api_key": "k"}
    assert anymail_options(
        "amazon_ses", {"api_key": "secret", "access_key_id": "AKIA1", "region": "eu-west-1"}
    ) == {
        "session_params": {
            "aws_access_key_id": "AKIA1",
            "aws_secret_access_key": "secret",
            "region_name": "eu-west-1",
        }
    }
    assert anymail_options("postmark", {"server_token": "k"}) == {"server_token": "k"}
