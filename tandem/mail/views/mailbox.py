"""The mailbox: every ledger message (admins) or the ones the user sent, a reading pane beside the list."""

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tandem.core.pagination import InvalidCursor
from tandem.mail import access, selectors
from tandem.mail.forms import MailboxFilterForm
from tandem.mail.services import ledger_admin
from tandem.mail.srcdoc import sandboxed_html


def _filters(request) -> tuple[MailboxFilterForm, selectors.MailboxFilters, str]:
    form = MailboxFilterForm(request.GET or None)
    filters = selectors.MailboxFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.MailboxFilters(
            status=form.cleaned_data["status"],
            category=form.cleaned_data["category"],
            search=form.cleaned_data["q"].strip(),
        )
    query = request.GET.copy()
    query.pop("cursor", None)
    return form, filters, query.urlencode()


def _mailbox(request, message=None, status=200):
    form, filters, filter_query = _filters(request)
    try:
        page = selectors.mailbox_page(request.user, filters, cursor=request.GET.get("cursor") or None)
    except InvalidCursor as error:
        messages.error(request, str(error))
        return redirect("mail:mailbox")
    context = {
        "form": form,
        "filters": filters,
        "filter_query": filter_query,
        "page": page,
        "current": message,
        "can_manage": access.can_manage(request.user),
        "relay": selectors.relay_settings(),
    }
    if message is not None:
        parts = selectors.message_parts(message)
        context.update({"parts": parts, "html_srcdoc": sandboxed_html(parts.html) if parts.html else ""})
    return render(request, "mail/mailbox.html", context, status=status)


@login_required
@require_GET
def mailbox(request):
    return _mailbox(request)


# The HTML part's srcdoc document inherits this page's policy, and mail is styled with inline styles: this page
# alone allows them. Scripts stay 'self' only (the frame is sandboxed without scripts anyway), and images stay
# 'self' and data: (the srcdoc's own policy narrows them to data:), so no remote image is fetched.
@csp_update({"style-src": ["'unsafe-inline'"]})
@login_required
@require_GET
def message_detail(request, message_id: int):
    message = selectors.message_for(request.user, message_id)
    return _mailbox(request, message)


@login_required
@require_GET
def message_raw(request, message_id: int):
    """The raw source, as text (view) or as an .eml file (download)."""
    message = selectors.message_for(request.user, message_id)
    download = request.GET.get("download") == "1"
    response = HttpResponse(bytes(message.raw), content_type="message/rfc822" if download else "text/plain")
    if download:
        response["Content-Disposition"] = f'attachment; filename="message-{message.pk}.eml"'
    else:
        # The source is shown as text: never sniffed as HTML, never framed.
        response["Content-Type"] = "text/plain; charset=utf-8"
    return response


@login_required
@require_POST
def message_cancel(request, message_id: int):
    access.require_manage(request.user)
    message = selectors.message_for(request.user, message_id)
    try:
        ledger_admin.cancel_message(actor=request.user, message=message, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The message is cancelled: it will not be sent.")
    return redirect("mail:message", message_id=message.pk)


@login_required
@require_POST
def message_send_again(request, message_id: int):
    access.require_manage(request.user)
    message = selectors.message_for(request.user, message_id)
    try:
        ledger_admin.send_again(actor=request.user, message=message, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The message is queued again and will be handed to the relay now.")
    return redirect("mail:message", message_id=message.pk)
