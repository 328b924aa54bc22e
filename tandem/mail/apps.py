from django.apps import AppConfig


class MailConfig(AppConfig):
    """Every message Tandem sends goes through this app's ledger; no other app opens an SMTP connection."""

    name = "tandem.mail"
    label = "mail"
    verbose_name = "Mail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tandem.core import access, audit, navigation
        from tandem.core.access import Scope
        from tandem.mail.inbound import tasks as inbound_tasks  # noqa: F401 (registers the periodic poll)
        from tandem.mail.inbound import timeline as inbound_timeline
        from tandem.notifications.kinds import NotificationKind, register_kind

        # Inbound mail: replies heard over IMAP (tandem/mail/inbound, tandem/mail/services/inbound.py).
        inbound_timeline.register()
        register_kind(NotificationKind(key="mail.reply_received", label="Someone replied to an email I sent"))
        everything = access.grants(Scope.EVERYTHING, Scope.EVERYTHING, Scope.EVERYTHING, Scope.EVERYTHING)
        access.register_object_type("inbound_mailbox", {"admin": everything})
        audit.register_event_labels(
            {
                "inbound_mailbox_created": "Inbound mailbox connected",
                "inbound_mailbox_changed": "Inbound mailbox changed",
                "inbound_mailbox_deleted": "Inbound mailbox removed",
            }
        )
        navigation.register(
            navigation.NavEntry(
                key="inbound_mailboxes", label="Inbound mail", url_name="mail:inbound_list", section="settings",
                icon="tray-in", order=60, allowed=lambda user: access.allows(user, "inbound_mailbox", "change"),
                current=("mail:inbound",),
            )
        )  # fmt: skip
