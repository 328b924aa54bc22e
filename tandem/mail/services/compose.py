"""1:1 email: saving templates and signatures, sending one email to one contact, cancelling a scheduled one.

`send_one_to_one` renders the subject and body in the sandbox with the values of `merge_context`, builds the
text and HTML parts (signature, footer), writes the ledger row with `queue_message` and the timeline entry
on the contact and its company, all in one transaction: the row exists exactly when the entry does. The
delivery worker hands the row to the relay after commit.
"""

import uuid
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from email_validator import EmailNotValidError

from tandem.contacts.models import Contact
from tandem.contacts.services import record_activity
from tandem.core import access, audit, sandbox
from tandem.core.access import Verb
from tandem.core.events import publish
from tandem.mail.addresses import validated
from tandem.mail.compose import rendering, selectors
from tandem.mail.compose.timeline import KIND, SUBJECT_TYPE
from tandem.mail.inbound.threads import reply_address_for
from tandem.mail.models import Category, Identity, MailSignature, MailTemplate, Message, Status
from tandem.mail.models.templates import (
    BODY_MAX_LENGTH,
    SIGNATURE_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    TEMPLATE_NAME_MAX_LENGTH,
)
from tandem.mail.services.ledger import InvalidMessage, queue_message

# How much of the body the timeline entry keeps (its first lines).
EXCERPT_LINES = 4
EXCERPT_LENGTH = 400
LONGEST_SCHEDULE = timedelta(days=365)
# The access policy's name for writing 1:1 email (registered in MailConfig.ready()).
OBJECT_TYPE = "personal_email"


def _template_error(error: sandbox.SandboxError) -> str:
    return f"The template cannot be used: {error}"


def _check_template(*, name: str, subject: str, body: str, sender) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Give the template a name."
    elif len(name) > TEMPLATE_NAME_MAX_LENGTH:
        errors["name"] = f"A name can be at most {TEMPLATE_NAME_MAX_LENGTH} characters."
    if not subject.strip():
        errors["subject"] = "A template needs a subject."
    elif len(subject) > SUBJECT_MAX_LENGTH:
        errors["subject"] = f"A subject can be at most {SUBJECT_MAX_LENGTH} characters."
    if not body.strip():
        errors["body"] = "A template needs a body."
    elif len(body) > BODY_MAX_LENGTH:
        errors["body"] = f"A body can be at most {BODY_MAX_LENGTH:,} characters."
    if errors:
        return errors
    # Rendered once with a made-up contact, so a template that fails shows its error on save, not on send.
    values = rendering.sample_contact_context(sender, signature=selectors.signature_of(sender))
    for field, source in (("subject", subject), ("body", body)):
        try:
            sandbox.render(source, values)
        except sandbox.SandboxError as error:
            errors[field] = _template_error(error)
    return errors


@transaction.atomic
def save_template(
    *, actor, name: str, subject: str, body: str, is_shared: bool, template: MailTemplate | None = None
) -> MailTemplate:
    """Create a template (owned by `actor`) or change `template` (its owner, or an admin for a shared one).
    Raises ValidationError by field for an empty or too long value or a subject or body that fails to render."""
    if template is not None and not selectors.can_change_template(actor, template):
        raise ValidationError("Only the owner of this template can change it.", code="permission")
    errors = _check_template(name=name, subject=subject, body=body, sender=actor)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    if template is None:
        template = MailTemplate.objects.create(
            name=name.strip(),
            subject=subject.strip(),
            body=body,
            is_shared=is_shared,
            owner=actor,
            created_at=now,
            updated_at=now,
        )
        audit.record(actor=actor, action=audit.Action.CREATE, target=template)
        return template
    before = {
        "name": template.name,
        "subject": template.subject,
        "body": template.body,
        "shared": template.is_shared,
    }
    template.name, template.subject, template.body = name.strip(), subject.strip(), body
    template.is_shared, template.updated_at = is_shared, now
    template.save(update_fields=["name", "subject", "body", "is_shared", "updated_at"])
    after = {
        "name": template.name,
        "subject": template.subject,
        "body": template.body,
        "shared": template.is_shared,
    }
    audit.record(actor=actor, action=audit.Action.UPDATE, target=template, changes=audit.diff(before, after))
    return template


