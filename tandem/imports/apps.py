from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "tandem.imports"
    label = "imports"
    verbose_name = "Imports"

    def ready(self) -> None:
        from tandem.core import access, audit, navigation
        from tandem.core.access import Verb
        from tandem.imports import notices
        from tandem.notifications.kinds import register_kind

        audit.register_object_models("imports.importjob")
        audit.register_event_labels(
            {
                "import_uploaded": "File uploaded for import",
                "import_started": "Import started",
                "import_undone": "Import undone",
            }
        )
        # Navigation contributed to the shell (tandem/core/navigation.py): whoever may create records imports.
        navigation.register(
            navigation.NavEntry(
                key="imports",
                label="Import",
                url_name="imports:import_list",
                section="crm",
                icon="tray-in",
                order=30,
                allowed=lambda user: (
                    access.allows(user, "contact", Verb.CREATE) or access.allows(user, "company", Verb.CREATE)
                ),
                current=("imports:",),
            )
        )
        # The notice its owner gets when a run or an undo ends (tandem/imports/notices.py).
        register_kind(notices.KIND)
