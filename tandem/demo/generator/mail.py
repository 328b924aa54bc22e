"""The demo's mail: it always keeps mail in the in-app mailbox (nothing leaves the machine), and it has one
verified, default sending identity, so what the demo sends shows in the Mailbox from a real sender."""

import datetime

from tandem.demo.generator.context import COMPANY_NAME, DEMO_EMAIL_DOMAIN, GeneratorContext
from tandem.mail.models import Identity, Relay, RelayKind

DEMO_SENDER = f"hello@{DEMO_EMAIL_DOMAIN}"


def create_mail_settings(context: GeneratorContext) -> None:
    """The mailbox relay and the demo identity (no DKIM key: generating one is random, and the demo domain is
    not in DNS; the identities page offers to make one)."""
    Relay.objects.update_or_create(pk=1, defaults={"kind": RelayKind.MAILBOX})
    verified_at = datetime.datetime.combine(
        context.config.today - datetime.timedelta(days=365), datetime.time(9), tzinfo=datetime.UTC
    )
    Identity.objects.get_or_create(
        address=DEMO_SENDER,
        defaults={
            "from_name": COMPANY_NAME,
            "reply_to": "",
            "verified_at": verified_at,
            "created_at": verified_at,
            "is_default": not Identity.objects.filter(is_default=True).exists(),
        },
    )
