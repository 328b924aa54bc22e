"""Settings → Properties: admins define the custom fields of every record type that has them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.views.decorators.http import require_GET, require_POST

from tandem.contacts import forms as contact_forms
from tandem.contacts import selectors, services
from tandem.contacts.models import PropertyDefinition
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.records import registry

OBJECT_TYPE = "property"


def _definition(request, property_id: int, verb: str) -> PropertyDefinition:
    return access.get_object_or_deny(request.user, verb, PropertyDefinition.objects.all(), pk=property_id)


@login_required
@require_GET
def property_list(request):
    access.require_allowed(request.user, OBJECT_TYPE, Verb.CHANGE)
    by_type = selectors.property_definitions_by_type()
    groups = [
        (
            capfirst(record_type.verbose_name),
            record_type.object_type,
            by_type.get(record_type.object_type, []),
        )
        for record_type in registry.with_properties()
    ]
    return render(request, "contacts/property_list.html", {"groups": groups})


@login_required
def property_create(request):
    access.require_allowed(request.user, OBJECT_TYPE, Verb.CREATE)
    data = request.POST if request.method == "POST" else None
    initial = {"object_type": request.GET.get("object_type", "contact")}
    form = contact_forms.PropertyCreateForm(data, initial=initial)
    if data is not None and form.is_valid():
        try:
            definition = services.create_property(actor=request.user, **form.service_values())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"The property “{definition.label}” was created.")
            return redirect("contacts:property_list")
    return render(request, "contacts/property_form.html", {"form": form, "definition": None})


@login_required
def property_edit(request, property_id: int):
    definition = _definition(request, property_id, Verb.CHANGE)
    data = request.POST if request.method == "POST" else None
    form = contact_forms.PropertyEditForm(data, definition=definition)
    if data is not None and form.is_valid():
        try:
            services.update_property(actor=request.user, definition=definition, **form.service_values())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"The property “{definition.label}” was saved.")
            return redirect("contacts:property_list")
    return render(request, "contacts/property_form.html", {"form": form, "definition": definition})


@login_required
@require_POST
def property_delete(request, property_id: int):
    definition = _definition(request, property_id, Verb.DELETE)
    label = definition.label
    services.delete_property(actor=request.user, definition=definition)
    messages.success(
        request, f"The property “{label}” was deleted. Values already stored are kept but hidden."
    )
    return redirect("contacts:property_list")
