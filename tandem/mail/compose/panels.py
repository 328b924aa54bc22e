"""The "Emails" panel on contact and company pages: the Send email button and the last few 1:1 emails,
registered on the record layer's panel registry (the contacts app does not import mail)."""

from django.urls import reverse
from django.utils import timezone

from tandem.core import access
from tandem.core.access import Verb
from tandem.core.records import registry
from tandem.core.records.registry import Panel
from tandem.mail.compose import selectors
from tandem.mail.compose.timeline import status_badge
from tandem.mail.models import Status


def _rows(request, emails) -> list[dict]:
    now = timezone.now()
    return [
        {
            "message": message,
            "status": status_badge(message),
            "can_cancel": message.status == Status.QUEUED
            and message.send_after_at > now
            and message.sender_id == request.user.pk,
        }
        for message in emails
    ]


def _may_write(request) -> bool:
    return access.allows(request.user, "personal_email", Verb.CREATE)


def panel_context(
    request,
    *,
    compose_url: str,
    emails,
    has_email: bool,
    show_recipient: bool = False,
    no_email_text: str = "",
) -> dict:
    """The context of `mail/compose_panel.html`, for the panels here and those an app above mail registers on
    its own record's page (a deal's, with `selectors.recent_personal_emails(about=...)`)."""
    return {
        "may_write": _may_write(request),
        "compose_url": compose_url,
        "emails": _rows(request, emails),
        "has_email": has_email,
        "here": request.get_full_path(),
        "show_recipient": show_recipient,
        "no_email_text": no_email_text or "No email address: add one to write to this contact.",
    }


def _contact_panel(request, contact) -> dict:
    return panel_context(
        request,
        compose_url=reverse("mail:compose_contact", args=[contact.pk]),
        emails=selectors.recent_personal_emails(request.user, contact=contact),
        has_email=bool(contact.email),
    )


def _company_panel(request, company) -> dict:
    return panel_context(
        request,
        compose_url=reverse("mail:compose_company", args=[company.pk]),
        emails=selectors.recent_personal_emails(request.user, company=company),
        has_email=True,
        show_recipient=True,
    )


def register() -> None:
    registry.register_panel(
        "contact",
        Panel("personal_email", "mail/compose_panel.html", _contact_panel, region="aside_top", order=20),
    )
    registry.register_panel(
        "company",
        Panel("personal_email", "mail/compose_panel.html", _company_panel, region="aside_top", order=20),
    )
