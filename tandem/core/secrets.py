"""Secrets at rest: the passwords and API keys Tandem must send on someone's behalf (an IMAP mailbox's
password, the SMTP relay's, a mail provider's API key) are stored encrypted, never as plain text.

Encryption is Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`). The key is derived with HKDF-SHA256
from `TANDEM_ENCRYPTION_KEY` when it is set, else from `TANDEM_SECRET_KEY` (Django's SECRET_KEY); any string
works. A stored value reads "fernet:<token>"; the empty string stays empty (no secret set).

Rotation. With `TANDEM_ENCRYPTION_KEY` set, `TANDEM_SECRET_KEY` can change freely. Setting
`TANDEM_ENCRYPTION_KEY` for the first time loses nothing: values written under the secret key are still read
(it is tried second) and are written under the new key when next saved. Changing the key that a value was
written under (the encryption key, or the secret key when no encryption key is set) makes it unreadable:
reading it gives an `UnreadableSecret` (an empty string that says so), the pages say "re-enter the
password", a poll or delivery says so instead of logging in with nothing, and no page fails. A value without
the prefix is a plain-text value from before encryption (the migration encrypts them); it is read as it is.
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

PREFIX = "fernet:"
# Names what the derived key is for, so the same setting can derive other keys for other uses.
HKDF_INFO = b"tandem: secrets at rest"


class UnreadableSecret(str):
    """A stored secret that the current key cannot decrypt (the key changed): reads as "", is falsy, and
    keeps the stored text so that saving the row again does not destroy it (the old key may come back)."""

    stored: str

    def __new__(cls, stored: str) -> "UnreadableSecret":
        value = super().__new__(cls, "")
        value.stored = stored
        return value


def is_unreadable(value) -> bool:
    """Whether `value` (a field's value) is a secret the current key cannot read: ask for it again."""
    return isinstance(value, UnreadableSecret)


def unreadable_message(what: str) -> str:
    """What a page says about a secret it can no longer read ("password", "API key")."""
    return f"The stored {what} can no longer be read (Tandem's encryption key changed): re-enter the {what}."


@lru_cache(maxsize=8)
def _fernet_for(material: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(material.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _fernet() -> MultiFernet:
    """Encrypts with the encryption key (else the secret key); decrypts with either."""
    materials = [getattr(settings, "TANDEM_ENCRYPTION_KEY", ""), settings.SECRET_KEY]
    return MultiFernet([_fernet_for(material) for material in dict.fromkeys(filter(None, materials))])


def encrypt(text: str) -> str:
    """The stored form of `text`: "" for "", else "fernet:<token>". An UnreadableSecret is kept as it was."""
    if isinstance(text, UnreadableSecret):
        return text.stored
    if not text:
        return ""
    if text.startswith(PREFIX):
        raise ValueError("Refusing to encrypt a value that is already encrypted.")
    return PREFIX + _fernet().encrypt(text.encode()).decode()


def decrypt(stored: str | None) -> str:
    """The secret behind a stored value: "" for none, an UnreadableSecret when the key changed, a value
    without the prefix as it is (plain text from before encryption)."""
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except (InvalidToken, ValueError, UnicodeDecodeError):
        return UnreadableSecret(stored)


class EncryptedTextField(models.TextField):
    """A text column whose value is stored encrypted (see the module). The model reads and writes plain text;
    only the column holds the token. Not for lookups: the same text encrypts differently each time."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value)

    def to_python(self, value):
        if value is None or isinstance(value, UnreadableSecret):
            return value
        return decrypt(value) if isinstance(value, str) and value.startswith(PREFIX) else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(value)
