"""DKIM keys Tandem generates for a sending domain, and the DNS record that publishes the public half.

The private key is PEM (PKCS#8, unencrypted: the worker reads it to sign at hand-off, dkimpy takes PEM); the
public key is the base64 DER SubjectPublicKeyInfo that the `p=` tag of the DNS record carries (RFC 6376 §3.6.1).
"""

import base64
from dataclasses import dataclass

import idna
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

KEY_BITS = 2048
# A DNS TXT record is a list of character-strings of at most 255 bytes each (RFC 1035 §3.3); resolvers join
# them, so a 2048-bit key (about 400 characters) is published as two or more strings.
DNS_STRING_LIMIT = 255


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_base64: str


def generate_key_pair(bits: int = KEY_BITS) -> KeyPair:
    """A new RSA key: the private half as PEM, the public half as the base64 the DNS record carries."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")
    public_der = key.public_key().public_bytes(
        encoding=serialization.Encoding.DER, format=serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return KeyPair(private_pem=private_pem, public_base64=base64.b64encode(public_der).decode("ascii"))


def new_selector() -> str:
    """The selector for a key made now ("tandem2026"): a new key next year gets a new name, so the old record
    can stay published while mail signed with the old key is still in flight."""
    return f"tandem{timezone.now().year}"


def ascii_domain(domain: str) -> str:
    """The domain as DNS knows it: an IDN ("bücher.example") in its A-label form ("xn--bcher-kva.example")."""
    domain = domain.strip().rstrip(".").lower()
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        # Not a name idna accepts (an address checked before it was stored always is): ask DNS as written.
        return domain


def unicode_domain(domain: str) -> str:
    """The domain as people read it ("xn--bcher-kva.example" shown as "bücher.example")."""
    try:
        return idna.decode(domain)
    except idna.IDNAError:
        return domain


def record_name(selector: str, domain: str) -> str:
    """Where the public key is published: <selector>._domainkey.<domain>, in ASCII."""
    return f"{selector}._domainkey.{ascii_domain(domain)}"


def record_value(public_base64: str) -> str:
    """The TXT record's text: the key tag list of RFC 6376 §3.6.1."""
    return f"v=DKIM1; k=rsa; p={public_base64}"


def split_for_dns(value: str, limit: int = DNS_STRING_LIMIT) -> list[str]:
    """The record's text cut into character-strings of at most `limit` bytes (the text is ASCII)."""
    return [value[start : start + limit] for start in range(0, len(value), limit)] or [""]


def zone_file_value(value: str) -> str:
    """The record as a DNS zone file or a provider's "TXT value" box wants it: quoted strings side by side."""
    return " ".join(f'"{part}"' for part in split_for_dns(value))
