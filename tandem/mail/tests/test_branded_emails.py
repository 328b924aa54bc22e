"""Every transactional email Tandem writes (notifications, sender verification, the relay test, allauth's
password reset) carries the brand kit's header and footer; 1:1 email stays personal (tested with compose)."""

import pytest
from django.urls import reverse

from tandem.brand.emails import email_footer_html, email_footer_text, email_header_html
from tandem.brand.selectors import brand_context
from tandem.brand.services import update_brand_kit
from tandem.brand.tests.factories import full_changes
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role, User
from tandem.mail.services.identities import create_identity
from tandem.mail.services.relay_settings import send_test_message
from tandem.mail.testing import ledger_messages
from tandem.notifications import services as notifications
from tandem.notifications.tests.kinds import REMINDER

pytestmark = pytest.mark.django_db

FOOTER_TEXT = (
    "--\nNorthwind Analytics\nNorthwind Analytics Ltd\n12 Harbour Street\nBristol BS1 4XX\nUnited Kingdom\n\n"
    "LinkedIn: https://www.linkedin.com/company/northwind\nX: https://x.com/northwind\n"
    "YouTube: https://www.youtube.com/@northwind\nWebsite: https://northwind.example\n"
)


@pytest.fixture
def brand(settings):
    """Northwind's kit, saved by an admin; the dict the emails are built from."""
    settings.SITE_URL = "https://crm.example.com"
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    update_brand_kit(actor=admin, changes=full_changes(), expected_version=None)
    return admin, brand_context(absolute_base_url="https://crm.example.com")


def _parts(to: str) -> tuple[str, str]:
    [message] = ledger_messages(to=to)
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def _assert_branded(text: str, html: str, brand: dict) -> None:
    # (allauth strips its text part's last line break)
    assert text.rstrip("\n").endswith("\n\n" + FOOTER_TEXT.rstrip("\n"))
    assert email_footer_text(brand) + "\n" == FOOTER_TEXT
    assert email_header_html(brand) in html
    assert email_footer_html(brand) in html
    # no unsubscribe link: these are not marketing mail
    assert "Unsubscribe" not in html and "Unsubscribe" not in text


def test_a_notification_email_carries_the_brand(brand):
    # given the brand kit and a user who gets reminders by email
    _admin, kit = brand
    user = UserFactory(email="ada@example.com")

    # when they are notified
    notifications.notify(user=user, kind=REMINDER.key, title="Call Acme back", url="/contacts/42/")

    # then both parts carry the kit, and the button is in the primary colour with white text
    text, html = _parts("ada@example.com")
    assert text == (
        "Call Acme back\n\nOpen it in Tandem: https://crm.example.com/contacts/42/\n\n"
        "Change which emails you get: https://crm.example.com/notifications/preferences/\n\n" + FOOTER_TEXT
    )
    _assert_branded(text, html, kit)
    assert (
        '<a href="https://crm.example.com/contacts/42/" style="display:inline-block;padding:10px 18px;'
        'border-radius:6px;background:#1f3a93;color:#ffffff;font-weight:600;text-decoration:none">'
        "Open in Tandem</a>"
    ) in html


def test_the_sender_verification_email_carries_the_brand(brand):
    admin, kit = brand

    create_identity(actor=admin, from_name="Verkauf", address="verkauf@bücher.example")

    text, html = _parts("verkauf@bücher.example")
    assert text.startswith(
        "Someone added verkauf@bücher.example as a sending address in Tandem, with the name “Verkauf”."
    )
    _assert_branded(text, html, kit)
    assert "Confirm this address</a>" in html


def test_the_relay_test_message_carries_the_brand(brand):
    admin, kit = brand

    send_test_message(actor=admin)

    text, html = _parts("admin@example.com")
    assert text == (
        "This is a test message from Tandem's mail settings.\n\n"
        "It left through: Keep mail in the in-app mailbox.\n"
        "If you can read it, mail from Tandem reaches this address.\n\n" + FOOTER_TEXT
    )
    _assert_branded(text, html, kit)


def test_allauths_password_reset_email_carries_the_brand(brand, client):
    _admin, kit = brand
    User.objects.create_user("ada@example.com", "an old password", role=Role.SALES)

    response = client.post(reverse("account_reset_password"), {"email": "ada@example.com"})

    assert response.status_code == 302
    text, html = _parts("ada@example.com")
    assert "/accounts/password/reset/key/" in text
    assert "Hello from" not in text
    _assert_branded(text, html, kit)
    assert "Choose a new password</a>" in html
    [message] = ledger_messages(to="ada@example.com")
    assert message["Subject"] == "Reset your Tandem password"