@transaction.atomic
def delete_template(*, actor, template: MailTemplate) -> None:
    """Delete a template (its owner, or an admin for a shared one). Messages sent from it are not touched."""
    if not selectors.can_change_template(actor, template):
        raise ValidationError("Only the owner of this template can delete it.", code="permission")
    audit.record(actor=actor, action=audit.Action.DELETE, target=template)
    template.delete()


@transaction.atomic
def save_signature(*, actor, text: str) -> MailSignature:
    """Set `actor`'s signature: plain text, line breaks kept, at most SIGNATURE_MAX_LENGTH characters."""
    text = text.replace("\r\n", "\n").strip()
    if len(text) > SIGNATURE_MAX_LENGTH:
        raise ValidationError({"text": f"A signature can be at most {SIGNATURE_MAX_LENGTH:,} characters."})
    signature, _ = MailSignature.objects.update_or_create(
        user=actor, defaults={"text": text, "updated_at": timezone.now()}
    )
    return signature


def _recipient(contact: Contact) -> str:
    name = contact.display_name if hasattr(contact, "display_name") else str(contact)
    if not contact.email:
        raise ValidationError({"to": f"{name} has no email address. Add one on their page first."})
    try:
        return validated(contact.email).normalized
    except EmailNotValidError as error:
        raise ValidationError(
            {"to": f"{name}'s email address “{contact.email}” cannot receive mail: {error}"}
        ) from error


def _checked_schedule(send_after_at: datetime | None) -> datetime | None:
    if send_after_at is None:
        return None
    now = timezone.now()
    if send_after_at <= now:
        raise ValidationError({"send_after_at": "Choose a time in the future, or send now."})
    if send_after_at > now + LONGEST_SCHEDULE:
        raise ValidationError({"send_after_at": "An email can be scheduled at most a year ahead."})
    return send_after_at


def _excerpt(body: str) -> str:
    lines = [line for line in body.splitlines() if line.strip()][:EXCERPT_LINES]
    text = "\n".join(lines)
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1].rstrip() + "…"


def personal_key(form_token: str | uuid.UUID | None) -> str:
    """The ledger key of a 1:1 email: "personal:<uuid>", the uuid of the compose form, so a form submitted
    twice is one message. A token that is not a uuid is refused (it would let a form choose another's key)."""
    if form_token is None:
        return f"personal:{uuid.uuid4()}"
    try:
        return f"personal:{uuid.UUID(str(form_token))}"
    except ValueError as error:
        raise ValidationError("The form is out of date; reload the page and send again.") from error


