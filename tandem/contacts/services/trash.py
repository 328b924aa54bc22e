from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tandem.contacts.models import Activity, Company, Contact
from tandem.core import audit


@transaction.atomic
def purge_trash(*, now=None) -> tuple[int, int]:
    """Delete for good what has been in the trash longer than TANDEM_TRASH_DAYS; returns (contacts, companies).

    Suppressions are keyed by address hash and are not touched, so a purged address stays suppressed. A
    purged company's touches that belong to a live contact (a note on the contact that also named its
    company) stay on the contact's timeline: only the company reference is cleared.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.TANDEM_TRASH_DAYS)
    expired_contacts = Contact.objects.filter(deleted_at__lt=cutoff)
    expired_companies = Company.objects.filter(deleted_at__lt=cutoff)
    audit.record_many(
        actor=None,
        action=audit.Action.DELETE,
        model=Contact,
        event="purged",
        targets=[
            (pk, f"{first} {last}".strip(), None)
            for pk, first, last in expired_contacts.values_list("pk", "first_name", "last_name")
        ],
    )
    audit.record_many(
        actor=None,
        action=audit.Action.DELETE,
        model=Company,
        event="purged",
        targets=[(pk, name, None) for pk, name in expired_companies.values_list("pk", "name")],
    )
    _, contacts = expired_contacts.delete()
    Activity.objects.filter(company__in=expired_companies, contact__isnull=False).update(company=None)
    _, companies = expired_companies.delete()
    return contacts.get(Contact._meta.label, 0), companies.get(Company._meta.label, 0)
