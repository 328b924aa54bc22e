"""Every write of notifications: telling a user (a row, and an email when they want one), marking read, and
each user's email preferences.

What a notification says is the caller's responsibility: its title and body may hold only what the user
could see when notified (the user's own import's file name, a contact they own). The row is a copy, shown
as it was written even if the user later loses access to the thing it names; its link leads to that thing's
own page, which checks access when it is opened.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from tandem.core import audit
from tandem.notifications.kinds import NotificationKind, all_kinds, get_kind
from tandem.notifications.models import Notification, NotificationPreference

MAX_TITLE_LENGTH = Notification._meta.get_field("title").max_length
MAX_URL_LENGTH = Notification._meta.get_field("url").max_length


def internal_path(url: str) -> str:
    """`url` if it is a path inside the app ("/imports/42/"), "" for none; ValueError for anything else.

    A notification's link is followed from the bell and from an email, so an address elsewhere ("https://…",
    "//host/…", "javascript:…", a backslash browsers read as a slash) would make a notification a way to send
    someone off the site."""
    url = url.strip()
    if not url:
        return ""
    if (
        len(url) > MAX_URL_LENGTH
        or not url.startswith("/")
        or url.startswith("//")
        or "\\" in url
        or any(character.isspace() or ord(character) < 32 or ord(character) == 127 for character in url)
        or not url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    ):
        raise ValueError(
            f"A notification links only to a path inside Tandem (starting with one /), not {url!r}."
        )
    return url


def notify(
    *, user, kind: str, title: str, body: str = "", url: str = "", key: str | None = None
) -> Notification:
    """Tell `user` about something, in the caller's transaction (or one of its own).

    A `key` already notified to this user returns the existing row and writes and sends nothing, so a task
    that runs twice tells the user once. When the user is active, has an address and wants this kind by
    email (their preference, else the kind's default), an email goes out through Django's mail API in the
    same transaction: the mail ledger's backend keeps it with the row, so a rolled-back notify sends nothing.

    Raises ValueError for a kind no app registered, an empty title, or a `url` that is not a path inside the
    app (see `internal_path`). The title is made one line (it is also the email's subject)."""
    registered = get_kind(kind)
    if registered is None:
        raise ValueError(f"No app registered the notification kind {kind!r}.")
    title = " ".join(title.split())[:MAX_TITLE_LENGTH]
    if not title:
        raise ValueError("A notification needs a title.")
    url = internal_path(url)
    with transaction.atomic():
        if key is not None:
            existing = Notification.objects.filter(user=user, key=key).first()
            if existing is not None:
                return existing
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    user=user, kind=kind, title=title, body=body, url=url, key=key
                )
        except IntegrityError:
            # Two writers notified the same key at once; the other one's row stands (and sent its email).
            return Notification.objects.get(user=user, key=key)
        if user.is_active and user.email and wants_email(user, registered):
            _send_email(notification, user)
    return notification


def wants_email(user, kind: NotificationKind) -> bool:
    """Whether `user` gets `kind` by email: their choice if they made one, else the kind's default."""
    chosen = NotificationPreference.objects.filter(user=user, kind=kind.key).values_list("email", flat=True)
    for email in chosen:
        return email
    return kind.email_by_default


def absolute_url(path: str) -> str:
    """A path of the app as a full address, for emails (TANDEM_SITE_URL)."""
    return f"{settings.SITE_URL}{path}"


def email_key(notification: Notification) -> str:
    """What names a notification's email in the send ledger: one notification is emailed at most once."""
    return f"notification:{notification.pk}:email"


def email_message(notification: Notification, user) -> EmailMultiAlternatives:
    """The email telling `user` about `notification` (not sent): subject = title, a plain-text and an HTML
    part in the brand kit's look, the absolute link and the preferences link. It carries `ledger_key`, which
    the mail ledger's backend takes as the message's key, so sending it twice sends one email."""
    context = {
        "title": notification.title,
        "body": notification.body,
        "link": absolute_url(notification.url) if notification.url else "",
        "preferences_link": absolute_url(reverse("notifications:preferences")),
    }
    message = EmailMultiAlternatives(
        subject=notification.title,
        body=render_to_string("notifications/email.txt", context).strip() + "\n",
        to=[user.email],
    )
    message.attach_alternative(render_to_string("notifications/email.html", context), "text/html")
    message.ledger_key = email_key(notification)
    return message


def _send_email(notification: Notification, user) -> None:
    email_message(notification, user).send()


def mark_read(*, actor, notification_id: int) -> bool:
    """Mark one of `actor`'s own notifications read; False when it was read already or is not theirs (then
    nothing changes)."""
    return bool(
        Notification.objects.filter(pk=notification_id, user=actor, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


def mark_all_read(*, actor) -> int:
    """Mark every unread notification of `actor` read, in one statement; returns how many."""
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def set_email_preferences(*, actor, email_kinds: set[str]) -> dict[str, bool]:
    """Set which kinds `actor` gets by email: those in `email_kinds`, and no other registered kind.

    Every registered kind gets a row (so a kind's default changing later does not change a choice the user
    saw and kept). Returns the choices that changed, {kind: email}; one audit row when any did. Raises
    ValueError for a kind no app registered."""
    kinds = all_kinds()
    unknown = set(email_kinds) - {kind.key for kind in kinds}
    if unknown:
        raise ValueError(f"Unknown notification kinds: {', '.join(sorted(unknown))}.")
    stored = dict(NotificationPreference.objects.filter(user=actor).values_list("kind", "email"))
    before = {kind.key: stored.get(kind.key, kind.email_by_default) for kind in kinds}
    after = {kind.key: kind.key in email_kinds for kind in kinds}
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=actor, kind=key, email=email)
            for key, email in after.items()
            if stored.get(key) != email
        ],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["email"],
    )
    changed = {key: email for key, email in after.items() if before[key] != email}
    if changed:
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=actor,
            event="notification_preferences_changed",
            changes={key: [_said(before[key]), _said(email)] for key, email in changed.items()},
        )
    return changed


def _said(email: bool) -> str:
    return "Email and in the app" if email else "In the app only"
