"""DKIM signing at hand-off (RFC 6376): rsa-sha256, relaxed/relaxed, with the sending identity's key; an
identity without a key sends unsigned.

The canonicalisation and the DKIM-Signature header are written here, and the RSA signature is made by
`cryptography` (OpenSSL): dkimpy's signer does its RSA arithmetic in pure Python, about 20 ms a message,
which alone would cap a worker at 50 messages a second. dkimpy stays the reference: the tests verify every
message received with `dkim.verify`.
"""

import base64
import hashlib
import re
from functools import lru_cache

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

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
_WHITESPACE = re.compile(rb"[ \t]+")
_FOLD = re.compile(rb"\r\n(?=[ \t])")


class SigningError(Exception):
    """The identity's key cannot sign (not a PEM RSA key); says so in plain words."""


@lru_cache(maxsize=32)
def _private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the key is not an RSA key")
    return key


@lru_cache(maxsize=256)
def _signing_domain(domain: str) -> bytes:
    # The identity's domain in its ASCII form, once per domain (the IDNA encoding is not free).
    return normalize_domain(domain).encode("ascii")


def _relaxed_header(name: bytes, value: bytes) -> bytes:
    """RFC 6376 §3.4.2: lower-case name, unfolded value, runs of whitespace as one space, trimmed."""
    value = _WHITESPACE.sub(b" ", _FOLD.sub(b"", value)).strip(b" ")
    return name.strip().lower() + b":" + value


def _relaxed_body(body: bytes) -> bytes:
    """RFC 6376 §3.4.4: whitespace runs as one space, none at line ends, no empty lines at the end."""
    lines = [_WHITESPACE.sub(b" ", line).rstrip(b" ") for line in body.split(b"\r\n")]
    while lines and lines[-1] == b"":
        lines.pop()
    return b"".join(line + b"\r\n" for line in lines)


def _headers(header_section: bytes) -> list[tuple[bytes, bytes]]:
    """(name, raw value with its folding) per header field, in order."""
    fields: list[tuple[bytes, bytes]] = []
    for line in header_section.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, value + b"\r\n" + line)
        elif b":" in line:
            name, _, value = line.partition(b":")
            fields.append((name, value))
    return fields


def _fold(value: bytes, width: int = 72) -> bytes:
    """Fold a tag list at its "; " separators so no line passes `width`; unfolding gives `value` back."""
    lines, current = [], b""
    for part in value.split(b" "):
        if current and len(current) + 1 + len(part) > width:
            lines.append(current)
            current = part
        else:
            current = part if not current else current + b" " + part
    lines.append(current)
    return b"\r\n ".join(lines)


def dkim_sign(data: bytes, *, selector: str, domain: str, private_key: str) -> bytes:
    """`data` (CRLF line ends) with a DKIM-Signature header in front."""
    try:
        key = _private_key(private_key)
        signing_domain = _signing_domain(domain)
        selector_bytes = selector.encode("ascii")
    except (ValueError, TypeError, UnicodeError) as error:
        raise SigningError(f"The DKIM key of {domain} cannot sign: {error}") from error
    header_section, _, body = data.partition(b"\r\n\r\n")
    fields = _headers(header_section)
    body_hash = base64.b64encode(hashlib.sha256(_relaxed_body(body)).digest())
    # Each name in h= takes the last unused instance of that header, bottom up (RFC 6376 §5.4.2); a name
    # with no instance left signs its absence.
    remaining: dict[bytes, list[bytes]] = {}
    for name, value in fields:
        remaining.setdefault(name.strip().lower(), []).append(value)
    canonical = b""
    for name in SIGNED_HEADERS:
        instances = remaining.get(name)
        if instances:
            canonical += _relaxed_header(name, instances.pop()) + b"\r\n"
    tags = (
        b"v=1; a=rsa-sha256; c=relaxed/relaxed; d="
        + signing_domain
        + b"; s="
        + selector_bytes
        + b"; h="
        + b":".join(SIGNED_HEADERS)
        + b"; bh="
        + body_hash
        + b"; b="
    )
    unsigned = _fold(tags)
    canonical += _relaxed_header(b"DKIM-Signature", b" " + unsigned)
    signature = key.sign(canonical, padding.PKCS1v15(), hashes.SHA256())
    encoded = base64.b64encode(signature)
    # The b= value may be folded anywhere: verifiers drop it, whitespace included, before hashing.
    chunks = [encoded[index : index + 64] for index in range(0, len(encoded), 64)]
    return b"DKIM-Signature: " + unsigned + b"\r\n " + b"\r\n ".join(chunks) + b"\r\n" + data
