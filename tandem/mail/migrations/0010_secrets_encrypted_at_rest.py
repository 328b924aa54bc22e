"""Mailbox and relay passwords and the provider's API key are stored encrypted (tandem.core.secrets): the
columns become encrypted text, and the values already stored are encrypted in place with the current key.
Reading the columns with SQL, not through the fields, so a value is encrypted exactly once (running it
again changes nothing: an encrypted value is left as it is). Backwards, they are decrypted again."""

from django.db import migrations

import tandem.core.secrets
from tandem.core import secrets

PASSWORD_TABLES = ("mail_inboundmailbox", "mail_relay")


def _rewrite_passwords(schema_editor, change) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for table in PASSWORD_TABLES:
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT id, password FROM {quoted}")  # noqa: S608 (a constant table name)
            for pk, stored in cursor.fetchall():
                new = change(stored or "")
                if new != (stored or ""):
                    cursor.execute(f"UPDATE {quoted} SET password = %s WHERE id = %s", [new, pk])  # noqa: S608


def _rewrite_api_keys(apps, change) -> None:
    Relay = apps.get_model("mail", "Relay")
    for pk, values in Relay.objects.values_list("pk", "provider_settings"):
        values = dict(values or {})
        stored = values.get("api_key") or ""
        if stored and change(stored) != stored:
            values["api_key"] = change(stored)
            Relay.objects.filter(pk=pk).update(provider_settings=values)


def _encrypted(stored: str) -> str:
    return stored if not stored or stored.startswith(secrets.PREFIX) else secrets.encrypt(stored)


def _decrypted(stored: str) -> str:
    value = secrets.decrypt(stored)
    # A value the current key cannot read stays as it is: there is nothing to give back.
    return stored if secrets.is_unreadable(value) else value


def encrypt_stored_secrets(apps, schema_editor) -> None:
    _rewrite_passwords(schema_editor, _encrypted)
    _rewrite_api_keys(apps, _encrypted)


def decrypt_stored_secrets(apps, schema_editor) -> None:
    _rewrite_passwords(schema_editor, _decrypted)
    _rewrite_api_keys(apps, _decrypted)


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0009_inbound_check_requested"),
    ]

    operations = [
        migrations.AlterField(
            model_name="inboundmailbox",
            name="password",
            field=tandem.core.secrets.EncryptedTextField(),
        ),
        migrations.AlterField(
            model_name="relay",
            name="password",
            field=tandem.core.secrets.EncryptedTextField(blank=True),
        ),
        migrations.RunPython(encrypt_stored_secrets, decrypt_stored_secrets),
    ]
