from django.apps import AppConfig


class QuotesConfig(AppConfig):
    name = "tandem.sales.quotes"
    label = "quotes"
    verbose_name = "Quotes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tandem.core import access, audit, navigation
        from tandem.core.access import Verb
        from tandem.core.models import Role
        from tandem.notifications.kinds import NotificationKind, register_kind
        from tandem.public import registry as public_registry
        from tandem.sales.deals.timeline import register_related_subjects
        from tandem.sales.quotes import public_views, records
        from tandem.sales.quotes.models import Quote

        records.register()
        # A quote's entries (sent, accepted, declined) also show on its deal's own timeline.
        register_related_subjects("quote", lambda deal: Quote.objects.filter(deal_id=deal.pk).values("pk"))
        E, T, OWN, N = access.Scope.EVERYTHING, access.Scope.TEAM, access.Scope.OWNED, access.Scope.NONE
        # A quote follows its deal: the same grants as "deal", and its owner and team are the deal's.
        access.register_object_type(
            "quote",
            {
                Role.ADMIN: access.grants(E, E, E, E),
                Role.SALES: access.grants(E, E, T, OWN),
                Role.MARKETING: access.grants(E, N, N, N),
                Role.SERVICE: access.grants(E, N, N, N),
                Role.READ_ONLY: access.grants(T, N, N, N),
            },
        )
        audit.register_event_labels(
            {
                "deal_line_added": "Product added to a deal",
                "deal_line_changed": "Product on a deal changed",
                "deal_line_removed": "Product removed from a deal",
                "quote_line_added": "Line added to a quote",
                "quote_line_changed": "Line of a quote changed",
                "quote_line_removed": "Line removed from a quote",
                "quote_shared": "Quote sent",
                "quote_accepted": "Quote accepted by the buyer",
                "quote_declined": "Quote declined by the buyer",
            }
        )
        register_kind(
            NotificationKind(
                key="sales.quote_accepted", label="A buyer accepts a quote on my deal", email_by_default=True
            )
        )
        register_kind(
            NotificationKind(
                key="sales.quote_declined", label="A buyer declines a quote on my deal", email_by_default=True
            )
        )
        public_registry.register(
            public_registry.Purpose(
                name="quote",
                label="A quote for the buyer",
                show=public_views.quote_show,
                act=public_views.quote_act,
            )
        )
        navigation.register_icon("quote", records.QUOTE_ICON)
        navigation.register_section("sales", "Sales", order=20)
        navigation.register(
            navigation.NavEntry(
                key="quotes",
                label="Quotes",
                url_name="quotes:quote_list",
                section="sales",
                icon="quote",
                order=25,
                allowed=lambda user: access.allows(user, "quote", Verb.VIEW),
                current=(
                    "quotes:quote_list",
                    "quotes:quote_detail",
                    "quotes:quote_edit",
                    "quotes:quote_create",
                ),
            )
        )
