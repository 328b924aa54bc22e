import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tandem.contacts import events, normalize
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

# How the bulk path (imports) says it recorded a consent; with `evidence_source` it names one import's rows.
BULK_METHOD = "import"


def evidence_source(source_type: str, source_id: int | None) -> str:
    """The `source` the bulk path writes on the consent evidence it records ("import 42"): with
    BULK_METHOD it ties each row to the one import that wrote it, so undoing that import removes exactly
    those rows and no decision recorded any other way."""
    return f"{source_type} {source_id or ''}".strip()[:200]


def remove_bulk_consents(*, contact_ids: list[int], source_type: str, source_id: int | None) -> int:
    """Delete the consent rows one import wrote on these contacts (an undo: the import did not happen, so
    neither did the evidence it brought); returns how many. One DELETE, found through the consent history
    index by contact. Every other row of the history stays, including decisions recorded after the import."""
    if not contact_ids:
        return 0
    deleted, _ = Consent.objects.filter(
        contact_id__in=contact_ids, method=BULK_METHOD, source=evidence_source(source_type, source_id)
    ).delete()
    return deleted


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
    """Record the contact's latest decision for one purpose, with its evidence, as a new row.

    Earlier rows are never changed: a confirmation or a withdrawal is added beside the original proof, and
    the latest row per purpose (Consent.objects.current()) is what holds now.
    """
    if actor is not None:
        access.require(actor, Verb.CHANGE, contact)
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": "Choose what the consent is for."})
    if status not in ConsentStatus.values:
        raise ValidationError({"status": "Choose granted, pending confirmation or withdrawn."})
    if not method.strip():
        raise ValidationError({"method": "Say how the consent was given or withdrawn."})
    now = timezone.now()
    previous = (
        Consent.objects.filter(contact=contact, purpose=purpose).order_by("-recorded_at", "-id").first()
    )
    if previous is not None and previous.recorded_at >= now:
        # The history is ordered by time: a decision recorded now comes after every earlier one.
        now = previous.recorded_at + datetime.timedelta(microseconds=1)
    consent = Consent.objects.create(
        contact=contact,
        purpose=purpose,
        status=status,
        method=method.strip()[:50],
        recorded_at=now,
        ip_address=ip_address,
        user_agent=user_agent[:500],
        source=source[:200],
        wording_hash=wording_hash[:64],
        confirmed_at=now if status == ConsentStatus.GRANTED else None,
    )
    record_activity(
        kind=ActivityKind.CONSENT_CHANGED,
        contact=contact,
        actor=actor,
        subject_type="consent",
        subject_id=consent.pk,
        details={"purpose": purpose, "from": previous.status if previous else None, "to": status},
    )
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=contact,
        event="consent",
        changes={f"consent.{purpose}": [previous.status if previous else None, status]},
    )
    publish(
        events.CONSENT_CHANGED, contact_id=contact.pk, consent_id=consent.pk, purpose=purpose, status=status
    )
    return consent


@transaction.atomic
def suppress_address(*, email: str, reason: str, source: str = "", actor=None, request=None) -> Suppression:
    """Never mail this address again. Idempotent: the first reason recorded stays, and only the first
    suppression of an address writes a timeline entry on each live contact with it, an audit row and a
    contacts.suppression.added event."""
    if reason not in SuppressionReason.values:
        raise ValidationError({"reason": "Unknown suppression reason."})
    # A blank address would hash to the key of the empty string and suppress nothing real.
    if not (email or "").strip():
        raise ValidationError({"email": "Give the address to suppress."})
    key = normalize.address_hash(email)
    suppression, created = Suppression.objects.get_or_create(
        address_hash=key, defaults={"reason": reason, "source": source[:200]}
    )
    if not created:
        return suppression
    contacts = list(Contact.objects.filter(deleted_at__isnull=True, address_hash=key).order_by("pk"))
    for contact in contacts:
        record_activity(
            kind=ActivityKind.SUPPRESSED,
            contact=contact,
            actor=actor,
            subject_type="suppression",
            subject_id=suppression.pk,
            details={"reason": reason, "source": source[:200]},
        )
    # The audit row names the suppression (a hash, no personal data), so it outlives an erasure too.
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        target=suppression,
        request=request,
        changes={"reason": [None, reason], **({"source": [None, source[:200]]} if source else {})},
        event="suppressed",
        extra={"contact_ids": [contact.pk for contact in contacts]},
    )
    publish(
        events.SUPPRESSION_ADDED,
        suppression_id=suppression.pk,
        reason=reason,
        contact_ids=[contact.pk for contact in contacts],
    )
    return suppression


def fill_missing_address_hashes(*, batch_size: int = 2000) -> int:
    """Give every contact with an email the suppression key a writer left blank; returns how many.

    Every service sets Contact.address_hash with the email, and not_suppressed() joins on it: a contact
    written without it (a raw or bulk insert that forgot) would be mailed although suppressed. This sweep,
    run each minute by tasks.fill_missing_address_hashes, closes that gap; the contact_address_hash_missing
    index makes it a lookup of the few rows concerned, not a scan.
    """
    filled = 0
    while True:
        with transaction.atomic():
            batch = list(
                Contact.objects.select_for_update()
                .filter(address_hash="", email__isnull=False)
                .order_by("pk")
                .only("pk", "email")[:batch_size]
            )
            for contact in batch:
                contact.address_hash = normalize.address_hash(contact.email)
            Contact.objects.bulk_update(batch, ["address_hash"])
        filled += len(batch)
        if len(batch) < batch_size:
            return filled
