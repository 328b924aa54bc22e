from django.apps import AppConfig


class MailConfig(AppConfig):
    """Every message Tandem sends goes through this app's ledger; no other app opens an SMTP connection."""

    name = "tandem.mail"
    label = "mail"
    verbose_name = "Mail"
    default_auto_field = "django.db.models.BigAutoField"
