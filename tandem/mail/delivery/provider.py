"""Handing messages to an email provider's HTTP API through django-anymail.

The provider gets the message's parts (subject, text and HTML bodies, From, To, Reply-To, our Message-ID)
rebuilt from the ledger's MIME message; the provider signs with its own DKIM setup. Anymail's errors are
mapped to outcomes: recipients the provider refuses (Postmark's 406 "inactive recipient") are permanent;
no answer, 429 (rate limit) and 5xx are transient; 401/403 (a wrong API key) are a relay problem that
needs a person; any other 4xx is permanent.
"""

import email
from email import policy

from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives, get_connection

from tandem.mail.delivery.outcomes import Job, Outcome
from tandem.mail.relay import RelaySettings

# The headers the provider's API writes from the message's fields; every other header travels as is.
FIELDS_FROM_PARTS = {"from", "to", "cc", "subject", "reply-to", "date", "mime-version", "content-type"}
FIELDS_FROM_PARTS |= {"content-transfer-encoding", "dkim-signature"}


def _django_message(job: Job, connection) -> EmailMultiAlternatives:
    parsed = email.message_from_bytes(job.data, policy=policy.default)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    headers = {name: str(value) for name, value in parsed.items() if name.lower() not in FIELDS_FROM_PARTS}
    message = EmailMultiAlternatives(
        subject=str(parsed.get("Subject", "")),
        body=text_part.get_content() if text_part is not None else "",
        from_email=str(parsed["From"]),
        to=list(job.recipients),
        reply_to=[str(parsed["Reply-To"])] if parsed.get("Reply-To") else None,
        headers=headers,
        connection=connection,
    )
    if html_part is not None:
        message.attach_alternative(html_part.get_content(), "text/html")
    return message


def _provider_said(error: Exception) -> str:
    """The provider's own words from the error's HTTP response ("Message" in Postmark's JSON), if any."""
    response = getattr(error, "response", None)
    if response is None:
        return ""
    try:
        body = response.json()
    except ValueError:
        return (response.text or "")[:500]
    if isinstance(body, dict):
        for name in ("Message", "message", "error", "errors"):
            if body.get(name):
                return str(body[name]).replace("\n", " ")[:500]
    return str(body)[:500]


# The mail settings page stores one secret as "api_key" (and, for Amazon SES, "access_key_id" and "region");
# anymail names it per provider.
ANYMAIL_KEY_NAMES = {"postmark": "server_token"}


def anymail_options(provider: str, stored: dict) -> dict:
    """The keyword arguments of the provider's anymail backend, from the settings the Relay row stores.
    Keys other than the page's pass through unchanged (anymail's own names, e.g. "server_token")."""
    options = dict(stored)
    api_key = options.pop("api_key", "")
    if provider == "amazon_ses":
        options["session_params"] = {
            "aws_access_key_id": options.pop("access_key_id", ""),
            "aws_secret_access_key": api_key,
            "region_name": options.pop("region", ""),
        }
    elif api_key:
        options[ANYMAIL_KEY_NAMES.get(provider, "api_key")] = api_key
    return options


class ProviderSession:
    """One anymail backend (one HTTP session), used by one thread."""

    def __init__(self, relay: RelaySettings):
        self.relay = relay
        self.connection = None

    def _open(self):
        backend = f"anymail.backends.{self.relay.provider}.EmailBackend"
        options = {
            "timeout": self.relay.timeout_seconds,
            **anymail_options(self.relay.provider, self.relay.provider_settings),
        }
        return get_connection(backend, fail_silently=False, **options)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def send(self, job: Job) -> Outcome:
        name = self.relay.provider
        try:
            if self.connection is None:
                self.connection = self._open()
            message = _django_message(job, self.connection)
            message.send()
        except ImportError as error:
            return Outcome.relay_problem(f"The email provider “{name}” cannot be used here: {error}")
        except AnymailRecipientsRefused as error:
            said = _provider_said(error)
            return Outcome.permanent(f"{name} refused the recipients: {said or str(error).splitlines()[0]}")
        except AnymailAPIError as error:
            status = error.status_code
            answer = error.describe_response() or str(error).splitlines()[0]
            if status in (401, 403):
                return Outcome.relay_problem(f"{name} refused Tandem's API key ({answer}).")
            if status is None or status == 429 or status >= 500:
                return Outcome.transient(f"{name} did not take the message: {answer}")
            return Outcome.permanent(f"{name} refused the message: {answer}")
        except (AnymailError, ImproperlyConfigured) as error:
            return Outcome.relay_problem(f"The {name} settings are incomplete: {error}")
        status = message.anymail_status
        return Outcome.sent(f"accepted by {name}, id {status.message_id}")
