from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "tandem.contacts"
    label = "contacts"
    verbose_name = "Contacts and companies"

    def ready(self) -> None:
        # Contacts and companies as record types, and the panels of their pages (tandem.core.records).
        from tandem.contacts import records

        records.register()
