from django.apps import AppConfig


class MailConfig(AppConfig):
    """Every message Tandem sends goes through this app's ledger; no other app opens an SMTP connection."""

    name = "tandem.mail"
    label = "mail"
    verbose_name = "Mail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tandem.notifications.kinds import NotificationKind, register_kind

        # The relay refused authentication or TLS: mail waits until someone fixes the settings. No email by
        # default: it would wait behind the same relay.
        register_kind(
            NotificationKind(
                key="mail.relay_problem",
                label="Mail cannot leave: the relay needs attention",
                email_by_default=False,
            )
        )
