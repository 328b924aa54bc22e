"""Sending identities: add, change, delete, make default, verify the address, and generate the domain's DKIM
key. Admins only, except `verify_identity`, which is done by whoever holds the link mailed to the address.

Verification: a new (or re-addressed) identity is unverified and mail is not sent from it. Tandem mails the
address a public link (tandem.public, purpose "identity_verification": single use, expiring after
VERIFICATION_DAYS); a newer link revokes the older ones. GET on the link only shows a page; only POST verifies
(mail scanners follow links). The pages are in tandem/mail/views/identities.py.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from email_validator import EmailNotValidError

from tandem.core import audit
from tandem.mail import access, dkim_keys
from tandem.mail.addresses import validated
from tandem.mail.models import Category, Identity
from tandem.mail.selectors import domain_key, identities_of_domain
from tandem.mail.services.ledger import queue_message
from tandem.public import services as public_services
from tandem.public.models import PublicLink

VERIFICATION_DAYS = 3
VERIFICATION_PURPOSE = "identity_verification"
RESEND_COOLDOWN = timedelta(minutes=1)


def _clean_address(value: str, field: str, errors: dict) -> str:
    value = (value or "").strip()
    if any(character in value for character in "\r\n\0"):
        errors[field] = "The address cannot contain a line break."
        return value
    try:
        # No deliverability check here: the DNS check on the identities page says what the domain lacks.
        return validated(value).normalized
    except EmailNotValidError as error:
        errors[field] = f"Enter a valid email address: {error}"
        return value


def _clean(from_name: str, address: str, reply_to: str, errors: dict) -> tuple[str, str, str]:
    from_name = (from_name or "").strip()
    if not from_name:
        errors["from_name"] = "Enter the name people see as the sender, e.g. “Ada at Northwind”."
    elif any(character in from_name for character in "\r\n\0"):
        errors["from_name"] = "The name cannot contain a line break."
    elif len(from_name) > 200:
        errors["from_name"] = "Keep the name under 200 characters."
    address = _clean_address(address, "address", errors)
    reply_to = _clean_address(reply_to, "reply_to", errors) if (reply_to or "").strip() else ""
    return from_name, address, reply_to


def _snapshot(identity: Identity) -> dict:
    return {
        "from_name": identity.from_name,
        "address": identity.address,
        "reply_to": identity.reply_to,
        "is_default": identity.is_default,
        "verified_at": identity.verified_at,
        "dkim_selector": identity.dkim_selector,
    }


def _take_domain_key(identity: Identity) -> None:
    """Give `identity` its domain's DKIM key if another identity of the domain has one (else none)."""
    holder = domain_key(identity.domain)
    if holder is not None and holder.pk != identity.pk:
        identity.dkim_selector = holder.dkim_selector
        identity.dkim_private_key = holder.dkim_private_key
        identity.dkim_public_key = holder.dkim_public_key
    elif holder is None:
        identity.dkim_selector = identity.dkim_private_key = identity.dkim_public_key = ""


def _save_unique(identity: Identity) -> None:
    try:
        with transaction.atomic():
            identity.save()
    except IntegrityError as error:
        raise ValidationError({"address": "There is already an identity with this address."}) from error


