"""Inbound mail pages: the mailboxes admins connect (/mail/inbound/) and a conversation (/mail/conversations/
<sent message id>/). Thin: parse, call one service or selector, render."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.core import access, secrets
from tandem.core.access import Verb
from tandem.core.display import sentence
from tandem.mail.inbound import selectors
from tandem.mail.inbound.forms import MailboxForm
from tandem.mail.models import InboundMailbox, Message
from tandem.mail.services import inbound as services

OBJECT_TYPE = "inbound_mailbox"
# A check still waiting after this long is not running (the worker is down): stop polling and say so.
CHECK_STALE_AFTER = timedelta(minutes=2)


def _add_errors(form, error: ValidationError) -> None:
    for name, messages_for_field in error.message_dict.items():
        for message in messages_for_field:
            form.add_error(name if name in form.fields else None, message)


def _values(form) -> dict:
    data = dict(form.cleaned_data)
    data.pop("password", None)
    return data


@login_required
@require_http_methods(["GET", "POST"])
def inbound_list(request):
    access.require_allowed(request.user, OBJECT_TYPE, Verb.CHANGE)
    form = MailboxForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mailbox = services.create_mailbox(
                actor=request.user, request=request, password=form.cleaned_data["password"], **_values(form)
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, sentence("Mailbox “{}” connected. Check it now to test the settings.", mailbox.name)
            )
            return redirect("mail:inbound_detail", mailbox_id=mailbox.pk)
    return render(request, "mail/inbound_list.html", {"mailboxes": selectors.mailbox_list(), "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def inbound_detail(request, mailbox_id: int):
    access.require_allowed(request.user, OBJECT_TYPE, Verb.CHANGE)
    mailbox = get_object_or_404(InboundMailbox.objects.select_related("identity"), pk=mailbox_id)
    initial = {name: getattr(mailbox, name) for name in services.EDITABLE_FIELDS}
    form = MailboxForm(
        request.POST or None,
        initial=initial,
        editing=True,
        password_unreadable=secrets.is_unreadable(mailbox.password),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_mailbox(
                actor=request.user, mailbox=mailbox, request=request, password=form.cleaned_data["password"],
                **_values(form),
            )  # fmt: skip
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, sentence("Saved the settings of “{}”.", mailbox.name))
            return redirect("mail:inbound_detail", mailbox_id=mailbox.pk)
    context = {
        "mailbox": mailbox,
        "form": form,
        "skipped": selectors.recent_skipped(mailbox),
        "recent": selectors.recent_messages(mailbox),
        **_check_context(mailbox),
        "live": False,
    }
    return render(request, "mail/inbound_detail.html", context)


@login_required
@require_POST
def inbound_check(request, mailbox_id: int):
    """ "Check now": queue a poll and answer the status panel (htmx), which polls until the check is done; or
    go back to the page (no script), where the outcome shows once the worker has it."""
    access.require_allowed(request.user, OBJECT_TYPE, Verb.CHANGE)
    mailbox = get_object_or_404(InboundMailbox, pk=mailbox_id)
    services.request_check(mailbox=mailbox)
    if request.htmx:
        return render(request, "mail/_inbound_check.html", _check_context(mailbox))
    messages.success(request, sentence("Checking “{}”: the result shows here in a moment.", mailbox.name))
    return redirect("mail:inbound_detail", mailbox_id=mailbox.pk)


def _check_context(mailbox: InboundMailbox) -> dict:
    pending = services.check_pending(mailbox)
    stale = pending and timezone.now() - mailbox.check_requested_at > CHECK_STALE_AFTER
    return {"mailbox": mailbox, "pending": pending and not stale, "stale": stale, "live": True}


@login_required
@require_GET
def inbound_check_status(request, mailbox_id: int):
    """The status panel while a check runs (htmx polls it every two seconds until the check is done)."""
    access.require_allowed(request.user, OBJECT_TYPE, Verb.CHANGE)
    mailbox = get_object_or_404(InboundMailbox, pk=mailbox_id)
    return render(request, "mail/_inbound_check.html", _check_context(mailbox))


@login_required
@require_POST
def inbound_delete(request, mailbox_id: int):
    access.require_allowed(request.user, OBJECT_TYPE, Verb.DELETE)
    mailbox = get_object_or_404(InboundMailbox, pk=mailbox_id)
    services.delete_mailbox(actor=request.user, mailbox=mailbox, request=request)
    messages.success(request, sentence("Mailbox “{}” removed.", mailbox.name))
    return redirect("mail:inbound_list")


@login_required
@require_GET
def conversation(request, message_id: int):
    message = Message.objects.select_related("sender").filter(pk=message_id).first()
    # Not found and not allowed answer alike, so the page does not tell who was written to.
    if message is None or not selectors.may_view_conversation(request.user, message):
        raise Http404("Not found.")
    thread = selectors.conversation(message)
    contact = None
    if message.contact_id is not None:
        contact = message.contact
    return render(request, "mail/inbound_conversation.html", {"thread": thread, "contact": contact})


urlpatterns = [
    path("inbound/", inbound_list, name="inbound_list"),
    path("inbound/<int:mailbox_id>/", inbound_detail, name="inbound_detail"),
    path("inbound/<int:mailbox_id>/check/", inbound_check, name="inbound_check"),
    path("inbound/<int:mailbox_id>/check/status/", inbound_check_status, name="inbound_check_status"),
    path("inbound/<int:mailbox_id>/delete/", inbound_delete, name="inbound_delete"),
    path("conversations/<int:message_id>/", conversation, name="conversation"),
]
