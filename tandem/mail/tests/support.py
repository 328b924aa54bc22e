"""Shared set-up for the delivery tests: a sending identity with a real DKIM key, and checks every message
received must pass."""

import base64
import email
from email import policy
from functools import cache

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tandem.mail.models import Identity

DOMAIN = "tandem-test.example"
SELECTOR = "tandem1"


@cache
def dkim_key_pair() -> tuple[str, bytes]:
    """(private key PEM, the DNS TXT record publishing its public half)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def make_identity(*, signed: bool = True, address: str = f"sales@{DOMAIN}", name: str = "Ana from Tandem"):
    private, _record = dkim_key_pair()
    return Identity.objects.create(
        from_name=name,
        address=address,
        verified_at="2026-01-01T00:00:00Z",
        dkim_selector=SELECTOR if signed else "",
        dkim_private_key=private if signed else "",
    )


def dns_lookup(name: bytes, timeout: int = 5) -> bytes | None:
    if name == f"{SELECTOR}._domainkey.{DOMAIN}.".encode():
        return dkim_key_pair()[1]
    return None


def assert_well_formed(
    data: bytes, *, domain: str = DOMAIN, signed: bool = True
) -> email.message.EmailMessage:
    """The message parses under the strict policy, has Date, Message-ID and From in `domain`, and (when
    `signed`) carries a DKIM signature dkimpy verifies."""
    message = email.message_from_bytes(data, policy=policy.strict)
    assert message["Date"] is not None
    assert str(message["Message-ID"]).endswith(f"@{domain}>")
    assert message["From"].addresses[0].domain == domain
    if signed:
        assert message["DKIM-Signature"] is not None
        assert dkim.verify(data, dnsfunc=dns_lookup) is True
    else:
        assert message["DKIM-Signature"] is None
    return message
