from django.apps import AppConfig


class RecordAppConfig(AppConfig):
    name = "tandem.core.tests.recordapp"
    label = "recordapp"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tandem.core.tests.recordapp import records

        records.register()
