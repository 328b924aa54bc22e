"""1:1 email pages: compose from a contact's or a company's page (with template picker, merge fields and a live
preview), cancel a scheduled email, the saved templates and the signature."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from tandem.contacts import selectors as contact_selectors
from tandem.contacts.models import Company, Contact
from tandem.core import access, sandbox
from tandem.core.access import Verb
from tandem.mail.compose import rendering, selectors, targets
from tandem.mail.compose.forms import ComposeForm, SignatureForm, TemplateForm, add_service_errors
from tandem.mail.models import Category, Identity, MailTemplate, Message
from tandem.mail.services import compose as services


def _contact_name(contact: Contact) -> str:
    return contact.display_name if hasattr(contact, "display_name") else str(contact)


def _recipient_label(contact: Contact) -> str:
    name = _contact_name(contact)
    return f"{name} <{contact.email}>" if contact.email and name != contact.email else (contact.email or name)


def _local_url(request, url: str) -> str:
    """`url` when it is a page of this site (where to go back to), else ""."""
    allowed = url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False)
    return url if url and allowed else ""


def _merge_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (group, [(f"{{{{ {group}.{field} }}}}", label) for field, label in fields])
        for group, fields in rendering.MERGE_FIELDS.items()
    ]


def _default_identity(user, identities: list[Identity]) -> str:
    """The user's own address when it is a verified identity, else the installation's default."""
    for identity in identities:
        if identity.address.lower() == user.email.lower():
            return str(identity.pk)
    return str(identities[0].pk) if identities else ""


def _compose(
    request,
    *,
    recipients: list[Contact],
    record,
    record_type: str,
    fixed_recipient: bool,
    target: targets.ComposeTarget | None = None,
):
    """The compose page for a contact, a company, or a registered target (a deal): `record_type` names it,
    `target` says how to name and link a target's record."""
    if target is not None:
        record_name, record_url, about = target.name(record), target.url(record), (target.key, record.pk)
    else:
        record_name = _contact_name(record) if record_type == "contact" else record.name
        record_url = reverse(f"contacts:{record_type}_detail", args=[record.pk])
        about = ("company", record.pk) if record_type == "company" else None
    identities = selectors.sending_identities()
    templates = list(selectors.usable_templates(request.user))
    form = ComposeForm(
        request.POST if request.method == "POST" else None,
        recipients=[(str(contact.pk), _recipient_label(contact)) for contact in recipients],
        identities=[(str(identity.pk), str(identity)) for identity in identities],
        templates=[(str(template.pk), template.name) for template in templates],
        fixed_recipient=fixed_recipient,
        initial={
            "to": str(recipients[0].pk) if (fixed_recipient or target) and recipients else "",
            "identity": _default_identity(request.user, identities),
        },
    )
    if request.method == "POST" and form.is_valid():
        contact = next(contact for contact in recipients if str(contact.pk) == form.cleaned_data["to"])
        identity = next(
            identity for identity in identities if str(identity.pk) == form.cleaned_data["identity"]
        )
        try:
            message = services.send_one_to_one(
                actor=request.user,
                contact=contact,
                identity=identity,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                send_after_at=form.cleaned_data["send_after_at"],
                about=about,
                form_token=form.cleaned_data["form_token"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if message.send_after_at > timezone.now():
                when = date_format(timezone.localtime(message.send_after_at), "j M Y, H:i")
                messages.success(request, f"Your email to {_contact_name(contact)} is scheduled for {when}.")
            else:
                messages.success(request, f"Your email to {_contact_name(contact)} is on its way.")
            return redirect(record_url)
    return render(
        request,
        "mail/compose.html",
        {
            "form": form,
            "record": record,
            "record_type": record_type,
            "record_name": record_name,
            "record_url": record_url,
            "record_noun": target.noun if target else record_type,
            "has_identities": bool(identities),
            "has_recipients": any(contact.email for contact in recipients),
            "merge_groups": _merge_groups(),
            "signature": selectors.signature_of(request.user),
        },
    )


@login_required
def compose_to_contact(request, contact_id: int):
    access.require_allowed(request.user, services.OBJECT_TYPE, Verb.CREATE)
    contact = access.get_object_or_deny(
        request.user,
        Verb.VIEW,
        Contact.objects.filter(deleted_at__isnull=True).select_related("company"),
        pk=contact_id,
    )
    return _compose(
        request, recipients=[contact], record=contact, record_type="contact", fixed_recipient=True
    )


@login_required
def compose_to_company(request, company_id: int):
    access.require_allowed(request.user, services.OBJECT_TYPE, Verb.CREATE)
    company = access.get_object_or_deny(
        request.user, Verb.VIEW, Company.objects.filter(deleted_at__isnull=True), pk=company_id
    )
    recipients = selectors.company_recipients(request.user, company)
    for contact in recipients:
        contact.company = company
    return _compose(
        request, recipients=recipients, record=company, record_type="company", fixed_recipient=False
    )


@login_required
def compose_about(request, about_type: str, about_id: int):
    """Write to one of the contacts of a record registered as a compose target (a deal's, primary first)."""
    access.require_allowed(request.user, services.OBJECT_TYPE, Verb.CREATE)
    target = targets.get(about_type)
    record, recipients = target.load(request.user, about_id)
    return _compose(
        request,
        recipients=recipients,
        record=record,
        record_type=target.key,
        fixed_recipient=False,
        target=target,
    )


@login_required
@require_POST
def compose_preview(request):
    """The preview of what the form holds, rendered for its recipient (htmx)."""
    contact = (
        contact_selectors.visible_contacts(request.user)
        .select_related("company")
        .filter(pk=request.POST.get("to") if (request.POST.get("to") or "").isdigit() else None)
        .first()
    )
    signature = selectors.signature_of(request.user)
    context = {"contact": contact}
    values = (
        rendering.merge_context(contact, request.user, signature=signature)
        if contact is not None
        else rendering.sample_contact_context(request.user, signature=signature)
    )
    try:
        context["rendered"] = rendering.render_message(
            subject=request.POST.get("subject", "")[:1000],
            body=request.POST.get("body", "")[: services.BODY_MAX_LENGTH + 1],
            values=values,
            signature=signature,
        )
    except sandbox.SandboxError as error:
        context["error"] = error
        context["error_field"] = "subject" if getattr(error, "field", "") == "subject" else "message"
    return render(request, "mail/compose_preview.html", context)


@login_required
@require_GET
def compose_template_fields(request):
    """The subject and body fields filled from the picked template (htmx swaps them into the form)."""
    template_id = request.GET.get("template", "")
    template = (
        selectors.usable_templates(request.user).filter(pk=template_id).first()
        if template_id.isdigit()
        else None
    )
    if template is None:
        # "No template" (or one that is gone) keeps what the form holds: htmx swaps nothing on 204.
        return HttpResponse(status=204)
    form = ComposeForm(
        recipients=[],
        identities=[],
        templates=[],
        fixed_recipient=True,
        initial={"subject": template.subject, "body": template.body},
    )
    response = render(request, "mail/compose_fields.html", {"form": form})
    response["HX-Trigger-After-Settle"] = "compose-filled"
    return response


@login_required
@require_POST
def compose_cancel(request, message_id: int):
    message = get_object_or_404(Message.objects.defer("raw"), pk=message_id, category=Category.PERSONAL)
    if message.sender_id != request.user.pk:
        raise Http404("Not found.")
    try:
        cancelled = services.cancel_scheduled(actor=request.user, message=message)
    except ValidationError as error:
        raise PermissionDenied(error.messages[0]) from error
    if cancelled:
        messages.success(request, "The scheduled email was cancelled; it will not be sent.")
    else:
        messages.warning(request, "That email can no longer be cancelled: it has been sent or is being sent.")
    return redirect(_local_url(request, request.POST.get("next", "")) or "/")


# --- saved templates ------------------------------------------------------------------------------------


@login_required
@require_GET
def compose_templates(request):
    templates = [
        (template, selectors.can_change_template(request.user, template))
        for template in selectors.usable_templates(request.user).select_related("owner")
    ]
    return render(request, "mail/compose_templates.html", {"templates": templates})


def _changeable_template(request, template_id: int) -> MailTemplate:
    template = selectors.usable_templates(request.user).filter(pk=template_id).first()
    if template is None:
        raise Http404("Not found.")
    if not selectors.can_change_template(request.user, template):
        raise PermissionDenied("Only the owner of this template can change it.")
    return template


@login_required
def compose_template_edit(request, template_id: int | None = None):
    template = _changeable_template(request, template_id) if template_id is not None else None
    initial = (
        {
            "name": template.name,
            "subject": template.subject,
            "body": template.body,
            "is_shared": template.is_shared,
        }
        if template
        else {}
    )
    form = TemplateForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_template(actor=request.user, template=template, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The template “{saved.name}” was saved.")
            return redirect("mail:compose_templates")
    return render(
        request,
        "mail/compose_template_form.html",
        {"form": form, "template": template, "merge_groups": _merge_groups()},
    )


@login_required
@require_POST
def compose_template_delete(request, template_id: int):
    template = _changeable_template(request, template_id)
    name = template.name
    services.delete_template(actor=request.user, template=template)
    messages.success(request, f"The template “{name}” was deleted.")
    return redirect("mail:compose_templates")


@login_required
def compose_signature(request):
    form = SignatureForm(
        request.POST if request.method == "POST" else None,
        initial={"text": selectors.signature_of(request.user)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_signature(actor=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your signature was saved.")
            return redirect(_local_url(request, request.POST.get("next", "")) or "mail:compose_signature")
    return render(
        request,
        "mail/compose_signature.html",
        {"form": form, "next": _local_url(request, request.GET.get("next", ""))},
    )


urlpatterns = [
    path("compose/contact/<int:contact_id>/", compose_to_contact, name="compose_contact"),
    path("compose/company/<int:company_id>/", compose_to_company, name="compose_company"),
    path("compose/<slug:about_type>/<int:about_id>/", compose_about, name="compose_about"),
    path("compose/preview/", compose_preview, name="compose_preview"),
    path("compose/template-fields/", compose_template_fields, name="compose_template_fields"),
    path("compose/<int:message_id>/cancel/", compose_cancel, name="compose_cancel"),
    path("templates/", compose_templates, name="compose_templates"),
    path("templates/new/", compose_template_edit, name="compose_template_create"),
    path("templates/<int:template_id>/", compose_template_edit, name="compose_template_edit"),
    path("templates/<int:template_id>/delete/", compose_template_delete, name="compose_template_delete"),
    path("signature/", compose_signature, name="compose_signature"),
]
