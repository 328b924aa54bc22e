from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tandem.contacts import normalize
from tandem.contacts.models import (
    ActivityKind,
    Consent,
    ConsentPurpose,
    ConsentStatus,
    Contact,
    Suppression,
    SuppressionReason,
)
from tandem.contacts.services.timeline import record_activity
from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.events import publish


@transaction.atomic
def record_consent(
    *,
    actor,
    contact: Contact,
    purpose: str,
    status: str,
    method: str,
    source: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    wording_hash: str = "",
) -> Consent:
    """Set the contact's consent for one purpose, keeping the evidence of this latest decision."""
    if actor is not None:
        access.require(actor, Verb.CHANGE, contact)
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": "Choose what the consent is for."})
    if status not in ConsentStatus.values:
        raise ValidationError({"status": "Choose granted, pending confirmation or withdrawn."})
    if not method.strip():
        raise ValidationError({"method": "Say how the consent was given or withdrawn."})
    now = timezone.now()
    previous = Consent.objects.filter(contact=contact, purpose=purpose).first()
    consent, _ = Consent.objects.update_or_create(
        contact=contact,
        purpose=purpose,
        defaults={
            "status": status,
            "method": method.strip()[:50],
            "recorded_at": now,
            "ip_address": ip_address,
            "user_agent": user_agent[:500],
            "source": source[:200],
            "wording_hash": wording_hash[:64],
            "confirmed_at": now if status == ConsentStatus.GRANTED else None,
        },
    )
    record_activity(
        kind=ActivityKind.CONSENT_CHANGED,
        contact=contact,
        actor=actor,
        details={"purpose": purpose, "from": previous.status if previous else None, "to": status},
    )
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=contact,
        event="consent",
        changes={f"consent.{purpose}": [previous.status if previous else None, status]},
    )
    publish("contacts.consent.changed", contact_id=contact.pk, purpose=purpose)
    return consent


def suppress_address(*, email: str, reason: str, source: str = "") -> Suppression:
    """Never mail this address again. Idempotent: the first reason recorded stays."""
    if reason not in SuppressionReason.values:
        raise ValidationError({"reason": "Unknown suppression reason."})
    # A blank address would hash to the key of the empty string and suppress nothing real.
    if not (email or "").strip():
        raise ValidationError({"email": "Give the address to suppress."})
    suppression, _ = Suppression.objects.get_or_create(
        address_hash=normalize.address_hash(email), defaults={"reason": reason, "source": source[:200]}
    )
    return suppression
