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
        audit.register_object_models("core.user", "core.team")
        self.register_navigation()

    def register_navigation(self) -> None:
        from tandem.core import access, navigation
        from tandem.core.access import Verb
        from tandem.core.shell_icons import ICONS

        for name, markup in ICONS.items():
            navigation.register_icon(name, markup)
        # Sections every install has; hubs add theirs (between CRM and Settings: orders 20-80).
        navigation.register_section("main", "", order=0)
        navigation.register_section("crm", "CRM", order=10)
        navigation.register_section("settings", "Settings", order=90)
        navigation.register(
            navigation.NavEntry(
                key="home",
                label="Home",
                url_name="core:home",
                section="main",
                icon="house",
                order=0,
                current=("core:home",),
            )
        )
        navigation.register(
            navigation.NavEntry(
                key="users",
                label="Users & teams",
                url_name="core:user_list",
                section="settings",
                icon="person",
                order=20,
                allowed=lambda user: access.allows(user, "user", Verb.CHANGE),
                current=("core:user", "core:team"),
            )
        )
        navigation.register(
            navigation.NavEntry(
                key="audit",
                label="Audit log",
                url_name="core:audit_log",
                section="settings",
                icon="document",
                order=30,
                allowed=lambda user: access.allows(user, "audit", Verb.VIEW),
                current=("core:audit",),
            )
        )
        navigation.register(
            navigation.NavEntry(
                key="two_factor",
                label="Two-factor",
                url_name="mfa_index",
                section="settings",
                icon="lock",
                order=50,
                current=("mfa_",),
            )
        )
