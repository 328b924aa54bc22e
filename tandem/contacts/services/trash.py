from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tandem.contacts.models import Company, Contact


@transaction.atomic
def purge_trash(*, now=None) -> tuple[int, int]:
    """Delete for good what has been in the trash longer than TANDEM_TRASH_DAYS; returns (contacts, companies).

    Suppressions are keyed by address hash and are not touched, so a purged address stays suppressed.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.TANDEM_TRASH_DAYS)
    _, contacts = Contact.objects.filter(deleted_at__lt=cutoff).delete()
    _, companies = Company.objects.filter(deleted_at__lt=cutoff).delete()
    return contacts.get(Contact._meta.label, 0), companies.get(Company._meta.label, 0)
