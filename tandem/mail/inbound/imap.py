"""The IMAP client of the poller: imaplib with a timeout, and answers turned into plain values.

Every failure to talk to the server — refused connection, timeout, TLS error, login refused, a folder that
does not exist, a server that says NO — is raised as `MailboxUnavailable` with a sentence for the settings
page, so the caller records it on the mailbox row and the next poll retries.
"""

import imaplib
import ipaddress
import re
import socket
import ssl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

# Fetching RFC822.SIZE for this many UIDs per command keeps the command line short on every server.
SIZE_BATCH = 200
FETCH_ITEM = re.compile(rb"UID (\d+)|RFC822\.SIZE (\d+)")


class MailboxUnavailable(Exception):
    """The mailbox could not be read this time; the message says why, in words for an admin."""


@dataclass(frozen=True)
class ServerAddress:
    host: str
    port: int
    security: str  # "tls", "starttls" or "none" (tandem.mail.models.InboundSecurity)
    username: str
    password: str
    folder: str
    timeout: float = 30.0


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine (where an unencrypted connection is acceptable)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _error_text(error: BaseException) -> str:
    if isinstance(error, imaplib.IMAP4.error) and error.args:
        detail = error.args[0]
        return detail.decode(errors="replace") if isinstance(detail, bytes) else str(detail)
    return str(error) or type(error).__name__


@contextmanager
def connect(address: ServerAddress) -> Iterator["Session"]:
    """An open, logged-in session with `address.folder` selected read-only; logged out on leaving."""
    where = f"{address.host}:{address.port}"
    if address.security == "none" and not is_loopback(address.host):
        raise MailboxUnavailable(
            f"Refusing to send the password to {where} unencrypted: choose TLS or STARTTLS."
        )
    context = ssl.create_default_context()
    try:
        if address.security == "tls":
            client = imaplib.IMAP4_SSL(
                address.host, address.port, ssl_context=context, timeout=address.timeout
            )
        else:
            client = imaplib.IMAP4(address.host, address.port, timeout=address.timeout)
            if address.security == "starttls":
                client.starttls(ssl_context=context)
    except TimeoutError as error:
        raise MailboxUnavailable(f"{where} did not answer within {address.timeout:g} seconds.") from error
    except ConnectionRefusedError as error:
        raise MailboxUnavailable(f"{where} refused the connection (is the IMAP server running?).") from error
    except socket.gaierror as error:
        raise MailboxUnavailable(f"The host name {address.host} cannot be resolved: {error}.") from error
    except ssl.SSLCertVerificationError as error:
        raise MailboxUnavailable(
            f"{where}: the TLS certificate could not be verified ({error.verify_message}). The server needs a "
            "certificate for this host name from a public authority (or one this machine's trust store holds)."
        ) from error
    except ssl.SSLError as error:
        raise MailboxUnavailable(f"The TLS handshake with {where} failed: {_error_text(error)}.") from error
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailboxUnavailable(f"Cannot connect to {where}: {_error_text(error)}.") from error
    try:
        try:
            client.login(address.username, address.password)
        except imaplib.IMAP4.error as error:
            raise MailboxUnavailable(
                f"{where} refused the login of {address.username}: {_error_text(error)}."
            ) from error
        session = Session(client, where)
        session.select(address.folder)
        yield session
    except TimeoutError as error:
        raise MailboxUnavailable(
            f"{where} stopped answering (timeout after {address.timeout:g} s)."
        ) from error
    except (OSError, imaplib.IMAP4.abort) as error:
        raise MailboxUnavailable(f"The connection to {where} broke: {_error_text(error)}.") from error
    finally:
        with suppress(OSError, imaplib.IMAP4.error):
            client.logout()


class Session:
    """A logged-in IMAP session on one selected folder."""

    def __init__(self, client: imaplib.IMAP4, where: str) -> None:
        self.client = client
        self.where = where
        self.uidvalidity: int | None = None

    def _ok(self, answer: tuple, what: str) -> list:
        status, data = answer
        if status != "OK":
            detail = b" ".join(item for item in data if isinstance(item, bytes)).decode(errors="replace")
            raise MailboxUnavailable(f"{self.where} refused to {what}: {detail or status}.")
        return data

    def select(self, folder: str) -> None:
        try:
            self._ok(self.client.select(_quoted(folder), readonly=True), f"open the folder “{folder}”")
        except imaplib.IMAP4.error as error:
            raise MailboxUnavailable(
                f"{self.where} cannot open the folder “{folder}”: {_error_text(error)}."
            ) from error
        values = self.client.response("UIDVALIDITY")[1]
        if not values or values[0] is None:
            raise MailboxUnavailable(f"{self.where} did not say the folder's UIDVALIDITY.")
        self.uidvalidity = int(values[0])

    def uids_after(self, last_uid: int) -> list[int]:
        """The UIDs above `last_uid`, ascending. ("n:*" names the highest message even below n, hence the
        filter.)"""
        data = self._ok(self.client.uid("SEARCH", f"UID {last_uid + 1}:*"), "search the folder")
        numbers = b" ".join(item for item in data if isinstance(item, bytes)).split()
        return sorted(uid for uid in (int(number) for number in numbers) if uid > last_uid)

    def sizes(self, uids: Iterable[int]) -> dict[int, int]:
        """RFC822.SIZE of each UID (a UID expunged meanwhile is absent)."""
        uids = list(uids)
        result: dict[int, int] = {}
        for start in range(0, len(uids), SIZE_BATCH):
            batch = ",".join(str(uid) for uid in uids[start : start + SIZE_BATCH])
            for item in self._ok(self.client.uid("FETCH", batch, "(RFC822.SIZE)"), "list message sizes"):
                line = item[0] if isinstance(item, tuple) else item
                if not isinstance(line, bytes):
                    continue
                uid = size = None
                for uid_match, size_match in FETCH_ITEM.findall(line):
                    uid = int(uid_match) if uid_match else uid
                    size = int(size_match) if size_match else size
                if uid is not None and size is not None:
                    result[uid] = size
        return result

    def fetch(self, uid: int, *, headers_only: bool = False) -> bytes | None:
        """The message's bytes (or its header block), without setting \\Seen; None if it is gone."""
        part = "BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]"
        for item in self._ok(self.client.uid("FETCH", str(uid), f"({part})"), f"fetch message {uid}"):
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        return None


def _quoted(folder: str) -> str:
    """A folder name as an IMAP quoted string (imaplib sends arguments as they are)."""
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
