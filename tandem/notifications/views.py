"""The notifications pages: the bell's badge and dropdown (htmx fragments), the list, opening one, marking
read, and the email preferences. A user only ever sees and changes their own notifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.core.pagination import InvalidCursor
from tandem.notifications import selectors, services

MENU_TARGET = "notification-menu-body"


def bell_context(request) -> dict | None:
    """The top bar's bell (registered from apps.ready): the unread badge, one indexed query per page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return {"notification_badge": selectors.badge_text(selectors.unread_count(user))}


def _badge_context(user) -> dict:
    return {"notification_badge": selectors.badge_text(selectors.unread_count(user))}


@login_required
@require_GET
def badge(request):
    """The bell's badge alone: what the top bar polls every minute."""
    return render(request, "notifications/_badge.html", _badge_context(request.user))


@login_required
@require_GET
def menu(request):
    """The bell's dropdown: the latest notifications, loaded when it opens."""
    return render(request, "notifications/_menu.html", _menu_context(request.user))


def _menu_context(user) -> dict:
    notifications = selectors.latest(user)
    return {
        "notifications": notifications,
        "has_unread": any(notification.read_at is None for notification in notifications),
        **_badge_context(user),
    }


def _list_context(request) -> dict:
    unread_only = request.GET.get("show") == "unread"
    cursor = request.GET.get("cursor", "").strip()[:1000] or None
    error = ""
    try:
        page = selectors.notification_page(request.user, cursor=cursor, unread_only=unread_only)
    except InvalidCursor as invalid:
        error = f"{invalid} Showing the newest notifications."
        page = selectors.notification_page(request.user, unread_only=unread_only)
    return {
        "page": page,
        "unread_only": unread_only,
        "error": error,
        "has_unread": bool(selectors.unread_count(request.user, cap=0)),
        **_badge_context(request.user),
    }


@login_required
@require_GET
def notification_list(request):
    return render(request, "notifications/notification_list.html", _list_context(request))


@login_required
@require_GET
def open_notification(request, notification_id: int):
    """Mark one's own notification read and go where it leads (the list when it leads nowhere).

    A GET, unlike the other writes: an entry is a link, so it can be opened in a new tab; marking one's own
    notification read is idempotent and harmless if a prefetch does it."""
    notification = selectors.own(request.user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404("No such notification.")
    services.mark_read(actor=request.user, notification_id=notification.pk)
    try:
        destination = services.internal_path(notification.url)
    except ValueError:  # written before links were checked: never follow it
        destination = ""
    return redirect(destination or reverse("notifications:notification_list"))


@login_required
@require_POST
def mark_read(request, notification_id: int):
    notification = selectors.own(request.user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404("No such notification.")
    services.mark_read(actor=request.user, notification_id=notification.pk)
    if request.htmx:
        notification.refresh_from_db(fields=["read_at"])
        return render(
            request,
            "notifications/_entry_swap.html",
            {"notification": notification, **_badge_context(request.user)},
        )
    return redirect(_back(request))


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_all_read(actor=request.user)
    if request.htmx and request.htmx.target == MENU_TARGET:
        return render(request, "notifications/_menu.html", _menu_context(request.user))
    if not request.htmx:
        messages.success(request, _marked(count))
    return redirect(_back(request))


def _marked(count: int) -> str:
    if count == 0:
        return "Nothing was unread."
    return "1 notification marked as read." if count == 1 else f"{count} notifications marked as read."


def _back(request) -> str:
    """Where to go after a form on the list: the list as it was (the unread tab stays the unread tab)."""
    if request.POST.get("show") == "unread":
        return reverse("notifications:notification_list") + "?show=unread"
    return reverse("notifications:notification_list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    """Per kind, whether it also comes by email (in the app it always shows)."""
    if request.method == "POST":
        try:
            changed = services.set_email_preferences(
                actor=request.user, email_kinds=set(request.POST.getlist("email"))
            )
        except ValueError as error:
            messages.error(request, f"{error} Reload the page and choose again.")
        else:
            messages.success(request, "Your email preferences are saved." if changed else "Nothing changed.")
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"choices": selectors.email_choices(request.user), "email": request.user.email},
    )
