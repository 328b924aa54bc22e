"""Mail settings: how mail leaves (the relay), and the test message with its live status."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.mail import access, selectors
from tandem.mail.forms import RelayForm
from tandem.mail.models import Message, Status
from tandem.mail.services import relay_settings

# Statuses after which the test message's panel stops polling.
FINAL_STATUSES = frozenset({Status.SENT, Status.FAILED, Status.SUPPRESSED, Status.CANCELLED})
# A test message still waiting after this long is not going anywhere soon: stop polling and say why.
STALE_AFTER = timedelta(minutes=2)


def add_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for name, messages_for_field in error.message_dict.items():
        for message in messages_for_field:
            form.add_error(name if name in form.fields else None, message)


@login_required
@require_http_methods(["GET", "POST"])
def mail_settings(request):
    access.require_manage(request.user)
    relay = selectors.relay_settings()
    form = RelayForm(request.POST or None, relay=relay)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            relay_settings.update_relay(
                actor=request.user,
                request=request,
                kind=data["kind"],
                host=data["host"],
                port=data["port"],
                security=data["security"],
                username=data["username"],
                password=data["password"],
                clear_password=data.get("clear_password", False),
                connections=data["connections"],
                timeout_seconds=data["timeout_seconds"],
                provider=data["provider"],
                provider_api_key=data["provider_api_key"],
                provider_key_id=data["provider_key_id"],
                provider_region=data["provider_region"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Mail settings saved.")
            return redirect("mail:settings")
    return render(
        request,
        "mail/settings.html",
        {
            "form": form,
            "relay": relay,
            "relay_description": relay_settings.relay_description(relay),
            "tab": "relay",
            "identity": selectors.default_identity(),
        },
    )


@login_required
@require_POST
def relay_test(request):
    """Queue the test message and answer the status panel (htmx), or go back to the page (no script)."""
    access.require_manage(request.user)
    try:
        message = relay_settings.send_test_message(actor=request.user, request=request)
    except ValidationError as error:
        if request.htmx:
            return render(request, "mail/_test_status.html", {"error": " ".join(error.messages)})
        messages.error(request, " ".join(error.messages))
        return redirect("mail:settings")
    if request.htmx:
        return render(request, "mail/_test_status.html", {"test": message, "final": False})
    messages.success(
        request, f"A test message to {message.recipients[0]} is queued; it shows in the mailbox."
    )
    return redirect("mail:message", message_id=message.pk)


@login_required
@require_GET
def relay_test_status(request, message_id: int):
    access.require_manage(request.user)
    message = Message.objects.filter(pk=message_id, key__startswith="relay-test:").first()
    if message is None:
        return render(request, "mail/_test_status.html", {"error": "This test message no longer exists."})
    final = message.status in FINAL_STATUSES
    stale = not final and timezone.now() - message.created_at > STALE_AFTER
    return render(
        request,
        "mail/_test_status.html",
        {"test": message, "final": final or stale, "stale": stale, "relay": selectors.relay_settings()},
    )
