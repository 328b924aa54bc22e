"""Threading: which message Tandem sent an inbound message answers (In-Reply-To, References, or a
reply+<token> address), and which contact an address belongs to. Reads only; the poll's service
(tandem.mail.services.inbound) writes what it finds.

The reply+<token> address: the token is the key's digest (the part of the Message-ID the ledger derives from
the key) and a signature, so compose can ask for it before the ledger row exists, and nobody can forge a reply
into another thread.
"""

import hashlib
import hmac
import re
from email.utils import parseaddr

from django.conf import settings
from django.db.models.functions import Lower

from tandem.contacts.models import Contact
from tandem.mail.inbound import parsing
from tandem.mail.models import Identity, InboundMailbox, Message
from tandem.mail.services.ledger import message_id_for

TOKEN = re.compile(r"^([0-9a-f]{32})([0-9a-f]{8})$")


def _key_digest(key: str) -> str:
    return message_id_for(key, "x")[1:33]


def _signature(digest: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"reply:{digest}".encode(), hashlib.sha256).hexdigest()[:8]


def reply_address_for(*, key: str, identity: Identity | None = None) -> str:
    """The Reply-To for the message to be queued under `key` from `identity`, which brings its answer back to
    Tandem even from a mail program that drops In-Reply-To and References: `reply+<token>@domain` of the
    enabled mailbox linked to `identity` (or else a shared one) that has a reply address. "" when none has
    one: then queue the message without a Reply-To and threading relies on the headers alone.

    Compose calls it before `queue_message(key=key, identity=identity, reply_to=reply_address_for(...) or None)`.
    """
    mailboxes = InboundMailbox.objects.filter(enabled=True).exclude(reply_address="").order_by("pk")
    mailbox = (
        mailboxes.filter(identity=identity).first() if identity is not None else None
    ) or mailboxes.filter(identity__isnull=True).first()
    if mailbox is None:
        return ""
    local, _, domain = mailbox.reply_address.partition("@")
    digest = _key_digest(key)
    return f"{local}+{digest}{_signature(digest)}@{domain}"


def _message_from_plus_address(addresses: tuple[str, ...]) -> Message | None:
    for address in addresses:
        local = address.partition("@")[0]
        match = TOKEN.match(local.partition("+")[2]) if "+" in local else None
        if match is None or not hmac.compare_digest(match.group(2), _signature(match.group(1))):
            continue
        # The Message-ID is <digest@domain of the sender>: try each domain Tandem sends from (the identities',
        # the default sender's, the reply address's: a handful), so the lookup is exact on the unique index.
        domains = {identity.domain for identity in Identity.objects.only("address")}
        domains.add(parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2].lower())
        domains.add(address.rpartition("@")[2].lower())
        candidates = [f"<{match.group(1)}@{domain}>" for domain in domains if domain]
        message = Message.objects.filter(message_id__in=candidates).first()
        if message is not None:
            return message
    return None


def answered_message(parsed: parsing.ParsedMail) -> Message | None:
    """The ledger message `parsed` answers: the nearest ancestor (In-Reply-To, then References from the last)
    that Tandem sent, or the message named by a reply+<token> address it was delivered to."""
    if parsed.ancestors:
        found = {row.message_id: row for row in Message.objects.filter(message_id__in=parsed.ancestors)}
        for ancestor in parsed.ancestors:
            if ancestor in found:
                return found[ancestor]
    return _message_from_plus_address(parsed.delivered_to)


def contact_for_address(address: str) -> Contact | None:
    """The live contact with this email address (the unique index on Lower(email) answers it)."""
    return (
        Contact.objects.alias(email_lower=Lower("email"))
        .filter(email_lower=address.lower(), deleted_at__isnull=True)
        .select_related("company")
        .first()
    )
