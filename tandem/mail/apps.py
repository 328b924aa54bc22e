from django.apps import AppConfig


class MailConfig(AppConfig):
    """Every message Tandem sends goes through this app's ledger; no other app opens an SMTP connection."""

    name = "tandem.mail"
    label = "mail"
    verbose_name = "Mail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tandem.core import access, audit, navigation
        from tandem.core.access import Scope, Verb
        from tandem.core.models import Role
        from tandem.mail import access as mail_access
        from tandem.mail.compose import panels, timeline
        from tandem.mail.inbound import tasks as inbound_tasks  # noqa: F401 (registers the periodic poll)
        from tandem.mail.inbound import timeline as inbound_timeline
        from tandem.notifications.kinds import NotificationKind, register_kind

        # Inbound mail: replies heard over IMAP (tandem/mail/inbound, tandem/mail/services/inbound.py).
        inbound_timeline.register()
        register_kind(NotificationKind(key="mail.reply_received", label="Someone replied to an email I sent"))
        # The relay refused authentication or TLS: mail waits until someone fixes the settings. No email by
        # default: it would wait behind the same relay.
        register_kind(
            NotificationKind(
                key="mail.relay_problem",
                label="Mail cannot leave: the relay needs attention",
                email_by_default=False,
            )
        )
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

        # 1:1 email: its timeline kind and the panel on contact and company pages (tandem.core.records).

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

        mail_access.register()
        self.register_navigation()
        self.register_public_pages()

    def register_public_pages(self) -> None:
        from tandem.mail.views import identities
        from tandem.public import registry

        # The sending-address confirmation link, opened by whoever owns the address (often not a user).
        registry.register(
            registry.Purpose(
                name="identity_verification",
                label="Confirm a sending address",
                show=identities.identity_verify_show,
                act=identities.identity_verify_act,
            )
        )

    def register_navigation(self) -> None:
        from tandem.core import navigation
        from tandem.mail import access

        navigation.register_icon(
            "mail",
            '<rect x="3" y="5" width="18" height="14" rx="2"/><path d="m3 7 9 6 9-6"/>',
        )
        navigation.register_icon(
            "inbox",
            '<path d="M22 12h-6l-2 3h-4l-2-3H2"/>'
            '<path d="M5.45 5.11 2 12v6a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-6l-3.45-6.89A2 2 0 0 0 16.76 4H7.24'
            'a2 2 0 0 0-1.79 1.11z"/>',
        )
        # Everyone may open the mailbox: admins see every message, others the ones they sent.
        navigation.register(
            navigation.NavEntry(
                key="mailbox",
                label="Mailbox",
                url_name="mail:mailbox",
                section="main",
                icon="inbox",
                order=50,
                current=("mail:mailbox", "mail:message"),
            )
        )
        navigation.register(
            navigation.NavEntry(
                key="mail_settings",
                label="Mail",
                url_name="mail:settings",
                section="settings",
                icon="mail",
                order=40,
                allowed=access.can_manage,
                current=("mail:settings", "mail:identit", "mail:relay"),
            )
        )
