"""Reactions of the spine to other apps' events. Each handler is idempotent: re-delivery changes nothing."""

from django.db import transaction

from tandem.contacts.models import Company, Contact
from tandem.core.models import User


def move_owned_records_to_team(*, user_id: int, team_id: int | None = None, **_: object) -> None:
    """The team follows the owner: when a user changes team, the records they own change with them.

    The user's team is read now rather than taken from the payload, so a late re-delivery of an older
    event cannot move records back to a previous team. One set-based UPDATE per table; rows already on
    the team are skipped, so re-delivery writes nothing. Trashed rows move too, so a restore lands in
    the owner's current team.
    """
    current = User.objects.filter(pk=user_id).values_list("team_id", flat=True).first()
    if current is None and not User.objects.filter(pk=user_id).exists():
        return
    with transaction.atomic():
        Contact.objects.filter(owner_id=user_id).exclude(team_id=current).update(team_id=current)
        Company.objects.filter(owner_id=user_id).exclude(team_id=current).update(team_id=current)
