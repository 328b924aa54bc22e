from django.apps import AppConfig


class PublicConfig(AppConfig):
    """The public area under /p/: pages for people who are not Tandem users (confirmation links, later forms,
    unsubscribe, surveys, quotes), reached through signed links, without the app's session or navigation."""

    name = "tandem.public"
    label = "public"
    verbose_name = "Public area"
    default_auto_field = "django.db.models.BigAutoField"
