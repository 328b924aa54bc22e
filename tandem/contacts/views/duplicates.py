"""Duplicate management pages: suggested pairs per reason, the side-by-side merge page, undo of a merge."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tandem.contacts import duplicates, selectors
from tandem.contacts.models import Company, Contact, MergeRecord
from tandem.contacts.records.properties import display_property
from tandem.contacts.records.timeline_kinds import field_label
from tandem.contacts.services import merge as merge_services
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.display import sentence
from tandem.core.pagination import InvalidCursor

NOUNS = {"contact": ("contact", "contacts"), "company": ("company", "companies")}
EXTRA_LABELS = {"external_id": "External id"}


def _live(object_type: str):
    return duplicates.model_for(object_type).objects.filter(deleted_at__isnull=True)


def _pairs_page(request, object_type: str):
    user = request.user
    access.require_allowed(user, object_type, Verb.VIEW)
    reasons = duplicates.reasons_for(object_type)
    reason_key = request.GET.get("reason", "")
    if reason_key not in reasons:
        reason_key = next(iter(reasons))
    cursor = request.GET.get("cursor", "").strip()[:1000] or None
    error = ""
    try:
        page, groups = duplicates.duplicate_groups(user, object_type, reason_key, cursor=cursor)
    except InvalidCursor as invalid:
        error = f"{invalid} Showing the first page."
        page, groups = duplicates.duplicate_groups(user, object_type, reason_key)
    return render(
        request,
        "contacts/duplicates.html",
        {
            "object_type": object_type,
            "reasons": reasons.values(),
            "reason": reasons[reason_key],
            "page": page,
            "groups": groups,
            "pair_count": sum(len(group.pairs) for group in groups),
            "error": error,
            "can_merge": access.allows(user, object_type, Verb.DELETE),
            "can_dismiss": access.allows(user, object_type, Verb.CHANGE),
            # Where "Not a duplicate" returns to: this reason, this page.
            "query_string": urlencode(
                {"reason": reason_key, **({"cursor": cursor} if cursor and not error else {})}
            ),
        },
    )


@login_required
@require_GET
def contact_duplicates(request):
    return _pairs_page(request, "contact")


@login_required
@require_GET
def company_duplicates(request):
    return _pairs_page(request, "company")


def _back_to_duplicates(object_type: str, query: str):
    """Back to the duplicates page with the same reason and page; the query is re-encoded, so it cannot
    point elsewhere."""
    encoded = QueryDict(query[:2000]).urlencode()
    url = reverse(f"contacts:{object_type}_duplicates")
    return redirect(f"{url}?{encoded}" if encoded else url)


def _dismiss(request, object_type: str):
    live = _live(object_type)
    first = access.get_object_or_deny(request.user, Verb.VIEW, live, pk=request.POST.get("first"))
    second = access.get_object_or_deny(request.user, Verb.VIEW, live, pk=request.POST.get("second"))
    try:
        merge_services.dismiss_duplicate(
            actor=request.user, object_type=object_type, first=first, second=second
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{first} and {second} will not be suggested as duplicates again.")
    return _back_to_duplicates(object_type, request.POST.get("query", ""))


@login_required
@require_POST
def contact_duplicate_dismiss(request):
    return _dismiss(request, "contact")


@login_required
@require_POST
def company_duplicate_dismiss(request):
    return _dismiss(request, "company")


def _label(name: str, definitions: dict) -> str:
    if name.startswith("properties."):
        definition = definitions.get(name.removeprefix("properties."))
        return definition.label if definition else name.removeprefix("properties.")
    return EXTRA_LABELS.get(name) or field_label(name)


def _display(record, name: str, definitions: dict) -> str:
    """A value as the merge page shows it: names for linked records, labels for choices."""
    if name.startswith("properties."):
        value = merge_services.field_value(record, name)
        definition = definitions.get(name.removeprefix("properties."))
        return display_property(definition, value) if definition else ("" if value is None else str(value))
    if name == "company":
        return record.company.name if record.company_id else ""
    if name == "owner":
        return record.owner.display_name if record.owner_id else ""
    if name == "country":
        return str(record.country.name) if record.country else ""
    if name in ("lifecycle_stage", "lead_status", "size"):
        return str(getattr(record, f"get_{name}_display")()) if getattr(record, name) else ""
    value = getattr(record, name)
    return "" if value is None else str(value)


def _merge_rows(object_type: str, survivor, other, chosen: dict[str, str]) -> list[dict]:
    definitions = {definition.name: definition for definition in selectors.property_definitions(object_type)}
    rows = []
    for name in merge_services.choice_keys(object_type, survivor, other):
        survivor_value, other_value = (
            _display(survivor, name, definitions),
            _display(other, name, definitions),
        )
        if not survivor_value and not other_value:
            continue  # empty on both sides: nothing to choose
        rows.append(
            {
                "key": name,
                "input_name": f"choice.{name}",
                "label": _label(name, definitions),
                "survivor_value": survivor_value,
                "other_value": other_value,
                "same": merge_services.field_value(survivor, name) == merge_services.field_value(other, name),
                "choice": chosen.get(name, merge_services.SURVIVOR),
            }
        )
    return rows


def _merge_page(request, object_type: str):
    user = request.user
    source = request.POST if request.method == "POST" else request.GET
    queryset = _live(object_type)
    if object_type == "contact":
        queryset = queryset.select_related("owner", "company")
    else:
        queryset = queryset.select_related("owner")
    survivor = access.get_object_or_deny(user, Verb.VIEW, queryset, pk=source.get("survivor"))
    other = access.get_object_or_deny(user, Verb.VIEW, queryset, pk=source.get("other"))
    if survivor.pk == other.pk:
        raise Http404("Choose two different records.")
    chosen = merge_services.default_choices(object_type, survivor, other)
    error = ""
    if request.method == "POST":
        submitted = {
            key.removeprefix("choice."): value
            for key, value in request.POST.items()
            if key.startswith("choice.")
        }
        chosen.update(submitted)
        merge = merge_services.merge_contacts if object_type == "contact" else merge_services.merge_companies
        try:
            merge(actor=user, survivor=survivor, other=other, choices=submitted, request=request)
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
        else:
            # Duplicates often share a name: say which record stayed by what tells them apart.
            messages.success(
                request,
                sentence(
                    "{} was merged into {}, which stays. The other went to the trash; you can undo the merge"
                    " from this page.",
                    _identity(other),
                    _identity(survivor),
                ),
            )
            return redirect(f"contacts:{object_type}_detail", survivor.pk)
    return render(
        request,
        "contacts/merge.html",
        {
            "object_type": object_type,
            "noun": NOUNS[object_type][0],
            "survivor": survivor,
            "other": other,
            "rows": _merge_rows(object_type, survivor, other, chosen),
            "error": error,
            "allowed": access.can(user, Verb.CHANGE, survivor) and access.can(user, Verb.DELETE, other),
            "swap_url": reverse(f"contacts:{object_type}_merge")
            + f"?survivor={other.pk}&other={survivor.pk}",
            "detail_url_name": f"contacts:{object_type}_detail",
        },
    )


@login_required
def contact_merge(request):
    return _merge_page(request, "contact")


@login_required
def company_merge(request):
    return _merge_page(request, "company")


def _undo(request, object_type: str, merge_id: int):
    merge = MergeRecord.objects.filter(object_type=object_type, pk=merge_id).first()
    if merge is None:
        raise Http404("Not found.")
    survivor = access.get_object_or_deny(request.user, Verb.VIEW, _live(object_type), pk=merge.survivor_id)
    try:
        merge_services.undo_merge(actor=request.user, merge=merge, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The merge was undone: {merge.other_name} is back.")
    return redirect(f"contacts:{object_type}_detail", survivor.pk)


@login_required
@require_POST
def contact_merge_undo(request, merge_id: int):
    return _undo(request, "contact", merge_id)


@login_required
@require_POST
def company_merge_undo(request, merge_id: int):
    return _undo(request, "company", merge_id)


def merges_context(user, record: Contact | Company, object_type: str) -> dict:
    """The merge panel on a record's page: past merges into it, and which one may be undone now."""
    return {
        "merges": duplicates.merge_history(object_type, record.pk),
        "undoable_merge_id": duplicates.undoable_merge_id(object_type, record.pk),
        "can_undo_merge": access.can(user, Verb.CHANGE, record),
    }


def _identity(record) -> str:
    """A record's name with what tells it apart from a namesake: the email or domain, else its number."""
    detail = getattr(record, "email", "") or getattr(record, "domain", "") or f"#{record.pk}"
    return f"{record} ({detail})"
