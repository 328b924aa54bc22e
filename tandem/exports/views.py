"""Export pages: choose format and columns for the list's current filter, follow a background export's
progress, download the file, and list my exports."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from tandem.core import access
from tandem.core.access import Verb
from tandem.core.pagination import InvalidCursor
from tandem.core.records import columns as record_columns
from tandem.core.records import registry
from tandem.exports import columns as export_columns
from tandem.exports import selectors, services
from tandem.exports.forms import ExportForm, filter_query
from tandem.exports.models import ExportJob

PROGRESS_TARGET = "export-progress"
REFUSED = (
    "This export's filter has a problem (see above), so it was not started: it could export more than "
    "you meant. Go back to the list, correct the filter and export again."
)


def _list_column_keys(request, object_type: str) -> list[str]:
    """The columns the user shows on the list (kept in the session by the list page)."""
    return record_columns.chosen_keys(request, registry.get(object_type))


@login_required
@require_http_methods(["GET", "POST"])
def export_create(request, object_type: str):
    user = request.user
    access.require_allowed(user, object_type, Verb.VIEW)
    query = filter_query(request.GET) if request.method == "GET" else request.POST.get("query", "")[:4000]
    scope = selectors.export_scope(user, object_type, query)
    catalogue = export_columns.catalogue(object_type, scope.definitions)
    always = export_columns.always_included(object_type)
    if request.method == "POST":
        form = ExportForm(request.POST, catalogue=catalogue, always=always)
        if scope.errors:
            # A filter that could not be read would export more than was meant (a misspelled owner
            # exports everyone's records): refuse, and say what to fix.
            form.add_error(None, REFUSED)
        elif form.is_valid():
            try:
                started = services.start_export(
                    actor=user,
                    object_type=object_type,
                    query=form.cleaned_data["query"],
                    column_keys=form.cleaned_data["columns"],
                    file_format=form.cleaned_data["file_format"],
                    request=request,
                )
            except ValidationError as error:
                form.add_error(None, " ".join(error.messages))
            else:
                if started.stream is not None:
                    response = StreamingHttpResponse(started.stream, content_type="text/csv; charset=utf-8")
                    response["Content-Disposition"] = (
                        f'attachment; filename="{services.download_name(started.job)}"'
                    )
                    return response
                return redirect("exports:export_detail", started.job.pk)
    else:
        initial_columns = export_columns.from_list_columns(
            object_type, _list_column_keys(request, object_type)
        )
        form = ExportForm(
            initial={"query": query, "columns": initial_columns}, catalogue=catalogue, always=always
        )
    count, capped = selectors.capped_count(scope)
    context = {
        "form": form,
        "object_type": object_type,
        "plural": "contacts" if object_type == "contact" else "companies",
        "count": count,
        "count_is_capped": capped,
        "direct_limit": selectors.DIRECT_DOWNLOAD_LIMIT,
        "filter_labels": scope.filter_labels,
        "filter_errors": scope.errors,
        "list_url": registry.get(object_type).url_name("list"),
        "query": query,
    }
    response = render(request, "exports/export_form.html", context)
    if request.method == "GET" and getattr(request, "htmx", None):
        # The list's Export button swaps this page in with htmx: the address bar must show this page's own
        # URL (with the list's filter), whatever the list's pending requests push.
        response["HX-Push-Url"] = request.get_full_path()
    return response


def _owned_or_404(request, export_id: int) -> ExportJob:
    job = selectors.owned_export(request.user, export_id)
    if job is None:
        raise Http404("No such export.")
    return job


@login_required
@require_GET
def export_detail(request, export_id: int):
    job = _owned_or_404(request, export_id)
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and not htmx.history_restore_request and htmx.target == PROGRESS_TARGET
    template = "exports/export_detail.html#progress" if partial else "exports/export_detail.html"
    context = {"job": job, "progress_target": PROGRESS_TARGET, "keep_days": services.keep_days()}
    return render(request, template, context)


@login_required
@require_GET
def export_download(request, export_id: int):
    job = _owned_or_404(request, export_id)
    path = services.file_path(job)
    if path is None or not path.is_file():
        raise Http404("This export has no file to download.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=services.download_name(job))


@login_required
@require_GET
def export_list(request):
    cursor = request.GET.get("cursor", "").strip()[:1000] or None
    error = ""
    try:
        page = selectors.my_exports(request.user, cursor)
    except InvalidCursor as invalid:
        error = f"{invalid} Showing the newest exports."
        page = selectors.my_exports(request.user)
    return render(request, "exports/export_list.html", {"page": page, "error": error})
