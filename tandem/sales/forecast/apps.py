"""The forecast: what the sales team expects to win this month or quarter, against each rep's quota."""

from django.apps import AppConfig


class ForecastConfig(AppConfig):
    name = "tandem.sales.forecast"
    label = "forecast"
    verbose_name = "Forecast"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tandem.core import access, audit, navigation
        from tandem.core.access import Verb
        from tandem.core.models import Role
        from tandem.core.records import registry
        from tandem.core.records.registry import Panel
        from tandem.sales.forecast import panels

        E, T, N = access.Scope.EVERYTHING, access.Scope.TEAM, access.Scope.NONE
        # Admins set quotas (there is no sales-manager role yet); a rep sees their own and their team's
        # (a rep without a team is a team of one: their own); read-only sees its team's like its deals.
        access.register_object_type(
            "quota",
            {
                Role.ADMIN: access.grants(E, E, E, E),
                Role.SALES: access.grants(T, N, N, N),
                Role.MARKETING: access.grants(N, N, N, N),
                Role.SERVICE: access.grants(N, N, N, N),
                Role.READ_ONLY: access.grants(T, N, N, N),
            },
        )
        audit.register_object_models("forecast.quota")
        audit.register_event_labels({"forecast_category": "Deal forecast category changed"})
        navigation.register_icon(
            "forecast", '<path d="M3 20h18"/><path d="M5 16l4-5 4 3 6-8"/><path d="M15 6h4v4"/>'
        )
        navigation.register_icon(
            "quota",
            '<circle cx="12" cy="12" r="8"/><circle cx="12" cy="12" r="4"/><circle cx="12" cy="12" r="1"/>',
        )
        navigation.register_section("sales", "Sales", order=20)
        navigation.register(
            navigation.NavEntry(
                key="forecast",
                label="Forecast",
                url_name="forecast:forecast",
                section="sales",
                icon="forecast",
                order=15,
                allowed=lambda user: access.allows(user, "deal", Verb.VIEW),
                current=("forecast:forecast",),
            )
        )
        navigation.register(
            navigation.NavEntry(
                key="quotas",
                label="Quotas",
                url_name="forecast:quotas",
                section="sales",
                icon="quota",
                order=16,
                allowed=lambda user: access.allows(user, "quota", Verb.VIEW),
                current=("forecast:quotas",),
            )
        )
        registry.register_panel(
            "deal",
            Panel(
                "forecast_category",
                "forecast/_deal_category_panel.html",
                panels.deal_category,
                region="aside_top",
                order=5,
            ),
        )
