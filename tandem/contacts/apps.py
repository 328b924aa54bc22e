from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "tandem.contacts"
    label = "contacts"
    verbose_name = "Contacts and companies"

    def ready(self) -> None:
        # Contacts and companies as record types, and the panels of their pages (tandem.core.records).
        from tandem.contacts import records
        from tandem.contacts.records import timeline_kinds
        from tandem.core import access, audit, navigation
        from tandem.core.access import Verb

        records.register()
        # The spine's timeline kinds (tandem/core/timeline.py); hubs register theirs from their own ready().
        timeline_kinds.register()

        audit.register_object_models("contacts.propertydefinition", "contacts.suppression")
        audit.register_event_labels(
            {
                "bulk_assign_owner": "Owner assigned in bulk",
                "bulk_set_stage": "Stage set in bulk",
                "bulk_add_tag": "Tag added in bulk",
                "bulk_remove_tag": "Tag removed in bulk",
                "bulk_delete": "Moved to trash in bulk",
                "restored": "Restored from trash",
                "purged": "Deleted for good",
                "merged": "Merged (kept)",
                "merged_into": "Merged into another record",
                "merge_undone": "Merge undone",
                "consent": "Consent recorded",
            }
        )
        # Navigation contributed to the shell (tandem/core/navigation.py).
        navigation.register(
            navigation.NavEntry(
                key="contacts",
                label="Contacts",
                url_name="contacts:contact_list",
                section="crm",
                icon="people",
                order=10,
                allowed=lambda user: access.allows(user, "contact", Verb.VIEW),
                current=("contacts:contact",),
            )
        )
        navigation.register(
            navigation.NavEntry(
                key="companies",
                label="Companies",
                url_name="contacts:company_list",
                section="crm",
                icon="building",
                order=20,
                allowed=lambda user: access.allows(user, "company", Verb.VIEW),
                current=("contacts:company",),
            )
        )
        navigation.register(
            navigation.NavEntry(
                key="properties",
                label="Properties",
                url_name="contacts:property_list",
                section="settings",
                icon="sliders",
                order=10,
                allowed=lambda user: access.allows(user, "property", Verb.CHANGE),
                current=("contacts:property",),
            )
        )
        navigation.register_create(
            navigation.CreateEntry(
                key="contact",
                label="Contact",
                url_name="contacts:contact_create",
                order=10,
                allowed=lambda user: access.allows(user, "contact", Verb.CREATE),
            )
        )
        navigation.register_create(
            navigation.CreateEntry(
                key="company",
                label="Company",
                url_name="contacts:company_create",
                order=20,
                allowed=lambda user: access.allows(user, "company", Verb.CREATE),
            )
        )
