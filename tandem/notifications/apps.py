from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """In-app and email notifications, with each user's preferences per kind."""

    name = "tandem.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tandem.core import audit, navigation
        from tandem.notifications.views import bell_context

        audit.register_event_labels({"notification_preferences_changed": "Notification emails changed"})
        # The bell in the top bar, and the preferences in the account menu (tandem/core/navigation.py).
        navigation.register_topbar_item(
            navigation.TopbarItem(
                key="notifications", template="notifications/_bell.html", context=bell_context, order=10
            )
        )
        navigation.register_account_entry(
            navigation.AccountEntry(
                key="notification_preferences",
                label="Notification emails",
                url_name="notifications:preferences",
                order=10,
            )
        )
