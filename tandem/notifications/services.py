"""Every write of notifications."""

from django.db import IntegrityError, transaction

from tandem.notifications.kinds import get_kind
from tandem.notifications.models import Notification


def notify(
    *, user, kind: str, title: str, body: str = "", url: str = "", key: str | None = None
) -> Notification:
    """Tell `user` about something, in the caller's transaction. A `key` already notified to this user
    returns the existing row and writes nothing. Raises ValueError for a kind no app registered."""
    if get_kind(kind) is None:
        raise ValueError(f"No app registered the notification kind {kind!r}.")
    if key is not None:
        existing = Notification.objects.filter(user=user, key=key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            return Notification.objects.create(
                user=user, kind=kind, title=title[:300], body=body, url=url, key=key
            )
    except IntegrityError:
        # Two writers notified the same key at once; the other one's row stands.
        return Notification.objects.get(user=user, key=key)