def create_identity(*, actor, from_name: str, address: str, reply_to: str = "", request=None) -> Identity:
    """Add an unverified identity and mail its address a verification link. The first identity becomes the
    default once verified (see verify_identity)."""
    access.require_manage(actor)
    errors: dict[str, str] = {}
    from_name, address, reply_to = _clean(from_name, address, reply_to, errors)
    if "address" not in errors and Identity.objects.filter(address__iexact=address).exists():
        errors["address"] = "There is already an identity with this address."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        identity = Identity(
            from_name=from_name,
            address=address,
            reply_to=reply_to,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        _take_domain_key(identity)
        _save_unique(identity)
        audit.record(
            actor=actor,
            action=audit.Action.CREATE,
            target=identity,
            changes=audit.diff({}, _snapshot(identity)),
            event="mail_identity_created",
            request=request,
        )
        _send_verification(identity)
    return identity


def update_identity(
    *, actor, identity: Identity, from_name: str, address: str, reply_to: str = "", request=None
) -> Identity:
    """Change an identity. A new address is unverified again (a new link is mailed) and takes its domain's
    DKIM key; the default identity stays default only while verified, so it stops being default."""
    access.require_manage(actor)
    errors: dict[str, str] = {}
    from_name, address, reply_to = _clean(from_name, address, reply_to, errors)
    if (
        "address" not in errors
        and Identity.objects.filter(address__iexact=address).exclude(pk=identity.pk).exists()
    ):
        errors["address"] = "There is already an identity with this address."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        identity = Identity.objects.select_for_update().get(pk=identity.pk)
        before = _snapshot(identity)
        address_changed = address.lower() != identity.address.lower()
        identity.from_name, identity.address, identity.reply_to = from_name, address, reply_to
        if address_changed:
            identity.verified_at = None
            identity.is_default = False
            _take_domain_key(identity)
        _save_unique(identity)
        audit.record_changes(
            actor=actor,
            target=identity,
            before=before,
            after=_snapshot(identity),
            event="mail_identity_changed",
            request=request,
        )
        if address_changed:
            _send_verification(identity)
    return identity


def delete_identity(*, actor, identity: Identity, request=None) -> None:
    """Remove an identity. The default one goes only when it is the last (make another the default first).
    Messages already sent from it keep their From header; their link to the identity is cleared."""
    access.require_manage(actor)
    with transaction.atomic():
        identity = Identity.objects.select_for_update().get(pk=identity.pk)
        if identity.is_default and Identity.objects.exclude(pk=identity.pk).exists():
            raise ValidationError("This is the default sender: make another identity the default first.")
        audit.record(
            actor=actor,
            action=audit.Action.DELETE,
            target=identity,
            changes=audit.diff(_snapshot(identity), {}),
            event="mail_identity_deleted",
            request=request,
        )
        identity.delete()


def make_default_identity(*, actor, identity: Identity, request=None) -> Identity:
    """Make a verified identity the one mail comes from when nothing else is chosen."""
    access.require_manage(actor)
    with transaction.atomic():
        identity = Identity.objects.select_for_update().get(pk=identity.pk)
        if identity.verified_at is None:
            raise ValidationError("Verify this address before making it the default sender.")
        if identity.is_default:
            return identity
        previous = Identity.objects.select_for_update().filter(is_default=True).first()
        if previous is not None:
            Identity.objects.filter(pk=previous.pk).update(is_default=False)
            audit.record(
                actor=actor,
                action=audit.Action.UPDATE,
                target=previous,
                changes={"is_default": [True, False]},
                event="mail_identity_default_changed",
                request=request,
            )
        identity.is_default = True
        identity.save(update_fields=["is_default"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=identity,
            changes={"is_default": [False, True]},
            event="mail_identity_default_changed",
            request=request,
        )
    return identity


# --- verification --------------------------------------------------------------------------------------


def _send_verification(identity: Identity) -> None:
    """Withdraw the identity's earlier links, make a new one and queue the verification message, in the
    caller's transaction."""
    public_services.revoke_links(purpose=VERIFICATION_PURPOSE, target=identity)
    link, token = public_services.create_link(
        purpose=VERIFICATION_PURPOSE,
        target=identity,
        expires_at=timezone.now() + timedelta(days=VERIFICATION_DAYS),
        single_use=True,
    )
    identity.verification_sent_at = timezone.now()
    identity.save(update_fields=["verification_sent_at"])
    context = {
        "address": identity.address, "from_name": identity.from_name, "days": VERIFICATION_DAYS,
        "link": public_services.link_url(VERIFICATION_PURPOSE, token),
    }  # fmt: skip
    queue_message(
        key=f"identity-verification:{identity.pk}:{link.pk}",
        category=Category.TRANSACTIONAL,
        to=[identity.address],
        subject="Confirm this address as a sender in Tandem",
        # In the brand kit's header and footer, as every transactional email.
        text=render_to_string("mail/email/identity_verification.txt", context).strip() + "\n",
        html=render_to_string("mail/email/identity_verification.html", context),
        # Mail about an unverified address cannot come from it: it comes from the installation's sender.
        from_address=settings.DEFAULT_FROM_EMAIL,
    )


def resend_verification(*, actor, identity: Identity, request=None) -> Identity:
    """Mail a new verification link (the older one stops working). Refused within RESEND_COOLDOWN of the
    last one, and for a verified address."""
    access.require_manage(actor)
    with transaction.atomic():
        identity = Identity.objects.select_for_update().get(pk=identity.pk)
        if identity.verified_at is not None:
            raise ValidationError("This address is already verified.")
        sent_at = identity.verification_sent_at
        if sent_at is not None and timezone.now() - sent_at < RESEND_COOLDOWN:
            wait = int((RESEND_COOLDOWN - (timezone.now() - sent_at)).total_seconds()) + 1
            raise ValidationError(f"A link was sent moments ago. You can send another in {wait} seconds.")
        _send_verification(identity)
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=identity,
            event="mail_identity_verification_sent",
            request=request,
        )
    return identity


def verify_identity(*, link: PublicLink, request=None) -> Identity | None:
    """Verify the identity a confirmation link points at: the public area calls it on POST, inside the
    transaction in which it spent the (single-use) link. None when the identity was deleted since; an
    identity verified already stays as it is. The first verified identity becomes the default. The actor is
    nobody: whoever reads the mailbox confirms it, Tandem user or not."""
    identity = Identity.objects.select_for_update().filter(pk=link.target_id).first()
    if identity is None or identity.verified_at is not None:
        return identity
    identity.verified_at = timezone.now()
    changes = {"verified_at": [None, identity.verified_at]}
    if not Identity.objects.filter(is_default=True).exists():
        identity.is_default = True
        changes["is_default"] = [False, True]
    identity.save(update_fields=["verified_at", "is_default"])
    # A newer link may still be live (an admin resent it); this address is done with all of them.
    public_services.revoke_links(purpose=VERIFICATION_PURPOSE, target=identity)
    audit.record(
        actor=None,
        action=audit.Action.UPDATE,
        target=identity,
        changes=changes,
        event="mail_identity_verified",
        request=request,
    )
    return identity


# --- DKIM ----------------------------------------------------------------------------------------------


def _unused_selector(domain: str) -> str:
    """This year's selector, with the next letter when the domain already has a key of this year
    ("tandem2026", then "tandem2026b", "tandem2026c"): a new key never reuses a name an older key may still be
    published under."""
    base = dkim_keys.new_selector()
    suffixes = ["", *"bcdefghijklmnopqrstuvwxyz"]
    used = {
        selector.removeprefix(base)
        for selector in identities_of_domain(domain).values_list("dkim_selector", flat=True)
        if selector.startswith(base)
    }
    latest = max((suffixes.index(suffix) for suffix in used if suffix in suffixes), default=-1)
    if latest + 1 < len(suffixes):
        return base + suffixes[latest + 1]
    return f"{base}{secrets.token_hex(3)}"


def generate_dkim_key(*, actor, identity: Identity, request=None) -> Identity:
    """Make a new RSA key for the identity's domain and give it to every identity of that domain. The private
    key is stored and never shown; the page shows the public record to publish."""
    access.require_manage(actor)
    pair = dkim_keys.generate_key_pair()
    with transaction.atomic():
        identity = Identity.objects.select_for_update().get(pk=identity.pk)
        domain = identity.domain
        selector = _unused_selector(domain)
        for member in identities_of_domain(domain).select_for_update():
            old_selector = member.dkim_selector
            member.dkim_selector = selector
            member.dkim_private_key = pair.private_pem
            member.dkim_public_key = pair.public_base64
            member.save(update_fields=["dkim_selector", "dkim_private_key", "dkim_public_key"])
            audit.record(
                actor=actor,
                action=audit.Action.UPDATE,
                target=member,
                changes={"dkim_selector": [old_selector or None, selector]},
                event="mail_dkim_key_generated",
                request=request,
            )
        identity.refresh_from_db()
    return identity
