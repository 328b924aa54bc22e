from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "tandem.sales.deals"
    label = "deals"
    verbose_name = "Deals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tandem.core import access, audit, navigation
        from tandem.core.access import Verb
        from tandem.core.models import Role
        from tandem.core.records import registry
        from tandem.sales.deals import handlers, panels, records

        records.register()
        panels.register()
        # Entries about a deal (a call logged on it) land on its company's and contacts' timelines.
        registry.register_timeline_people("deal", handlers.timeline_people)
        E, T, OWN, N = access.Scope.EVERYTHING, access.Scope.TEAM, access.Scope.OWNED, access.Scope.NONE
        # Sales owns deals (its team's to change, its own to delete); marketing reads them for attribution;
        # service sees them (a customer's context); read-only sees its team's.
        access.register_object_type(
            "deal",
            {
                Role.ADMIN: access.grants(E, E, E, E),
                Role.SALES: access.grants(E, E, T, OWN),
                Role.MARKETING: access.grants(E, N, N, N),
                Role.SERVICE: access.grants(E, N, N, N),
                Role.READ_ONLY: access.grants(T, N, N, N),
            },
        )
        # The admin's list of loss reasons: admins edit it, everyone may read it.
        access.register_object_type(
            "loss_reason",
            {
                Role.ADMIN: access.grants(E, E, E, E),
                Role.SALES: access.grants(E, N, N, N),
                Role.MARKETING: access.grants(E, N, N, N),
                Role.SERVICE: access.grants(E, N, N, N),
                Role.READ_ONLY: access.grants(E, N, N, N),
            },
        )
        # Pipelines and their stages: admins change them (Settings → Pipelines); everyone sees them on deals.
        access.register_object_type(
            "pipeline",
            {
                Role.ADMIN: access.grants(E, E, E, E),
                Role.SALES: access.grants(E, N, N, N),
                Role.MARKETING: access.grants(E, N, N, N),
                Role.SERVICE: access.grants(E, N, N, N),
                Role.READ_ONLY: access.grants(E, N, N, N),
            },
        )
        audit.register_event_labels(
            {
                "stage_moved": "Deal moved to another stage",
                "loss_reasons": "Loss reasons changed",
                "qualification": "Qualification changed",
                "pipeline_settings": "Pipeline settings changed",
            }
        )
        navigation.register_icon("deal", records.DEAL_ICON)
        navigation.register_icon("board", records.BOARD_ICON)
        navigation.register_section("sales", "Sales", order=20)
        navigation.register(
            navigation.NavEntry(
                key="deal_board",
                label="Deal board",
                url_name="deals:deal_board",
                section="sales",
                icon="board",
                order=10,
                allowed=lambda user: access.allows(user, "deal", Verb.VIEW),
                current=("deals:deal_board",),
            )
        )
        navigation.register(
            navigation.NavEntry(
                key="deals",
                label="Deals",
                url_name="deals:deal_list",
                section="sales",
                icon="deal",
                order=20,
                allowed=lambda user: access.allows(user, "deal", Verb.VIEW),
                current=("deals:deal_list", "deals:deal_detail", "deals:deal_edit", "deals:deal_create"),
            )
        )
        navigation.register(
            navigation.NavEntry(
                key="deals_no_next_step",
                label="No next step",
                url_name="deals:deal_no_next_step",
                section="sales",
                icon="deal",
                order=25,
                allowed=lambda user: access.allows(user, "deal", Verb.VIEW),
                current=("deals:deal_no_next_step",),
            )
        )
        navigation.register(
            navigation.NavEntry(
                key="pipelines",
                label="Pipelines",
                url_name="deals:pipeline_settings",
                section="settings",
                icon="sliders",
                order=35,
                allowed=lambda user: access.allows(user, "pipeline", Verb.CHANGE),
                current=("deals:pipeline_settings", "deals:pipeline_create", "deals:pipeline_edit"),
            )
        )
        navigation.register(
            navigation.NavEntry(
                key="loss_reasons",
                label="Loss reasons",
                url_name="deals:loss_reasons",
                section="settings",
                icon="sliders",
                order=40,
                allowed=lambda user: access.allows(user, "loss_reason", Verb.CHANGE),
                current=("deals:loss_reasons",),
            )
        )
        navigation.register_create(
            navigation.CreateEntry(
                key="deal",
                label="Deal",
                url_name="deals:deal_create",
                order=30,
                allowed=lambda user: access.allows(user, "deal", Verb.CREATE),
            )
        )
