from django.apps import AppConfig


class MailConfig(AppConfig):
    """Every message Tandem sends goes through this app's ledger; no other app opens an SMTP connection."""

    name = "tandem.mail"
    label = "mail"
    verbose_name = "Mail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # 1:1 email: its timeline kind and the panel on contact and company pages (tandem.core.records).
        from tandem.core import access, audit, navigation
        from tandem.core.access import Scope, Verb
        from tandem.core.models import Role
        from tandem.mail.compose import panels, timeline

        # Who may write 1:1 email ("create" a personal email) to the contacts they can see: everyone but the
        # read-only role.
        writer = access.grants(Scope.EVERYTHING, Scope.EVERYTHING, Scope.OWNED, Scope.OWNED)
        access.register_object_type(
            "personal_email",
            {role: writer for role in (Role.ADMIN, Role.MARKETING, Role.SALES, Role.SERVICE)},
        )
        timeline.register()
        panels.register()
        navigation.register(
            navigation.NavEntry(
                key="mail_templates",
                label="Email templates",
                url_name="mail:compose_templates",
                section="crm",
                icon="mail",
                order=40,
                allowed=lambda user: access.allows(user, "personal_email", Verb.CREATE),
                current=("mail:compose_template",),
            )
        )
        audit.register_event_labels(
            {
                "personal_email": "1:1 email queued",
                "personal_email_cancelled": "Scheduled 1:1 email cancelled",
            }
        )
