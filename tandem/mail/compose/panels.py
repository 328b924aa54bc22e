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


def _contact_panel(request, contact) -> dict:
    return {
        "may_write": _may_write(request),
        "compose_url": reverse("mail:compose_contact", args=[contact.pk]),
        "emails": _rows(request, selectors.recent_personal_emails(request.user, contact=contact)),
        "has_email": bool(contact.email),
        "here": request.get_full_path(),
    }


def _company_panel(request, company) -> dict:
    return {
        "may_write": _may_write(request),
        "compose_url": reverse("mail:compose_company", args=[company.pk]),
        "emails": _rows(request, selectors.recent_personal_emails(request.user, company=company)),
        "has_email": True,
        "here": request.get_full_path(),
        "show_recipient": True,
    }


def register() -> None:
    registry.register_panel(
        "contact",
        Panel("personal_email", "mail/compose_panel.html", _contact_panel, region="aside_top", order=20),
    )
    registry.register_panel(
        "company",
        Panel("personal_email", "mail/compose_panel.html", _company_panel, region="aside_top", order=20),
    )
