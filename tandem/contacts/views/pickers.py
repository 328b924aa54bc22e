"""What is really the contact's on its pages: the company picker's options and the quick stage change."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tandem.contacts import services
from tandem.contacts.models import Contact, LifecycleStage
from tandem.contacts.records.panels import STAGE_ORDER, company_choices
from tandem.core import access
from tandem.core.access import Verb


@login_required
@require_GET
def company_options(request):
    """<option>s for the contact form's company select, matching what was typed (htmx)."""
    search = request.GET.get("company_search", "").strip()[:200]
    choices = company_choices(request.user, search=search, selected=request.GET.get("company"))
    return render(
        request,
        "contacts/_company_options.html",
        {"choices": choices, "selected": request.GET.get("company", ""), "search": search},
    )


@login_required
@require_POST
def contact_stage(request, pk: int):
    """Change a contact's lifecycle stage from its page. A move back in the funnel (customer -> lead) is
    rare and usually a slip, so it needs a second confirmation (app.js asks; without JavaScript, a page)."""
    live = Contact.objects.filter(deleted_at__isnull=True)
    contact = access.get_object_or_deny(request.user, Verb.CHANGE, live, pk=pk)
    stage = request.POST.get("lifecycle_stage", "")
    labels = dict(LifecycleStage.choices)
    if stage not in labels:
        messages.error(request, "Choose one of the lifecycle stages.")
        return redirect("contacts:contact_detail", contact.pk)
    if stage == contact.lifecycle_stage:
        messages.info(request, f"{contact.display_name} is already at {labels[stage]}.")
        return redirect("contacts:contact_detail", contact.pk)
    backwards = STAGE_ORDER.index(stage) < STAGE_ORDER.index(contact.lifecycle_stage)
    if backwards and request.POST.get("confirmed") != "1":
        context = {
            "contact": contact,
            "stage": stage,
            "from_label": labels.get(contact.lifecycle_stage, contact.lifecycle_stage),
            "to_label": labels[stage],
        }
        return render(request, "contacts/stage_confirm.html", context)
    try:
        services.update_contact(
            actor=request.user, contact=contact, values={"lifecycle_stage": stage}, request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{contact.display_name} is now at {labels[stage]}.")
    return redirect("contacts:contact_detail", contact.pk)
