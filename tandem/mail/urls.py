"""The mail app's pages. Each area of the app adds its paths here."""

from django.urls import path

from tandem.mail.views import compose, identities, inbound, mailbox, settings

app_name = "mail"

urlpatterns: list = [
    *inbound.urlpatterns,
    *compose.urlpatterns,
    # The mailbox: every message in the ledger (admins) or the ones the user sent.
    path("mailbox/", mailbox.mailbox, name="mailbox"),
    path("mailbox/<int:message_id>/", mailbox.message_detail, name="message"),
    path("mailbox/<int:message_id>/source/", mailbox.message_raw, name="message_raw"),
    path("mailbox/<int:message_id>/cancel/", mailbox.message_cancel, name="message_cancel"),
    path("mailbox/<int:message_id>/send-again/", mailbox.message_send_again, name="message_send_again"),
    # Settings: the relay and the test message.
    path("settings/", settings.mail_settings, name="settings"),
    path("settings/test/", settings.relay_test, name="relay_test"),
    path("settings/test/<int:message_id>/", settings.relay_test_status, name="relay_test_status"),
    # Sending identities, their DKIM keys and DNS check, and the verification link.
    path("identities/", identities.identity_list, name="identity_list"),
    path("identities/new/", identities.identity_create, name="identity_create"),
    path("identities/<int:identity_id>/edit/", identities.identity_edit, name="identity_edit"),
    path("identities/<int:identity_id>/delete/", identities.identity_delete, name="identity_delete"),
    path(
        "identities/<int:identity_id>/default/",
        identities.identity_make_default,
        name="identity_make_default",
    ),
    path("identities/<int:identity_id>/resend/", identities.identity_resend, name="identity_resend"),
    path(
        "identities/<int:identity_id>/dkim/", identities.identity_generate_dkim, name="identity_generate_dkim"
    ),
    path("identities/<int:identity_id>/dns/", identities.identity_dns_check, name="identity_dns_check"),
]
