from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """In-app and email notifications, with each user's preferences per kind."""

    name = "tandem.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"