def send_one_to_one(
    *,
    actor,
    contact: Contact,
    identity: Identity,
    subject: str,
    body: str,
    send_after_at: datetime | None = None,
    about: tuple[str, int] | None = None,
    form_token: str | uuid.UUID | None = None,
) -> Message:
    """Send one email from `actor` to `contact`, now or at `send_after_at` (aware, in the future).

    The subject and body are rendered in the sandbox with `merge_context(contact, actor)`; the message gets
    `actor`'s signature and the footer. Writes the ledger row (category "personal", key from `form_token`:
    the same token returns the message already written and writes nothing), the timeline entry on the
    contact and its company, an audit row and the event "mail.personal_email.queued", in one transaction.

    Raises PermissionDenied when `actor` may not write 1:1 email (the read-only role) or view the contact,
    and ValidationError by field ("to", "identity", "subject", "body", "send_after_at") for a contact
    without a valid address, an identity that is not verified, an empty or too long subject or body, a
    template error, or a time not in the future.
    """
    access.require_allowed(actor, OBJECT_TYPE, Verb.CREATE)
    access.require(actor, Verb.VIEW, contact)
    key = personal_key(form_token)
    existing = Message.objects.filter(key=key).first()
    if existing is not None:
        if existing.sender_id != actor.pk:
            raise ValidationError("The form is out of date; reload the page and send again.")
        return existing
    if contact.deleted_at is not None:
        raise ValidationError({"to": "This contact is in the trash; restore them before writing to them."})
    recipient = _recipient(contact)
    if identity is None or identity.verified_at is None:
        raise ValidationError({"identity": "Choose a verified sending address."})
    errors = {}
    if not subject.strip():
        errors["subject"] = "Write a subject."
    elif len(subject) > SUBJECT_MAX_LENGTH:
        errors["subject"] = f"A subject can be at most {SUBJECT_MAX_LENGTH} characters."
    if not body.strip():
        errors["body"] = "Write a message."
    elif len(body) > BODY_MAX_LENGTH:
        errors["body"] = f"A message can be at most {BODY_MAX_LENGTH:,} characters."
    if errors:
        raise ValidationError(errors)
    send_after_at = _checked_schedule(send_after_at)
    signature = selectors.signature_of(actor)
    values = rendering.merge_context(contact, actor, signature=signature)
    try:
        rendered = rendering.render_message(subject=subject, body=body, values=values, signature=signature)
    except sandbox.SandboxError as error:
        raise ValidationError({getattr(error, "field", "body"): _template_error(error)}) from error
    if not rendered.subject:
        raise ValidationError({"subject": "The subject is empty once the merge fields are filled in."})
    try:
        with transaction.atomic():
            return _write(
                actor=actor,
                contact=contact,
                identity=identity,
                recipient=recipient,
                rendered=rendered,
                key=key,
                send_after_at=send_after_at,
                about=about,
            )
    except IntegrityError:
        # The same form sent twice at once: the other request wrote the row first.
        existing = Message.objects.filter(key=key, sender=actor).first()
        if existing is None:
            raise
        return existing
    except InvalidMessage as error:
        raise ValidationError({"to": error.messages[0]}) from error


def _write(*, actor, contact, identity, recipient, rendered, key, send_after_at, about) -> Message:
    message = queue_message(
        key=key,
        category=Category.PERSONAL,
        to=[recipient],
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        identity=identity,
        # Replies come back to the inbound mailbox's reply+<token> address when one is set up, so they thread
        # even from a mail program that drops In-Reply-To; otherwise to the identity's own Reply-To.
        reply_to=reply_address_for(key=key, identity=identity) or None,
        contact=contact,
        about=about,
        sender=actor,
        send_after_at=send_after_at,
    )
    details = {"subject": rendered.subject}
    if send_after_at is not None:
        details["scheduled_for"] = send_after_at.isoformat()
    record_activity(
        kind=KIND,
        contact=contact,
        company=contact.company,
        actor=actor,
        subject_type=SUBJECT_TYPE,
        subject_id=message.pk,
        body=_excerpt(rendered.body),
        details=details,
    )
    audit.record(actor=actor, action=audit.Action.CREATE, target=message, event="personal_email")
    publish("mail.personal_email.queued", message_id=message.pk)
    return message


@transaction.atomic
def cancel_scheduled(*, actor, message: Message) -> bool:
    """Cancel a 1:1 email its sender scheduled, while it is still queued and not yet due. Returns whether it
    was cancelled (False: the worker took it, or it was already sent or cancelled)."""
    if message.category != Category.PERSONAL or message.sender_id != actor.pk:
        raise ValidationError("Only the person who wrote this email can cancel it.", code="permission")
    cancelled = Message.objects.filter(
        pk=message.pk, status=Status.QUEUED, send_after_at__gt=timezone.now()
    ).update(status=Status.CANCELLED)
    if cancelled:
        message.status = Status.CANCELLED
        audit.record(
            actor=actor, action=audit.Action.UPDATE, target=message, event="personal_email_cancelled"
        )
    return bool(cancelled)
