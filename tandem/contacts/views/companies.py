"""Company pages: list, detail with its contacts and timeline, create/edit, trash, bulk actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tandem.contacts import forms as contact_forms
from tandem.contacts import selectors, services
from tandem.contacts.models import Company
from tandem.contacts.views import columns as list_columns
from tandem.contacts.views import records
from tandem.contacts.views.duplicates import merges_context
from tandem.core import access
from tandem.core.access import Verb

OBJECT_TYPE = "company"
FILTER_NAMES = ("owner", "team", "country")
BULK_ACTIONS = [("assign_owner", "Assign owner"), ("delete", "Move to trash")]
CONTACTS_SHOWN = 20


def _live():
    return Company.objects.filter(deleted_at__isnull=True)


def _available_columns(definitions):
    return list_columns.available_columns(list_columns.COMPANY_COLUMNS, definitions)


@login_required
@require_GET
def company_list(request):
    user = request.user
    access.require_allowed(user, OBJECT_TYPE, Verb.VIEW)
    definitions = selectors.property_definitions(OBJECT_TYPE)
    users, teams = records.filter_choices()
    query = contact_forms.parse_company_query(request.GET, definitions=definitions, users=users, teams=teams)
    result = records.list_page(
        lambda cursor: selectors.company_list(user, query.filters, sort=query.sort, cursor=cursor), query
    )
    column_context = records.columns_context(
        request, OBJECT_TYPE, _available_columns(definitions), list_columns.DEFAULT_COMPANY_COLUMNS
    )
    can_bulk_change = access.allows(user, OBJECT_TYPE, Verb.CHANGE)
    context = {
        **records.common_list_context(request, query, result, definitions),
        **column_context,
        "rows": list_columns.company_rows(
            result.page.rows, column_context["columns"], definitions, selectable=can_bulk_change
        ),
        "users": users.values(),
        "teams": teams.values(),
        "sorts": [(key, label) for key, (label, _) in selectors.COMPANY_SORTS.items()],
        "selected": records.selected_values(request.GET, FILTER_NAMES),
        "bulk_actions": BULK_ACTIONS,
        "can_bulk_change": can_bulk_change,
        "can_create": access.allows(user, OBJECT_TYPE, Verb.CREATE),
    }
    return records.render_list(request, "contacts/company_list.html", context, OBJECT_TYPE)


@login_required
@require_GET
def company_property_filter(request):
    definitions = {definition.name: definition for definition in selectors.property_definitions(OBJECT_TYPE)}
    definition = definitions.get(request.GET.get("property", ""))
    return render(
        request, "contacts/_property_filter.html", records.property_filter_context(definition, request.GET)
    )


@login_required
@require_POST
def company_columns(request):
    definitions = selectors.property_definitions(OBJECT_TYPE)
    return records.save_columns_and_return(
        request, OBJECT_TYPE, _available_columns(definitions), "contacts:company_list"
    )


@login_required
@require_POST
def company_bulk(request):
    ids = contact_forms.parse_ids(request.POST.getlist("ids"))
    action = request.POST.get("action", "")
    value = request.POST.get("owner") if action == "assign_owner" else None
    try:
        changed = services.bulk_update_companies(
            actor=request.user, company_ids=ids, action=action, value=value, request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        records.bulk_message(
            request, changed=changed, selected=len(set(ids)), nouns=("company", "companies"), action=action
        )
    return records.redirect_to_list("contacts:company_list", request.POST.get("query", ""))


def _detail_context(request, company: Company, *, cursor: str | None = None) -> dict:
    user = request.user
    definitions = selectors.property_definitions(OBJECT_TYPE)
    contacts = selectors.company_contacts(user, company, limit=CONTACTS_SHOWN + 1)
    return {
        "company": company,
        "record": company,
        "object_type": OBJECT_TYPE,
        "initials": company.name[:2].upper(),
        "property_facts": list_columns.property_facts(company, definitions),
        "company_contacts": contacts[:CONTACTS_SHOWN],
        "more_contacts": len(contacts) > CONTACTS_SHOWN,
        "contacts_url": f"{reverse('contacts:contact_list')}?company={company.pk}",
        "can_change": access.can(user, Verb.CHANGE, company),
        "can_delete": access.can(user, Verb.DELETE, company),
        "can_create_contact": access.allows(user, "contact", Verb.CREATE),
        "note_body": "",
        "note_error": "",
        **merges_context(user, company, OBJECT_TYPE),
        **records.timeline_context(
            request, company, object_type=OBJECT_TYPE, definitions=definitions, cursor=cursor
        ),
    }


@login_required
@require_GET
def company_detail(request, company_id: int):
    company = selectors.company_detail(request.user, company_id)
    cursor = request.GET.get("cursor", "").strip()[:1000] or None
    return render(request, "contacts/company_detail.html", _detail_context(request, company, cursor=cursor))


@login_required
@require_GET
def company_timeline(request, company_id: int):
    company = selectors.company_detail(request.user, company_id)
    cursor = request.GET.get("cursor", "").strip()[:1000] or None
    if not request.htmx:
        url = reverse("contacts:company_detail", args=[company.pk])
        return redirect(f"{url}?cursor={cursor}#timeline" if cursor else url)
    definitions = selectors.property_definitions(OBJECT_TYPE)
    context = records.timeline_context(
        request, company, object_type=OBJECT_TYPE, definitions=definitions, cursor=cursor
    )
    return render(request, "contacts/_timeline_items.html", context)


@login_required
@require_POST
def company_note(request, company_id: int):
    company = access.get_object_or_deny(request.user, Verb.CHANGE, _live(), pk=company_id)
    body = request.POST.get("body", "")
    try:
        activity = services.add_note(actor=request.user, body=body, company=company)
    except ValidationError as error:
        message = " ".join(error.messages)
        if request.htmx:
            context = {
                "record": company,
                "object_type": OBJECT_TYPE,
                "note_body": body,
                "note_error": message,
            }
            return render(request, "contacts/_note_form.html", context)
        context = _detail_context(request, selectors.company_detail(request.user, company.pk))
        context.update(note_body=body, note_error=message)
        return render(request, "contacts/company_detail.html", context)
    if request.htmx:
        definitions = selectors.property_definitions(OBJECT_TYPE)
        return records.note_created_response(
            request, company, activity, object_type=OBJECT_TYPE, definitions=definitions
        )
    messages.success(request, "Note added.")
    return redirect("contacts:company_detail", company_id=company.pk)


def _form_page(request, form, company: Company | None):
    return render(request, "contacts/company_form.html", {"form": form, "company": company})


@login_required
def company_create(request):
    access.require_allowed(request.user, OBJECT_TYPE, Verb.CREATE)
    definitions = selectors.property_definitions(OBJECT_TYPE)
    data = request.POST if request.method == "POST" else None
    form = contact_forms.CompanyForm(data, user=request.user, definitions=definitions)
    if data is not None and form.is_valid():
        try:
            company = services.create_company(
                actor=request.user, values=form.service_values(), request=request
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"{company.name} was created.")
            return redirect("contacts:company_detail", company_id=company.pk)
    return _form_page(request, form, None)


@login_required
def company_edit(request, company_id: int):
    company = access.get_object_or_deny(request.user, Verb.CHANGE, _live(), pk=company_id)
    definitions = selectors.property_definitions(OBJECT_TYPE)
    data = request.POST if request.method == "POST" else None
    form = contact_forms.CompanyForm(data, user=request.user, record=company, definitions=definitions)
    if data is not None and form.is_valid():
        try:
            services.update_company(
                actor=request.user, company=company, values=form.service_values(), request=request
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"{company.name} was saved.")
            return redirect("contacts:company_detail", company_id=company.pk)
    return _form_page(request, form, company)


@login_required
@require_POST
def company_delete(request, company_id: int):
    company = access.get_object_or_deny(request.user, Verb.DELETE, _live(), pk=company_id)
    services.delete_company(actor=request.user, company=company, request=request)
    messages.success(request, f"{company.name} was moved to the trash. Its contacts stay where they are.")
    return redirect("contacts:company_list")


@login_required
@require_POST
def company_restore(request, company_id: int):
    trashed = Company.objects.filter(deleted_at__isnull=False)
    company = access.get_object_or_deny(request.user, Verb.DELETE, trashed, pk=company_id)
    try:
        services.restore_company(actor=request.user, company=company, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("contacts:company_trash")
    messages.success(request, f"{company.name} was restored.")
    return redirect("contacts:company_detail", company_id=company.pk)


@login_required
@require_GET
def company_trash(request):
    access.require_allowed(request.user, OBJECT_TYPE, Verb.DELETE)
    context = records.trash_context(request, Company, OBJECT_TYPE)
    return render(request, "contacts/company_trash.html", context)
