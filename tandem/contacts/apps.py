from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "tandem.contacts"
    label = "contacts"
    verbose_name = "Contacts and companies"
