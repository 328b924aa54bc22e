"""The brand kit: how the business looks and what it says about itself, read by every message and public page."""

from django.apps import AppConfig


class BrandConfig(AppConfig):
    """The brand kit (name, logo, colours, positioning) that emails and public pages read."""

    name = "tandem.brand"
    label = "brand"
    verbose_name = "Brand kit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tandem.core import access, audit, navigation
        from tandem.core.access import E, N, Verb
        from tandem.core.models import Role

        # Everyone signed in may read the kit (sales and service write the emails that carry it); admins and
        # marketing, whose job branding is, may change it. There is one kit: nothing to create or delete.
        editor, reader = access.grants(E, N, E, N), access.grants(E, N, N, N)
        access.register_object_type(
            "brand_kit",
            {
                Role.ADMIN: editor,
                Role.MARKETING: editor,
                Role.SALES: reader,
                Role.SERVICE: reader,
                Role.READ_ONLY: reader,
            },
        )
        navigation.register_icon(
            "palette",
            '<path d="M12 3a9 9 0 1 0 0 18c1 0 1.6-.8 1.6-1.6 0-.5-.2-.8-.4-1.1-.3-.3-.4-.6-.4-1 0-.9.7-1.6 '
            '1.6-1.6H16a5 5 0 0 0 5-5c0-4.2-4-7.7-9-7.7z"/><circle cx="7.5" cy="10.5" r="1"/>'
            '<circle cx="10.5" cy="7" r="1"/><circle cx="15" cy="7.5" r="1"/>',
        )
        navigation.register(
            navigation.NavEntry(
                key="brand_kit",
                label="Brand kit",
                url_name="brand:brand_kit",
                section="settings",
                icon="palette",
                order=15,
                allowed=lambda user: access.allows(user, "brand_kit", Verb.VIEW),
                current=("brand:",),
            )
        )
        audit.register_event_labels(
            {
                "brand_kit_updated": "Brand kit changed",
                "brand_logo_set": "Brand logo uploaded",
                "brand_logo_removed": "Brand logo removed",
            }
        )
