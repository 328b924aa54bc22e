"""The generic record pages, built from a record type's declaration: list (filters, sort, keyset paging,
columns, bulk), detail (panels), create/edit form, trash, restore, timeline, note and property filter.

Every view takes `object_type` from its URL pattern (see `urls.patterns`) and reads the rest from the
registry; access goes through `tandem.core.access`, writes through the type's services.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from tandem.core import access
from tandem.core.access import Verb
from tandem.core.bulkjobs import engine as bulk_engine
from tandem.core.bulkjobs import selectors as bulk_job_selectors
from tandem.core.bulkjobs import services as bulk_jobs
from tandem.core.pagination import InvalidCursor
from tandem.core.records import columns as record_columns
from tandem.core.records import query as record_query
from tandem.core.records import registry
from tandem.core.records.forms import VERSION_FIELD, RecordForm, active_users
from tandem.core.records.registry import RecordType


def _definitions(record_type: RecordType) -> list:
    return record_type.properties.definitions() if record_type.properties is not None else []


def wants_results_only(request: HttpRequest, record_type: RecordType) -> bool:
    """An htmx request aimed at the results region gets the fragment; anything else the whole page
    (including htmx's history restore, which needs a full page to put back)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and htmx.target == record_type.results_id


def _list_page(record_type: RecordType, user, query: record_query.ListQuery):
    """Run the list selector; a stale or forged cursor shows the first page with a message, not an error."""
    try:
        return record_type.list_page(user, query.filters, sort=query.sort, cursor=query.cursor)
    except InvalidCursor as error:
        query.errors.append(f"{error} Showing the first page.")
        query.cursor = None
        return record_type.list_page(user, query.filters, sort=query.sort, cursor=None)


def _query_without_cursor(query: QueryDict) -> str:
    copy = query.copy()
    copy.pop("cursor", None)
    return copy.urlencode()


def _reverse_or_empty(name: str) -> str:
    """A page of another app, when that app is installed (the record layer does not depend on it)."""
    if not name:
        return ""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def list_context(request: HttpRequest, record_type: RecordType) -> dict[str, Any]:
    user = request.user
    access.require_allowed(user, record_type.object_type, Verb.VIEW)
    definitions = _definitions(record_type)
    needs_users = any(spec.kind == "owner" for spec in record_type.filters) or any(
        action.input == "owner" for action in record_type.bulk_actions
    )
    users = list(active_users()) if needs_users else []
    query = record_query.parse(
        record_type,
        request.GET,
        user=user,
        definitions=definitions,
        user_names={person.pk: person.display_name for person in users},
    )
    result = _list_page(record_type, user, query)
    available = record_columns.available(record_type, definitions)
    columns = record_columns.chosen(request, record_type, available)
    can_bulk_change = bool(record_type.bulk_actions) and access.allows(
        user, record_type.object_type, Verb.CHANGE
    )
    rows = record_columns.rows(
        record_type, result.page.rows, columns, definitions, selectable=can_bulk_change
    )
    context = {
        "record_type": record_type,
        "query": query,
        "result": result,
        "page": result.page,
        "definitions": definitions,
        "available_columns": available,
        "columns": columns,
        "chosen_column_keys": [column.key for column in columns],
        "rows": rows,
        # The table body as one string: each Row escapes its own parts (fields.Row), and one template
        # variable costs less than fifty.
        "rows_html": mark_safe("".join(str(row) for row in rows)),  # noqa: S308 (Row escapes every part)
        "filter_controls": record_columns.filter_controls(record_type, query, request.GET, users, user),
        "users": users,
        "sorts": record_type.sorts,
        "selected": query.selected,
        "bulk_actions": record_type.bulk_actions,
        "can_bulk_change": can_bulk_change,
        # More than this many matching: "all matching" runs as a background job with a progress page.
        "bulk_in_background": result.count > synchronous_limit()
        or (result.count_is_capped and result.count >= synchronous_limit()),
        "can_create": access.allows(user, record_type.object_type, Verb.CREATE),
        "can_delete": access.allows(user, record_type.object_type, Verb.DELETE),
        # The filter, without the page position: what bulk, columns and export carry back.
        "query_string": _query_without_cursor(request.GET),
        "list_url": reverse(record_type.url_name("list")),
        "list_links": [(label, reverse(name)) for label, name in record_type.list_links],
        "import_url": _reverse_or_empty(record_type.import_url),
        "export_url": _reverse_or_empty(record_type.export_url),
        "hidden_filters": [
            (spec.name, value)
            for spec in record_type.filters
            if not spec.in_panel
            for value in query.selected.get(spec.name, [])
        ],
    }
    if record_type.properties is not None:
        context.update(record_type.properties.filter_context(query.property_definition, request.GET))
        context["property_filter_url"] = reverse(record_type.url_name("property_filter"))
    return context


@login_required
@require_GET
def list_view(request: HttpRequest, object_type: str) -> HttpResponse:
    record_type = registry.get(object_type)
    context = list_context(request, record_type)
    template = record_type.templates.get("list", "records/list.html")
    name = f"{template}#results" if wants_results_only(request, record_type) else template
    response = render(request, name, context)
    # The same URL answers with a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
@require_GET
def property_filter_view(request: HttpRequest, object_type: str) -> HttpResponse:
    """The value control for the chosen custom property (htmx swaps it in when the property changes)."""
    record_type = registry.get(object_type)
    access.require_allowed(request.user, object_type, Verb.VIEW)
    definitions = {definition.name: definition for definition in _definitions(record_type)}
    definition = definitions.get(request.GET.get("property", ""))
    context = record_type.properties.filter_context(definition, request.GET)
    return render(request, "records/_property_filter.html", context)


def redirect_to_list(record_type: RecordType, query: str) -> HttpResponse:
    """Back to the list with the same filters; the query is re-encoded, so it cannot point elsewhere."""
    encoded = QueryDict(query[:4000]).urlencode()
    url = reverse(record_type.url_name("list"))
    return redirect(f"{url}?{encoded}" if encoded else url)


@login_required
@require_POST
def columns_view(request: HttpRequest, object_type: str) -> HttpResponse:
    record_type = registry.get(object_type)
    available = record_columns.available(record_type, _definitions(record_type))
    record_columns.save(request, record_type, request.POST.getlist("columns"), available)
    return redirect_to_list(record_type, request.POST.get("query", ""))


def _apply_bulk(request, record_type: RecordType, action, ids: list[int], value) -> None:
    """The synchronous bulk action, and its message: how many changed, how many the user may not change
    (counted by the rule the service applies, in the same transaction), how many were already so."""
    services = record_type.services
    selected = len(set(ids))
    plan = bulk_engine.Plan(
        record_type=record_type, action=action, filters=None, actor=request.user, value=value
    )
    with transaction.atomic():
        permitted = bulk_engine.permitted_count(plan, ids)
        changed = services.bulk(
            actor=request.user,
            **{services.ids_argument: ids},
            action=action.key,
            value=value,
            request=request,
        )
    sentences = bulk_job_selectors.outcome_sentences(
        record_type.verbose_name,
        record_type.verbose_name_plural,
        destructive=action.destructive,
        changed=changed,
        denied=max(0, selected - permitted),
        unchanged=max(0, min(permitted, selected) - changed),
    )
    (messages.success if changed else messages.warning)(request, " ".join(sentences))


def synchronous_limit() -> int:
    """ "All N matching" acts in the request up to this many records; more start a background bulk job
    (tandem.core.bulkjobs) and the user follows its progress page."""
    return int(getattr(settings, "TANDEM_BULK_SYNCHRONOUS_LIMIT", 10_000))


def _matching_ids(request: HttpRequest, record_type: RecordType, limit: int) -> list[int]:
    """The ids of the records the list's filter (the form's `query`) matches, up to `limit` + 1 (one more
    says "too many for one request"), read with the same grammar and selector as the list, so "all N
    matching" is exactly what the list counted."""
    query = record_query.parse(
        record_type,
        QueryDict(request.POST.get("query", "")[:4000]),
        user=request.user,
        definitions=_definitions(record_type),
    )
    if not query.is_valid:
        raise ValidationError(
            "The list's filter could not be read, so nothing was changed: " + " ".join(query.errors)
        )
    matching = record_type.filtered(request.user, query.filters).order_by().values_list("pk", flat=True)
    return list(matching[: limit + 1])


def _start_bulk_job(request: HttpRequest, record_type: RecordType) -> HttpResponse:
    """More records match than one request should change: the same action runs as a background job, and
    the user is sent to its progress page (or back to the list with the reason it could not start)."""
    action_key = request.POST.get("action", "")
    action = next((item for item in record_type.bulk_actions if item.key == action_key), None)
    value = request.POST.get(action.input_name) if action is not None and action.input_name else None
    try:
        job = bulk_jobs.start_bulk_job(
            actor=request.user,
            object_type=record_type.object_type,
            action=action_key,
            value=value,
            query=request.POST.get("query", ""),
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect_to_list(record_type, request.POST.get("query", ""))
    return redirect("bulkjobs:bulk_job_detail", job_id=job.pk)


@login_required
@require_POST
def bulk_view(request: HttpRequest, object_type: str) -> HttpResponse:
    record_type = registry.get(object_type)
    try:
        if request.POST.get("scope") == "matching":
            limit = synchronous_limit()
            ids = _matching_ids(request, record_type, limit)
            if len(ids) > limit:
                return _start_bulk_job(request, record_type)
        else:
            ids = record_query.parse_ids(request.POST.getlist("ids"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect_to_list(record_type, request.POST.get("query", ""))
    action_key = request.POST.get("action", "")
    action = next((item for item in record_type.bulk_actions if item.key == action_key), None)
    value = request.POST.get(action.input_name) if action is not None and action.input_name else None
    try:
        if action is None or record_type.services.bulk is None:
            raise ValidationError("Choose one of the actions offered.")
        _apply_bulk(request, record_type, action, ids, value)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect_to_list(record_type, request.POST.get("query", ""))


def _live(record_type: RecordType):
    return record_type.model.objects.filter(deleted_at__isnull=True)


def _panels(request: HttpRequest, record_type: RecordType, record, base: dict) -> dict[str, list[str]]:
    """The record page's sections, rendered: the type's built-in ones, then those apps registered."""
    regions: dict[str, list[str]] = {"main": [], "aside_top": [], "aside": []}
    for panel in registry.panels_for(record_type.object_type):
        extra = panel.context(request, record)
        if extra is None:
            continue
        html = render_to_string(panel.template, {**base, **extra}, request=request)
        regions.setdefault(panel.region, []).append(html)
    return regions


def detail_context(
    request: HttpRequest, record_type: RecordType, record, *, cursor: str | None = None
) -> dict:
    user = request.user
    definitions = _definitions(record_type)
    base = {
        "record_type": record_type,
        "record": record,
        "object_type": record_type.object_type,
        "can_change": access.can(user, Verb.CHANGE, record),
        "can_delete": access.can(user, Verb.DELETE, record),
    }
    context = {
        **base,
        "title": record_type.title(record),
        "subtitle": (record_type.detail_subtitle or record_type.subtitle)(record),
        "initials": record_type.initials(record),
        "facts": record_columns.facts(record_type, record),
        "note_body": "",
        "note_error": "",
    }
    if record_type.properties is not None:
        context["property_facts"] = record_type.properties.facts(record, definitions)
    if record_type.timeline is not None:
        context.update(record_type.timeline.context(request, record, definitions=definitions, cursor=cursor))
    context["panels"] = _panels(request, record_type, record, context)
    return context


def _cursor(request: HttpRequest) -> str | None:
    return request.GET.get("cursor", "").strip()[:1000] or None


def _trashed_page(request: HttpRequest, record_type: RecordType, pk: int) -> HttpResponse | None:
    """A trashed record's page says so and offers restore to who may (still a 404: the record is gone
    until restored); None when the user may not even see it."""
    trashed = record_type.model.objects.filter(deleted_at__isnull=False, pk=pk)
    record = access.scope_queryset(request.user, Verb.VIEW, trashed).first()
    if record is None:
        return None
    context = {
        "record_type": record_type,
        "record": record,
        "title": record_type.title(record),
        "can_restore": access.can(request.user, Verb.DELETE, record),
        "purge_at": record.deleted_at + timedelta(days=settings.TANDEM_TRASH_DAYS),
    }
    return render(request, "records/trashed.html", context, status=404)


@login_required
@require_GET
def detail_view(request: HttpRequest, object_type: str, pk: int) -> HttpResponse:
    record_type = registry.get(object_type)
    try:
        record = record_type.selectors.detail(request.user, pk)
    except Http404:
        trashed = _trashed_page(request, record_type, pk)
        if trashed is None:
            raise
        return trashed
    context = detail_context(request, record_type, record, cursor=_cursor(request))
    return render(request, record_type.templates.get("detail", "records/detail.html"), context)


@login_required
@require_GET
def timeline_view(request: HttpRequest, object_type: str, pk: int) -> HttpResponse:
    """The next (older) page of the timeline: a fragment for htmx, the detail page without JavaScript."""
    record_type = registry.get(object_type)
    record = record_type.selectors.detail(request.user, pk)
    cursor = _cursor(request)
    if not request.htmx:
        url = reverse(record_type.url_name("detail"), args=[record.pk])
        return redirect(f"{url}?cursor={cursor}#timeline" if cursor else url)
    context = record_type.timeline.context(
        request, record, definitions=_definitions(record_type), cursor=cursor
    )
    return render(request, record_type.timeline.items_template, context)


@login_required
@require_POST
def note_view(request: HttpRequest, object_type: str, pk: int) -> HttpResponse:
    record_type = registry.get(object_type)
    record = access.get_object_or_deny(request.user, Verb.CHANGE, _live(record_type), pk=pk)
    body = request.POST.get("body", "")
    timeline = record_type.timeline
    try:
        activity = timeline.add_note(actor=request.user, body=body, record=record)
    except ValidationError as error:
        message = " ".join(error.messages)
        if request.htmx:
            context = {**timeline.note_form_context(record), "note_body": body, "note_error": message}
            return render(request, timeline.note_form_template, context)
        context = detail_context(request, record_type, record_type.selectors.detail(request.user, record.pk))
        context.update(note_body=body, note_error=message)
        context["panels"] = _panels(request, record_type, record, context)
        return render(request, record_type.templates.get("detail", "records/detail.html"), context)
    if request.htmx:
        return timeline.note_created(request, record, activity, definitions=_definitions(record_type))
    messages.success(request, "Note added.")
    return redirect(record_type.url_name("detail"), record.pk)


def _form_page(request, record_type: RecordType, form: RecordForm, record, *, stale: bool = False):
    context = {
        "record_type": record_type,
        "form": form,
        "record": record,
        "title": record_type.title(record) if record is not None else "",
        "stale": stale,
    }
    return render(request, record_type.templates.get("form", "records/form.html"), context)


def _version(record_type: RecordType, record) -> str:
    version = getattr(record_type.services, "version", None)
    return version(record) if version is not None and record is not None else ""


@login_required
def create_view(request: HttpRequest, object_type: str) -> HttpResponse:
    record_type = registry.get(object_type)
    access.require_allowed(request.user, object_type, Verb.CREATE)
    data = request.POST if request.method == "POST" else None
    form = RecordForm(data, record_type=record_type, user=request.user, definitions=_definitions(record_type))
    if data is not None and form.is_valid():
        try:
            record = record_type.services.create(
                actor=request.user, request=request, **form.service_arguments()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"{record_type.title(record)} was created.")
            return redirect(record_type.url_name("detail"), record.pk)
    return _form_page(request, record_type, form, None)


@login_required
def edit_view(request: HttpRequest, object_type: str, pk: int) -> HttpResponse:
    record_type = registry.get(object_type)
    queryset = (
        record_type.selectors.editable(_live(record_type))
        if record_type.selectors.editable
        else _live(record_type)
    )
    record = access.get_object_or_deny(request.user, Verb.CHANGE, queryset, pk=pk)
    data = request.POST if request.method == "POST" else None
    form = RecordForm(
        data,
        record_type=record_type,
        user=request.user,
        record=record,
        definitions=_definitions(record_type),
        version=_version(record_type, record),
    )
    stale = False
    if data is not None and form.is_valid():
        services = record_type.services
        arguments = form.service_arguments()
        if services.version is not None:
            arguments["expected_version"] = form.cleaned_data.get(VERSION_FIELD) or None
        try:
            services.update(
                actor=request.user, **{services.record_argument: record}, request=request, **arguments
            )
        except ValidationError as error:
            stale = services.stale_error is not None and isinstance(error, services.stale_error)
            if stale:
                # Keep what the user typed; the next save compares against the version they have now seen.
                form.data = form.data.copy()
                form.data[VERSION_FIELD] = _version(record_type, record_type.model.objects.get(pk=record.pk))
            else:
                form.add_service_errors(error)
        else:
            messages.success(request, f"{record_type.title(record)} was saved.")
            return redirect(record_type.url_name("detail"), record.pk)
    return _form_page(request, record_type, form, record, stale=stale)


@login_required
@require_POST
def delete_view(request: HttpRequest, object_type: str, pk: int) -> HttpResponse:
    record_type = registry.get(object_type)
    record = access.get_object_or_deny(request.user, Verb.DELETE, _live(record_type), pk=pk)
    services = record_type.services
    services.delete(actor=request.user, **{services.record_argument: record}, request=request)
    messages.success(request, record_type.delete_message.format(title=record_type.title(record)))
    return redirect(record_type.url_name("list"))


@login_required
@require_POST
def restore_view(request: HttpRequest, object_type: str, pk: int) -> HttpResponse:
    record_type = registry.get(object_type)
    trashed = record_type.model.objects.filter(deleted_at__isnull=False)
    record = access.get_object_or_deny(request.user, Verb.DELETE, trashed, pk=pk)
    services = record_type.services
    try:
        services.restore(actor=request.user, **{services.record_argument: record}, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(record_type.url_name("trash"))
    messages.success(request, f"{record_type.title(record)} was restored.")
    return redirect(record_type.url_name("detail"), record.pk)


@login_required
@require_GET
def trash_view(request: HttpRequest, object_type: str) -> HttpResponse:
    record_type = registry.get(object_type)
    if not access.allows(request.user, object_type, Verb.DELETE):
        raise PermissionDenied(f"You may not see the {record_type.verbose_name_plural} trash.")
    cursor = _cursor(request)
    error = ""
    try:
        page = record_type.selectors.trash(request.user, cursor=cursor)
    except InvalidCursor as invalid:
        error = f"{invalid} Showing the first page."
        page = record_type.selectors.trash(request.user)
    days = settings.TANDEM_TRASH_DAYS
    rows = [
        (
            record,
            record_type.title(record),
            (record_type.trash_subtitle or record_type.subtitle)(record),
            record.deleted_at + timedelta(days=days),
        )
        for record in page.rows
    ]
    context = {"record_type": record_type, "page": page, "rows": rows, "trash_days": days, "error": error}
    return render(request, "records/trash.html", context)
