"""What the compose page, the templates page and the record panels read. Every read of a contact goes through
the access helpers (tandem.contacts.selectors.visible_contacts)."""

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from tandem.contacts import selectors as contact_selectors
from tandem.contacts.models import Company, Contact
from tandem.core.models import Role
from tandem.mail.models import Category, Identity, MailSignature, MailTemplate, Message

RECENT_EMAILS_SHOWN = 5
COMPANY_RECIPIENTS_SHOWN = 200


def usable_templates(user) -> QuerySet[MailTemplate]:
    """The templates a user may pick: their own and the shared ones, by name."""
    return MailTemplate.objects.filter(Q(owner=user) | Q(is_shared=True)).order_by(Lower("name"), "id")


def can_change_template(user, template: MailTemplate) -> bool:
    """Its owner changes a template; an admin also changes a shared one (the team's, once its owner left)."""
    return template.owner_id == user.pk or (template.is_shared and user.role == Role.ADMIN)


def signature_of(user) -> str:
    return MailSignature.objects.filter(user=user).values_list("text", flat=True).first() or ""


def sending_identities() -> list[Identity]:
    """The identities mail may come from: verified ones, the default first."""
    return list(Identity.objects.filter(verified_at__isnull=False).order_by("-is_default", Lower("address")))


def recent_personal_emails(
    user,
    *,
    contact: Contact | None = None,
    company: Company | None = None,
    about: tuple[str, int] | None = None,
) -> list[Message]:
    """The last few 1:1 emails to a contact, to the contacts of a company, or about a record (a deal), that
    `user` may see (the panels on their pages). The caller has already checked that the reader may view the
    contact, company or record."""
    messages = Message.objects.filter(
        category=Category.PERSONAL, contact__in=contact_selectors.visible_contacts(user).values("pk")
    )
    if contact is not None:
        messages = messages.filter(contact=contact)
    elif about is not None:
        # A registered compose target's (a deal's): the emails written about it.
        messages = messages.filter(about_type=about[0], about_id=about[1])
    else:
        messages = messages.filter(Q(about_type="company", about_id=company.pk) | Q(contact__company=company))
    return list(
        messages.select_related("sender", "contact")
        .defer("raw")
        .order_by("-created_at", "-id")[:RECENT_EMAILS_SHOWN]
    )


def company_recipients(user, company: Company) -> list[Contact]:
    """The contacts of a company the user may see and that have an email address: who a 1:1 email from the
    company page can go to."""
    return list(
        contact_selectors.visible_contacts(user)
        .filter(company=company, email__isnull=False)
        .order_by(Lower("last_name"), Lower("first_name"), "id")[:COMPANY_RECIPIENTS_SHOWN]
    )
