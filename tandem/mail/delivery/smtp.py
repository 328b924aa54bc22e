"""Handing messages to an SMTP relay with smtplib: one session per connection, reused for many messages.

A session opens its connection on first use (implicit TLS, STARTTLS or none, then AUTH), sends each job as
MAIL FROM / RCPT TO / DATA and keeps the relay's answer to DATA: a message counts as sent only on 250 after
DATA. After a refused message it sends RSET and carries on; after a dropped connection, a timeout or a 421
it closes and opens a fresh connection for the next job.

Internationalised addresses: when the relay offers SMTPUTF8 and a message needs it (an address or a header
in UTF-8), the envelope carries the UTF-8 addresses with the SMTPUTF8 parameter. Otherwise a Unicode domain
travels in its ASCII (IDNA) form, and a message whose local part or headers are not ASCII fails permanently,
with that reason: no ASCII form of it exists.
"""

import contextlib
import smtplib
import ssl

from django.conf import settings

from tandem.contacts.normalize import ascii_email
from tandem.mail.delivery.outcomes import Job, Outcome, RelayProblem, classify
from tandem.mail.models import Security
from tandem.mail.relay import RelaySettings


def _text(response: bytes | str) -> str:
    if isinstance(response, bytes):
        return response.decode("utf-8", "replace")
    return response


def _local_part_is_ascii(address: str) -> bool:
    return address.rpartition("@")[0].isascii()


