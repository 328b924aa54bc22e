"""Contact pages: list, detail with timeline and notes, create/edit, trash, bulk actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tandem.contacts import forms as contact_forms
from tandem.contacts import selectors, services
from tandem.contacts.models import (
    ConsentPurpose,
    Contact,
    LifecycleStage,
)
from tandem.contacts.services.contacts import BulkAction
from tandem.contacts.views import columns as list_columns
from tandem.contacts.views import records
from tandem.contacts.views.duplicates import merges_context
from tandem.core import access
from tandem.core.access import Verb

OBJECT_TYPE = "contact"
FILTER_NAMES = ("stage", "owner", "team", "country")
BULK_ACTIONS = [
    (BulkAction.ASSIGN_OWNER, "Assign owner"),
    (BulkAction.SET_STAGE, "Set stage"),
    (BulkAction.ADD_TAG, "Add tag"),
    (BulkAction.REMOVE_TAG, "Remove tag"),
    (BulkAction.DELETE, "Move to trash"),
]


def _live():
    return Contact.objects.filter(deleted_at__isnull=True)


def _available_columns(definitions):
    return list_columns.available_columns(list_columns.CONTACT_COLUMNS, definitions)


@login_required
@require_GET
def contact_list(request):
    user = request.user
    access.require_allowed(user, OBJECT_TYPE, Verb.VIEW)
    definitions = selectors.property_definitions(OBJECT_TYPE)
    users, teams = records.filter_choices()
    query = contact_forms.parse_contact_query(request.GET, definitions=definitions, users=users, teams=teams)
    if query.filters.company_id is not None:
        _name_company_chip(user, query)
    result = records.list_page(
        lambda cursor: selectors.contact_list(user, query.filters, sort=query.sort, cursor=cursor), query
    )
    column_context = records.columns_context(
        request, OBJECT_TYPE, _available_columns(definitions), list_columns.DEFAULT_CONTACT_COLUMNS
    )
    can_bulk_change = access.allows(user, OBJECT_TYPE, Verb.CHANGE)
    context = {
        **records.common_list_context(request, query, result, definitions),
        **column_context,
        "rows": list_columns.contact_rows(
            result.page.rows, column_context["columns"], definitions, selectable=can_bulk_change
        ),
        "users": users.values(),
        "teams": teams.values(),
        "stages": LifecycleStage.choices,
        "sorts": [(key, label) for key, (label, _) in selectors.CONTACT_SORTS.items()],
        "selected": records.selected_values(request.GET, FILTER_NAMES),
        "bulk_actions": BULK_ACTIONS,
        "can_bulk_change": can_bulk_change,
        "can_create": access.allows(user, OBJECT_TYPE, Verb.CREATE),
        "unowned": contact_forms.UNOWNED,
    }
    return records.render_list(request, "contacts/contact_list.html", context, OBJECT_TYPE)


def _name_company_chip(user, query) -> None:
    """Say which company a "contacts at this company" link filters by (if the user may see it)."""
    company = selectors.visible_companies(user).filter(pk=query.filters.company_id).first()
    for chip in query.chips:
        if chip.label == contact_forms.COMPANY_CHIP_LABEL and company is not None:
            chip.label = f"Company: {company.name}"


@login_required
@require_GET
def contact_property_filter(request):
    """The value control for the chosen custom property (htmx swaps it in when the property changes)."""
    definitions = {definition.name: definition for definition in selectors.property_definitions(OBJECT_TYPE)}
    definition = definitions.get(request.GET.get("property", ""))
    return render(
        request, "contacts/_property_filter.html", records.property_filter_context(definition, request.GET)
    )


@login_required
@require_POST
def contact_columns(request):
    definitions = selectors.property_definitions(OBJECT_TYPE)
    return records.save_columns_and_return(
        request, OBJECT_TYPE, _available_columns(definitions), "contacts:contact_list"
    )


@login_required
@require_POST
def contact_bulk(request):
    ids = contact_forms.parse_ids(request.POST.getlist("ids"))
    action = request.POST.get("action", "")
    value = {
        BulkAction.ASSIGN_OWNER: request.POST.get("owner"),
        BulkAction.SET_STAGE: request.POST.get("stage"),
        BulkAction.ADD_TAG: request.POST.get("tag"),
        BulkAction.REMOVE_TAG: request.POST.get("tag"),
    }.get(action)
    try:
        changed = services.bulk_update_contacts(
            actor=request.user, contact_ids=ids, action=action, value=value, request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        records.bulk_message(
            request, changed=changed, selected=len(set(ids)), nouns=("contact", "contacts"), action=action
        )
    return records.redirect_to_list("contacts:contact_list", request.POST.get("query", ""))


def _detail_context(request, contact: Contact, *, cursor: str | None = None) -> dict:
    user = request.user
    definitions = selectors.property_definitions(OBJECT_TYPE)
    consent = selectors.consent_overview(contact)
    return {
        "contact": contact,
        "record": contact,
        "object_type": OBJECT_TYPE,
        "initials": _initials(contact),
        "stage_label": list_columns.stage_label(contact.lifecycle_stage),
        "property_facts": list_columns.property_facts(contact, definitions),
        "consent_rows": [
            (label, consent["consents"].get(purpose)) for purpose, label in ConsentPurpose.choices
        ],
        "suppression": consent["suppression"],
        "stage_history": [
            (change, list_columns.stage_label(change.from_stage), list_columns.stage_label(change.to_stage))
            for change in selectors.stage_history(contact)
        ],
        "can_change": access.can(user, Verb.CHANGE, contact),
        "can_delete": access.can(user, Verb.DELETE, contact),
        "note_body": "",
        "note_error": "",
        **merges_context(user, contact, OBJECT_TYPE),
        **records.timeline_context(
            request, contact, object_type=OBJECT_TYPE, definitions=definitions, cursor=cursor
        ),
    }


def _initials(contact: Contact) -> str:
    letters = (contact.first_name[:1] + contact.last_name[:1]) or (contact.email or "?")[:2]
    return letters.upper()


@login_required
@require_GET
def contact_detail(request, contact_id: int):
    contact = selectors.contact_detail(request.user, contact_id)
    cursor = request.GET.get("cursor", "").strip()[:1000] or None
    return render(request, "contacts/contact_detail.html", _detail_context(request, contact, cursor=cursor))


@login_required
@require_GET
def contact_timeline(request, contact_id: int):
    """The next (older) page of the timeline: a fragment for htmx, the detail page without JavaScript."""
    contact = selectors.contact_detail(request.user, contact_id)
    cursor = request.GET.get("cursor", "").strip()[:1000] or None
    if not request.htmx:
        url = reverse("contacts:contact_detail", args=[contact.pk])
        return redirect(f"{url}?cursor={cursor}#timeline" if cursor else url)
    definitions = selectors.property_definitions(OBJECT_TYPE)
    context = records.timeline_context(
        request, contact, object_type=OBJECT_TYPE, definitions=definitions, cursor=cursor
    )
    return render(request, "contacts/_timeline_items.html", context)


@login_required
@require_POST
def contact_note(request, contact_id: int):
    contact = access.get_object_or_deny(request.user, Verb.CHANGE, _live(), pk=contact_id)
    body = request.POST.get("body", "")
    try:
        activity = services.add_note(actor=request.user, body=body, contact=contact)
    except ValidationError as error:
        message = " ".join(error.messages)
        if request.htmx:
            context = {
                "record": contact,
                "object_type": OBJECT_TYPE,
                "note_body": body,
                "note_error": message,
            }
            return render(request, "contacts/_note_form.html", context)
        context = _detail_context(request, selectors.contact_detail(request.user, contact.pk))
        context.update(note_body=body, note_error=message)
        return render(request, "contacts/contact_detail.html", context)
    if request.htmx:
        definitions = selectors.property_definitions(OBJECT_TYPE)
        return records.note_created_response(
            request, contact, activity, object_type=OBJECT_TYPE, definitions=definitions
        )
    messages.success(request, "Note added.")
    return redirect("contacts:contact_detail", contact_id=contact.pk)


def _form_page(request, form, contact: Contact | None):
    context = {"form": form, "contact": contact, "object_type": OBJECT_TYPE}
    return render(request, "contacts/contact_form.html", context)


@login_required
def contact_create(request):
    access.require_allowed(request.user, OBJECT_TYPE, Verb.CREATE)
    definitions = selectors.property_definitions(OBJECT_TYPE)
    data = request.POST if request.method == "POST" else None
    form = contact_forms.ContactForm(data, user=request.user, definitions=definitions)
    if data is not None and form.is_valid():
        try:
            contact = services.create_contact(
                actor=request.user, values=form.service_values(), tags=form.service_tags(), request=request
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"{contact.display_name} was created.")
            return redirect("contacts:contact_detail", contact_id=contact.pk)
    return _form_page(request, form, None)


@login_required
def contact_edit(request, contact_id: int):
    queryset = _live().select_related("owner", "company").prefetch_related("tags")
    contact = access.get_object_or_deny(request.user, Verb.CHANGE, queryset, pk=contact_id)
    definitions = selectors.property_definitions(OBJECT_TYPE)
    data = request.POST if request.method == "POST" else None
    form = contact_forms.ContactForm(data, user=request.user, record=contact, definitions=definitions)
    if data is not None and form.is_valid():
        try:
            services.update_contact(
                actor=request.user,
                contact=contact,
                values=form.service_values(),
                tags=form.service_tags(),
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"{contact.display_name} was saved.")
            return redirect("contacts:contact_detail", contact_id=contact.pk)
    return _form_page(request, form, contact)


@login_required
@require_GET
def company_options(request):
    """<option>s for the contact form's company select, matching what was typed (htmx)."""
    search = request.GET.get("company_search", "").strip()[:200]
    choices = contact_forms.company_choices(request.user, search=search, selected=request.GET.get("company"))
    return render(
        request,
        "contacts/_company_options.html",
        {"choices": choices, "selected": request.GET.get("company", ""), "search": search},
    )


@login_required
@require_POST
def contact_delete(request, contact_id: int):
    contact = access.get_object_or_deny(request.user, Verb.DELETE, _live(), pk=contact_id)
    services.delete_contact(actor=request.user, contact=contact, request=request)
    messages.success(
        request, f"{contact.display_name} was moved to the trash. You can restore it from the trash."
    )
    return redirect("contacts:contact_list")


@login_required
@require_POST
def contact_restore(request, contact_id: int):
    trashed = Contact.objects.filter(deleted_at__isnull=False)
    contact = access.get_object_or_deny(request.user, Verb.DELETE, trashed, pk=contact_id)
    try:
        services.restore_contact(actor=request.user, contact=contact, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("contacts:contact_trash")
    messages.success(request, f"{contact.display_name} was restored.")
    return redirect("contacts:contact_detail", contact_id=contact.pk)


@login_required
@require_GET
def contact_trash(request):
    access.require_allowed(request.user, OBJECT_TYPE, Verb.DELETE)
    context = records.trash_context(request, Contact, OBJECT_TYPE)
    return render(request, "contacts/contact_trash.html", context)
