"""Secrets at rest (tandem.core.secrets): Fernet with a key derived from TANDEM_ENCRYPTION_KEY or else the
secret key, and a value the current key cannot read is an UnreadableSecret, never an exception."""

from tandem.core import secrets


def test_a_secret_is_stored_as_a_token_and_read_back():
    stored = secrets.encrypt("s3cret pässword")

    assert stored.startswith("fernet:")
    assert "s3cret" not in stored
    assert secrets.decrypt(stored) == "s3cret pässword"
    # the same text encrypts differently each time (a random IV): the column gives nothing away
    assert secrets.encrypt("s3cret pässword") != stored


def test_empty_stays_empty_and_plain_text_from_before_is_read_as_it_is():
    assert (secrets.encrypt(""), secrets.decrypt(""), secrets.decrypt(None)) == ("", "", "")
    assert secrets.decrypt("legacy-plain") == "legacy-plain"


def test_the_dedicated_encryption_key_wins_and_values_from_before_it_are_still_read(settings):
    settings.TANDEM_ENCRYPTION_KEY = ""
    with_secret_key = secrets.encrypt("pw")
    settings.TANDEM_ENCRYPTION_KEY = "a separate key for secrets at rest"
    with_encryption_key = secrets.encrypt("pw")

    # with the encryption key set, both are read (the secret key is tried second)
    assert secrets.decrypt(with_encryption_key) == secrets.decrypt(with_secret_key) == "pw"
    # and then the secret key may change: what the encryption key wrote is still read
    settings.SECRET_KEY = "a rotated secret key 0123456789 0123456789 0123456789"
    assert secrets.decrypt(with_encryption_key) == "pw"
    assert secrets.is_unreadable(secrets.decrypt(with_secret_key))
    # without it, only the secret key's are
    settings.TANDEM_ENCRYPTION_KEY = ""
    assert secrets.is_unreadable(secrets.decrypt(with_encryption_key))


def test_after_a_key_change_a_secret_is_unreadable_empty_and_kept_as_stored(settings):
    stored = secrets.encrypt("pw")
    settings.SECRET_KEY = "another secret key entirely, after a rotation 0123456789"

    value = secrets.decrypt(stored)

    assert secrets.is_unreadable(value)
    assert (value, bool(value)) == ("", False)
    # saving it again writes back what was stored, so the old key, restored, still reads it
    assert secrets.encrypt(value) == stored
    assert secrets.unreadable_message("password") == (
        "The stored password can no longer be read (Tandem's encryption key changed): re-enter the password."
    )


def test_a_tampered_token_is_unreadable_not_an_error():
    stored = secrets.encrypt("pw")
    assert secrets.is_unreadable(secrets.decrypt(stored[:-4] + "AAAA"))
    assert secrets.is_unreadable(secrets.decrypt("fernet:not-a-token"))