class SmtpSession:
    """One connection to the relay, used by one thread."""

    def __init__(self, relay: RelaySettings):
        self.relay = relay
        self.connection: smtplib.SMTP | None = None

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=settings.TANDEM_SMTP_CA_FILE or None)

    def _open(self) -> smtplib.SMTP:
        relay = self.relay
        where = f"{relay.host}:{relay.port}"
        connection = None
        try:
            if relay.security == Security.TLS:
                connection = smtplib.SMTP_SSL(
                    relay.host, relay.port, timeout=relay.timeout_seconds, context=self._tls_context()
                )
            else:
                connection = smtplib.SMTP(relay.host, relay.port, timeout=relay.timeout_seconds)
            connection.ehlo()
            if relay.security == Security.STARTTLS:
                if not connection.has_extn("starttls"):
                    raise RelayProblem(
                        f"The relay {where} does not offer STARTTLS, so Tandem will not send the password"
                        " or the mail in clear text. Turn on TLS at the relay, or choose another security."
                    )
                connection.starttls(context=self._tls_context())
                connection.ehlo()
            if relay.username:
                connection.login(relay.username, relay.password)
        except smtplib.SMTPAuthenticationError as error:
            self._discard(connection)
            raise RelayProblem(
                f"The relay {where} refused the user name and password"
                f" ({error.smtp_code} {_text(error.smtp_error)}). Check them in the mail settings."
            ) from error
        except smtplib.SMTPNotSupportedError as error:
            self._discard(connection)
            raise RelayProblem(
                f"The relay {where} does not offer authentication here ({error}). Check the security"
                " setting: many relays offer AUTH only after STARTTLS."
            ) from error
        except ssl.SSLCertVerificationError as error:
            self._discard(connection)
            raise RelayProblem(
                f"The certificate of the relay {where} could not be verified ({error.verify_message})."
            ) from error
        except ssl.SSLError as error:
            self._discard(connection)
            raise RelayProblem(f"TLS with the relay {where} failed ({error.reason or error}).") from error
        except smtplib.SMTPResponseException as error:
            self._discard(connection)
            if error.smtp_code >= 500:
                # Refused at the greeting or at EHLO: a matter of the relay's settings, not of any message.
                raise RelayProblem(
                    f"The relay {where} refused the connection ({error.smtp_code} {_text(error.smtp_error)})."
                ) from error
            if error.smtp_code == 454 and relay.security == Security.STARTTLS:
                raise RelayProblem(
                    f"The relay {where} refused to start TLS ({error.smtp_code} {_text(error.smtp_error)})."
                ) from error
            raise
        except BaseException:
            self._discard(connection)
            raise
        return connection

    @staticmethod
    def _discard(connection: smtplib.SMTP | None) -> None:
        if connection is None:
            return
        with contextlib.suppress(OSError):
            connection.close()

    def close(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.quit()
        except (smtplib.SMTPException, OSError):
            self._discard(self.connection)
        self.connection = None

    def _reset(self) -> None:
        """RSET after a refused message, so the next one starts a clean transaction on the same connection."""
        try:
            self.connection.rset()
        except (smtplib.SMTPException, OSError):
            self._discard(self.connection)
            self.connection = None

    def send(self, job: Job) -> Outcome:
        """Hand one message to the relay and say what it answered. Never raises for a relay's behaviour."""
        try:
            if self.connection is None:
                self.connection = self._open()
            return self._transaction(job)
        except RelayProblem as problem:
            return Outcome.relay_problem(str(problem))
        except smtplib.SMTPServerDisconnected as error:
            self._discard(self.connection)
            self.connection = None
            # smtplib reports a read timeout as a closed connection; say what happened.
            if isinstance(error.__context__, TimeoutError):
                return Outcome.transient(
                    f"The relay {self.relay.host}:{self.relay.port} did not answer in time."
                )
            return Outcome.transient(
                f"The relay closed the connection before accepting the message ({error})."
            )
        except smtplib.SMTPResponseException as error:
            # A greeting of 421 or 554, a refused EHLO: nothing was sent on this connection.
            self._discard(self.connection)
            self.connection = None
            return classify(error.smtp_code, _text(error.smtp_error))
        except (TimeoutError, OSError, smtplib.SMTPException) as error:
            self._discard(self.connection)
            self.connection = None
            reason = (
                "did not answer in time"
                if isinstance(error, TimeoutError)
                else f"could not be reached ({error})"
            )
            return Outcome.transient(f"The relay {self.relay.host}:{self.relay.port} {reason}.")

    def _envelope(self, job: Job) -> tuple[str, list[str], list[str]] | Outcome:
        """(sender, recipients, MAIL FROM options), or a permanent outcome when the relay cannot carry it."""
        addresses = [job.envelope_from, *job.recipients]
        needs_utf8 = job.has_utf8_headers or not all(_local_part_is_ascii(address) for address in addresses)
        wants_utf8 = needs_utf8 or not all(address.isascii() for address in addresses)
        if wants_utf8 and self.connection.has_extn("smtputf8"):
            options = ["SMTPUTF8"]
            if self.connection.has_extn("8bitmime"):
                options.append("BODY=8BITMIME")
            return job.envelope_from, list(job.recipients), options
        if needs_utf8:
            without = [address for address in addresses if not _local_part_is_ascii(address)]
            reason = (
                f"The address {without[0]} has a non-ASCII local part"
                if without
                else "The message has non-ASCII headers"
            )
            return Outcome.permanent(f"{reason}, which needs SMTPUTF8, and the relay does not offer it.")
        return ascii_email(job.envelope_from), [ascii_email(address) for address in job.recipients], []

    def _transaction(self, job: Job) -> Outcome:
        connection = self.connection
        envelope = self._envelope(job)
        if isinstance(envelope, Outcome):
            return envelope
        sender, recipients, options = envelope
        code, response = connection.mail(sender, options)
        if code != 250:
            return self._refused(code, response)
        refused: list[str] = []
        worst: tuple[int, str] | None = None
        for recipient in recipients:
            code, response = connection.rcpt(recipient)
            if code in (250, 251):
                continue
            if code == 421:
                return self._refused(code, response)
            refused.append(f"{recipient}: {code} {_text(response)}")
            # A transient refusal outranks a permanent one: the message is retried for everyone.
            if worst is None or (400 <= code < 500 and not 400 <= worst[0] < 500):
                worst = (code, _text(response))
        if len(refused) == len(recipients):
            self._reset()
            outcome = classify(*worst)
            return type(outcome)(outcome.result, "; ".join(refused))
        if refused and worst is not None and 400 <= worst[0] < 500:
            # Some recipients are only deferred: retry the whole message later rather than lose them.
            self._reset()
            return Outcome.transient("; ".join(refused))
        code, response = connection.data(job.data)
        if code != 250:
            return self._refused(code, response)
        answer = f"{code} {_text(response)}"
        if refused:
            answer += " (refused: " + "; ".join(refused) + ")"
        return Outcome.sent(answer)

    def _refused(self, code: int, response: bytes) -> Outcome:
        if code == 421 or code == -1:
            self._discard(self.connection)
            self.connection = None
        else:
            self._reset()
        return classify(code, _text(response))
