from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tandem.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Login and logout are audited; allauth announces them through Django's auth signals, which is
        # the only place they can be observed. The receivers only write the audit row.
        from tandem.core import audit

        audit.connect_authentication_signals()
