from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "tandem.exports"
    label = "exports"
    verbose_name = "Exports"

    def ready(self) -> None:
        from tandem.core import access, audit, navigation
        from tandem.core.access import Verb
        from tandem.exports import notices
        from tandem.notifications.kinds import register_kind

        audit.register_object_models("exports.exportjob")
        audit.register_event_labels({"export": "Exported"})
        # Navigation contributed to the shell (tandem/core/navigation.py): whoever sees a list may export it.
        navigation.register(
            navigation.NavEntry(
                key="exports",
                label="Exports",
                url_name="exports:export_list",
                section="crm",
                icon="tray-out",
                order=40,
                allowed=lambda user: (
                    access.allows(user, "contact", Verb.VIEW) or access.allows(user, "company", Verb.VIEW)
                ),
                current=("exports:",),
            )
        )
        # The notice its owner gets when a background export is ready or failed (tandem/exports/notices.py).
        register_kind(notices.KIND)
