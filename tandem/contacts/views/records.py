"""What the contact and company pages share: list context, htmx partial choice, bulk messages, detail
timelines and the trash. Each function takes the object type's own selectors and services as arguments,
so the two page sets stay the same shape without knowing each other."""

import functools
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django_countries import countries

from tandem.contacts import forms as contact_forms
from tandem.contacts import selectors
from tandem.contacts.forms import PROPERTY_SET, PROPERTY_UNSET
from tandem.contacts.models import PropertyType
from tandem.contacts.views import columns as list_columns
from tandem.contacts.views import timeline as timeline_display
from tandem.core.models import Team
from tandem.core.pagination import InvalidCursor

TIMELINE_PAGE_SIZE = 25


def results_target(object_type: str) -> str:
    """The id of the element a list's htmx requests replace."""
    return f"{object_type}-results"


def wants_results_only(request: HttpRequest, object_type: str) -> bool:
    """An htmx request aimed at the results region gets the fragment; anything else the whole page
    (including htmx's history restore, which needs a full page to put back)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and htmx.target == results_target(object_type)


def render_list(request: HttpRequest, template: str, context: dict, object_type: str) -> HttpResponse:
    name = f"{template}#results" if wants_results_only(request, object_type) else template
    response = render(request, name, context)
    # The same URL answers with a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def filter_choices() -> tuple[dict, dict]:
    """Users and teams for the owner and team filters, by id (two small queries)."""
    users = {user.pk: user for user in contact_forms.active_users()}
    teams = {team.pk: team for team in Team.objects.order_by("name")}
    return users, teams


def selected_values(query: QueryDict, names: tuple[str, ...]) -> dict[str, list[str]]:
    return {name: query.getlist(name) for name in names}


def list_page(fetch: Callable, query: contact_forms.ListQuery):
    """Run the list selector; a stale or forged cursor shows the first page with a message, not an error."""
    try:
        return fetch(cursor=query.cursor)
    except InvalidCursor as error:
        query.errors.append(f"{error} Showing the first page.")
        query.cursor = None
        return fetch(cursor=None)


def property_filter_context(definition, query: QueryDict) -> dict:
    return {
        "property_definition": definition,
        "property_value": query.get("property_value", ""),
        "property_from": query.get("property_from", ""),
        "property_to": query.get("property_to", ""),
        "property_set": PROPERTY_SET,
        "property_unset": PROPERTY_UNSET,
        "property_input_type": (
            "date" if definition is not None and definition.value_type == PropertyType.DATE else "text"
        ),
        "property_is_range": definition is not None
        and definition.value_type in (PropertyType.NUMBER, PropertyType.DATE),
        "property_has_options": definition is not None
        and definition.value_type in (PropertyType.CHOICE, PropertyType.MULTI_CHOICE, PropertyType.BOOLEAN),
        "property_options": _property_options(definition),
    }


def _property_options(definition) -> list[tuple[str, str]]:
    if definition is None:
        return []
    if definition.value_type == PropertyType.BOOLEAN:
        return [("yes", "Yes"), ("no", "No")]
    return [(choice, choice) for choice in definition.choices]


@functools.cache
def _country_option_parts(language: str) -> tuple[tuple[str, str], ...]:
    return tuple((escape(code), escape(str(name))) for code, name in countries)


def country_options(selected: list[str]) -> str:
    """The country filter's <option>s, escaped once per process and language: 250 options rendered by the
    template engine from lazy translated names cost more than the rest of the page (docs/benchmarks.md)."""
    chosen = set(selected)
    return mark_safe(  # noqa: S308 (codes and names are escaped in _country_option_parts)
        "".join(
            f'<option value="{code}"{" selected" if code in chosen else ""}>{name}</option>'
            for code, name in _country_option_parts(get_language() or "")
        )
    )


def common_list_context(request: HttpRequest, query: contact_forms.ListQuery, result, definitions) -> dict:
    return {
        "query": query,
        "result": result,
        "page": result.page,
        "definitions": definitions,
        "country_options": country_options(request.GET.getlist("country")),
        "query_string": request.GET.urlencode(),
        **property_filter_context(query.property_definition, request.GET),
    }


def columns_context(request, object_type: str, available, default) -> dict:
    chosen = list_columns.chosen_columns(request, object_type, available, default)
    return {
        "available_columns": available,
        "columns": chosen,
        "chosen_column_keys": [column.key for column in chosen],
    }


def save_columns_and_return(request, object_type: str, available, list_url_name: str):
    list_columns.save_columns(request, object_type, request.POST.getlist("columns"), available)
    return redirect_to_list(list_url_name, request.POST.get("query", ""))


def redirect_to_list(list_url_name: str, query: str):
    """Back to the list with the same filters; the query is re-encoded, so it cannot point elsewhere."""
    encoded = QueryDict(query[:4000]).urlencode()
    url = reverse(list_url_name)
    return redirect(f"{url}?{encoded}" if encoded else url)


def bulk_message(request, *, changed: int, selected: int, nouns: tuple[str, str], action: str) -> None:
    """ "Updated 3 contacts." plus how many of the selection were skipped; `nouns` is (singular, plural)."""
    noun = nouns[0] if changed == 1 else nouns[1]
    verb = "Moved" if action == "delete" else "Updated"
    text = f"{verb} {changed:,} {noun}{' to the trash' if action == 'delete' else ''}."
    skipped = selected - changed
    if skipped > 0:
        text += f" {skipped:,} skipped: not yours to change, or already like that."
    (messages.success if changed else messages.warning)(request, text)


def timeline_context(request, record, *, object_type: str, definitions, cursor: str | None) -> dict:
    """One page of a record's timeline as readable entries, with the link to the next (older) page."""
    error = ""
    lookup = {object_type: record}
    try:
        page = selectors.timeline(**lookup, cursor=cursor, limit=TIMELINE_PAGE_SIZE)
    except InvalidCursor as invalid:
        error = f"{invalid} Showing the newest entries."
        page = selectors.timeline(**lookup, limit=TIMELINE_PAGE_SIZE)
    entries = timeline_display.present(
        request.user, page.rows, definitions=definitions, show_contact=object_type == "company"
    )
    timeline_url = reverse(f"contacts:{object_type}_timeline", args=[record.pk])
    return {
        "timeline_entries": entries,
        "timeline_page": page,
        "timeline_error": error,
        "timeline_next_url": f"{timeline_url}?cursor={page.next_cursor}" if page.next_cursor else "",
        "timeline_is_first_page": not cursor or bool(error),
    }


def note_created_response(request, record, activity, *, object_type: str, definitions) -> HttpResponse:
    entries = timeline_display.present(
        request.user, [activity], definitions=definitions, show_contact=object_type == "company"
    )
    return render(
        request,
        "contacts/_note_created.html",
        {
            "record": record,
            "entry": entries[0],
            "object_type": object_type,
            "note_body": "",
            "note_error": "",
        },
    )


def trash_context(request, model, object_type: str) -> dict:
    cursor = request.GET.get("cursor", "").strip()[:1000] or None
    error = ""
    try:
        page = selectors.trash(request.user, model, cursor=cursor)
    except InvalidCursor as invalid:
        error = f"{invalid} Showing the first page."
        page = selectors.trash(request.user, model)
    days = settings.TANDEM_TRASH_DAYS
    rows = [(record, record.deleted_at + timedelta(days=days)) for record in page.rows]
    return {"page": page, "rows": rows, "trash_days": days, "error": error, "object_type": object_type}
