"""Sending identities: the list grouped by domain (each domain's DKIM record and DNS check), add, edit,
delete, make default, resend the verification link, and the verification link's public page."""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.core.display import sentence
from tandem.mail import access, dkim_keys, dns_check, selectors
from tandem.mail.forms import IdentityForm
from tandem.mail.models import Identity
from tandem.mail.services import identities as services
from tandem.mail.views.settings import add_errors
from tandem.public import pages as public_pages
from tandem.public import services as public_services


def _domains(identities: list[Identity]) -> list[dict]:
    """The identities grouped by domain, each group with the domain's DKIM record (shared by its identities)."""
    groups = []
    ordered = sorted(
        identities, key=lambda identity: (identity.domain, not identity.is_default, identity.address)
    )
    for domain, members in groupby(ordered, key=lambda identity: identity.domain):
        members = list(members)
        keyed = next((member for member in members if member.dkim_public_key), None)
        record = None
        if keyed is not None:
            value = dkim_keys.record_value(keyed.dkim_public_key)
            record = {
                "selector": keyed.dkim_selector,
                "name": dkim_keys.record_name(keyed.dkim_selector, domain),
                "value": value,
                "zone_value": dkim_keys.zone_file_value(value),
                "parts": dkim_keys.split_for_dns(value),
            }
        groups.append(
            {
                "domain": dkim_keys.unicode_domain(domain),
                "ascii_domain": dkim_keys.ascii_domain(domain),
                "identities": members,
                "dkim": record,
                "key_identity": keyed or members[0],
            }
        )
    return groups


@login_required
@require_GET
def identity_list(request):
    access.require_manage(request.user)
    identities = selectors.identity_list()
    return render(
        request,
        "mail/identities.html",
        {"domains": _domains(identities), "has_identities": bool(identities), "tab": "identities"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def identity_create(request):
    access.require_manage(request.user)
    form = IdentityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            identity = services.create_identity(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                sentence("{} is added. We sent a confirmation link to that address.", identity.address),
            )
            return redirect("mail:identity_list")
    return render(request, "mail/identity_form.html", {"form": form, "identity": None, "tab": "identities"})


@login_required
@require_http_methods(["GET", "POST"])
def identity_edit(request, identity_id: int):
    access.require_manage(request.user)
    identity = get_object_or_404(Identity, pk=identity_id)
    form = IdentityForm(
        request.POST or None,
        initial={"from_name": identity.from_name, "address": identity.address, "reply_to": identity.reply_to},
    )
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.update_identity(
                actor=request.user, identity=identity, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if updated.verified_at is None and identity.verified_at is not None:
                messages.success(
                    request,
                    sentence("Saved. {} must be confirmed again: we sent it a link.", updated.address),
                )
            else:
                messages.success(request, sentence("Saved {}.", updated.address))
            return redirect("mail:identity_list")
    return render(
        request, "mail/identity_form.html", {"form": form, "identity": identity, "tab": "identities"}
    )


def _identity_action(request, identity_id: int, action, success: str):
    access.require_manage(request.user)
    identity = get_object_or_404(Identity, pk=identity_id)
    try:
        action(actor=request.user, identity=identity, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, sentence(success, identity.address))
    return redirect("mail:identity_list")


@login_required
@require_POST
def identity_delete(request, identity_id: int):
    return _identity_action(request, identity_id, services.delete_identity, "{} is removed.")


@login_required
@require_POST
def identity_make_default(request, identity_id: int):
    return _identity_action(
        request,
        identity_id,
        services.make_default_identity,
        "Mail now comes from {} unless chosen otherwise.",
    )


@login_required
@require_POST
def identity_resend(request, identity_id: int):
    return _identity_action(
        request, identity_id, services.resend_verification, "A new confirmation link is on its way to {}."
    )


@login_required
@require_POST
def identity_generate_dkim(request, identity_id: int):
    return _identity_action(
        request,
        identity_id,
        services.generate_dkim_key,
        "A DKIM key is ready for the domain of {}. Publish the record below, then check DNS.",
    )


@login_required
@require_GET
def identity_dns_check(request, identity_id: int):
    """The domain's SPF, DKIM and DMARC findings (asked for by the page with htmx: DNS can be slow)."""
    access.require_manage(request.user)
    identity = get_object_or_404(Identity, pk=identity_id)
    keyed = selectors.domain_key(identity.domain)
    report = dns_check.check_domain(
        identity.domain,
        selector=keyed.dkim_selector if keyed else "",
        public_key=keyed.dkim_public_key if keyed else "",
    )
    template = "mail/_dns_report.html" if request.htmx else "mail/dns_report.html"
    return render(request, template, {"report": report, "identity": identity, "tab": "identities"})


# --- the confirmation link, a public page (tandem.public; registered in MailConfig.ready) ----------------


def identity_verify_show(request, link):
    """GET on the link mailed to the address: says what confirming does, with the button. Changes nothing."""
    identity = public_services.target_of(link)
    if identity is None:
        return _identity_gone(request)
    return public_pages.render(
        request,
        "mail/identity_verify.html",
        {"identity": identity, "already": identity.verified_at is not None},
    )


def identity_verify_act(request, link):
    """POST from that page: confirms the address (the public area has spent the link already). Anyone holding
    the link may confirm: it proves they read that mailbox, which is the point."""
    identity = services.verify_identity(link=link, request=request)
    if identity is None:
        return _identity_gone(request)
    return public_pages.render(
        request, "mail/identity_verify.html", {"identity": identity, "confirmed": True}
    )


def _identity_gone(request):
    return public_pages.error_page(
        request,
        title="This address was removed",
        message="The sending address this link confirms no longer exists in Tandem. There is nothing to do.",
        status=410,
    )
