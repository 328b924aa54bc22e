"""Search by any part of a word (issue 7): FTS5 trigram tables kept by triggers on SQLite, pg_trgm GIN
expression indexes on PostgreSQL (see tandem.contacts.search for why each), and email addresses with an
internationalised domain stored as written (Unicode) instead of punycode."""

from django.core.exceptions import ValidationError
from django.db import migrations

from tandem.contacts import search


def store_unicode_domains(apps, schema_editor):
    """Addresses stored in punycode (before this migration every IDN address was) get their Unicode domain.

    Both spellings of an address normalise to the same Unicode form, so this cannot create a duplicate. The
    email_domain column stays in ASCII (company domains are ASCII, and the search index holds both)."""
    from tandem.contacts.normalize import normalize_email

    Contact = apps.get_model("contacts", "Contact")
    rows = Contact.objects.filter(email__icontains="xn--").values_list("id", "email")
    for contact_id, email in rows.iterator(chunk_size=2000):
        try:
            written = normalize_email(email)
        except ValidationError:  # an address a past rule let in stays exactly as it is
            continue
        if written != email:
            Contact.objects.filter(pk=contact_id).update(email=written)


def install(apps, schema_editor):
    for statement in search.install_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    for statement in search.uninstall_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0008_consent_history_address_hash_suppressed_kind")]

    operations = [
        migrations.RunPython(store_unicode_domains, migrations.RunPython.noop),
        migrations.RunPython(install, uninstall),
    ]
