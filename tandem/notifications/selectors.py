"""Reads of notifications. A user only ever reads their own: every query here filters on the user first
(notifications are not records of the access policy; they belong to the one person they were written for)."""

from dataclasses import dataclass

from django.db.models import QuerySet

from tandem.core.pagination import Page, SortKey, paginate
from tandem.notifications.kinds import NotificationKind, all_kinds
from tandem.notifications.models import Notification, NotificationPreference

# The bell shows up to this many unread, then "9+": counting further would read more index entries for
# a number nobody needs exactly.
BADGE_CAP = 9
MENU_SIZE = 8
PAGE_SIZE = 25
NEWEST_FIRST = SortKey(("id",), descending=True)


def own(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def unread_count(user, cap: int = BADGE_CAP) -> int:
    """How many of `user`'s notifications are unread, counting no further than `cap` + 1 (one indexed
    query on (user, read_at))."""
    return own(user).filter(read_at__isnull=True).order_by()[: cap + 1].count()


def badge_text(count: int, cap: int = BADGE_CAP) -> str:
    """What the bell's badge says: "" for none, the number, or "9+" above the cap."""
    if count <= 0:
        return ""
    return f"{cap}+" if count > cap else str(count)


def latest(user, limit: int = MENU_SIZE) -> list[Notification]:
    """The bell's dropdown: `user`'s newest notifications, read or not."""
    return list(own(user).order_by("-id")[:limit])


def notification_page(user, *, cursor: str | None = None, unread_only: bool = False) -> Page[Notification]:
    """One page of `user`'s notifications, newest first, by keyset; only the unread ones when asked.
    Raises InvalidCursor for a cursor that is not one of ours."""
    queryset = own(user)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return paginate(queryset, NEWEST_FIRST, cursor, PAGE_SIZE)


@dataclass(frozen=True)
class EmailChoice:
    kind: NotificationKind
    email: bool


def email_choices(user) -> list[EmailChoice]:
    """Every registered kind, by label, with whether `user` gets it by email (their choice, else the kind's
    default)."""
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return [EmailChoice(kind=kind, email=stored.get(kind.key, kind.email_by_default)) for kind in all_kinds()]
