"""DKIM signing at hand-off (RFC 6376), with the sending identity's key; no key, no signature."""

import dkim

from tandem.contacts.normalize import normalize_domain

# What the signature covers. A header the message lacks (Reply-To) is signed as absent, so nobody can add it
# on the way without breaking the signature.
SIGNED_HEADERS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"reply-to",
    b"mime-version",
    b"content-type",
)


class SigningError(Exception):
    """The identity's key cannot sign (not a PEM RSA key); says so in plain words."""


def dkim_sign(data: bytes, *, selector: str, domain: str, private_key: str) -> bytes:
    """`data` with a DKIM-Signature header in front, relaxed/relaxed, rsa-sha256."""
    try:
        signature = dkim.sign(
            data,
            selector.encode("ascii"),
            normalize_domain(domain).encode("ascii"),
            private_key.encode("ascii"),
            include_headers=list(SIGNED_HEADERS),
            canonicalize=(b"relaxed", b"relaxed"),
            linesep=b"\r\n",
        )
    except (dkim.DKIMException, ValueError, UnicodeError) as error:
        raise SigningError(f"The DKIM key of {domain} cannot sign: {error}") from error
    return signature + data
