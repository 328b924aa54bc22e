"""Import pages: list, upload, column mapping, dry-run report, the job with its live progress, bad rows, undo.

Thin views: each parses its input, calls one service or selector, and renders a page or an htmx fragment.
Importing contacts needs the right to create contacts (companies: companies); a user sees the imports they
started, an admin sees all of them (tandem.imports.selectors.visible_imports).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.contacts.properties import definitions_for
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.pagination import InvalidCursor
from tandem.core.records.fields import property_name
from tandem.imports import mapping, readers, selectors, services
from tandem.imports.forms import MappingForm, UploadForm
from tandem.imports.models import ObjectType, Status

# While the job is in one of these states its page asks for fresh progress every second.
POLLING_STATUSES = {Status.QUEUED, Status.RUNNING, Status.UNDOING, Status.DRY_RUN}
REPORT_EXAMPLES = 20
# Labels for the engine's report counts; a count without one is labelled from its key.
REPORT_LABELS = {
    "total_rows": "Rows in the file",
    "to_create": "Records to create",
    "to_update": "Records to update",
    "to_skip": "Existing records to leave alone",
    "invalid_rows": "Rows with errors",
    "duplicates_in_file": "Duplicates inside the file",
    "matches_in_database": "Already in Tandem",
    "companies_to_create": "Companies to create",
    "rows_linked_to_companies": "Rows linked to a company",
}


def count_label(name: str) -> str:
    return REPORT_LABELS.get(name, name.replace("_", " ").capitalize())


def require_import_right(user, object_type: str) -> None:
    """Importing is creating: a user who may not create contacts (or companies) may not import them."""
    if object_type not in ObjectType.values or not access.allows(user, object_type, Verb.CREATE):
        raise PermissionDenied("You may not import these records.")


def first_message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        for messages_list in error.message_dict.values():
            if messages_list:
                return messages_list[0]
    return error.messages[0] if error.messages else "This did not work."


def add_form_errors(form, error: ValidationError) -> None:
    """A service's ValidationError on the form: by field where the form has that field, else on the form."""
    if hasattr(error, "error_dict"):
        for name, field_messages in error.message_dict.items():
            target = name if name in form.fields else None
            if name.startswith("mapping."):
                column = f"column_{name.split('.', 1)[1]}"
                target = column if column in form.fields else None
            for message in field_messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


@login_required
@require_GET
def import_list(request):
    cursor = request.GET.get("cursor") or None
    try:
        page = selectors.import_list(request.user, cursor=cursor)
    except InvalidCursor:
        page = selectors.import_list(request.user, cursor=None)
    return render(
        request,
        "imports/import_list.html",
        {
            "page": page,
            "jobs": page.rows,
            "can_import_contacts": access.allows(request.user, "contact", Verb.CREATE),
            "can_import_companies": access.allows(request.user, "company", Verb.CREATE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request):
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        # Checked before anything is stored: a read-only user's upload never reaches the disk.
        require_import_right(request.user, request.POST.get("object_type", ""))
        if form.is_valid():
            try:
                job = services.create_import(
                    actor=request.user,
                    object_type=form.cleaned_data["object_type"],
                    uploaded_file=form.cleaned_data["file"],
                )
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                return redirect("imports:import_mapping", job_id=job.pk)
    else:
        object_type = request.GET.get("object_type", ObjectType.CONTACT)
        if object_type not in ObjectType.values:
            object_type = ObjectType.CONTACT
        require_import_right(request.user, object_type)
        form = UploadForm(initial={"object_type": object_type})
    return render(request, "imports/import_new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request, job_id: int):
    job = selectors.import_detail(request.user, job_id)
    require_import_right(request.user, job.object_type)
    if job.status not in (Status.UPLOADED, Status.READY, Status.FAILED) or job.started_at is not None:
        return redirect("imports:import_detail", job_id=job.pk)
    definitions = list(definitions_for(job.object_type).values())
    sample_rows = readers.first_rows(
        job.stored_path, kind=job.file_kind, encoding=job.encoding, delimiter=job.delimiter
    )
    form_kwargs = {"job": job, "definitions": definitions, "sample_rows": sample_rows}
    if request.method == "POST":
        form = MappingForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                services.set_mapping(
                    actor=request.user,
                    job=job,
                    mapping=form.mapping(),
                    key=form.cleaned_data["key"],
                    mode=form.cleaned_data["mode"],
                )
                services.run_dry_run(actor=request.user, job=job)
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                return redirect("imports:import_dry_run", job_id=job.pk)
    else:
        form = MappingForm(**form_kwargs)
    return render(
        request,
        "imports/import_mapping.html",
        {"job": job, "form": form, "columns": form.bound_columns()},
        status=400 if form.errors else 200,
    )


def report_context(report: dict | None, object_type: str = "") -> dict:
    """The dry-run report as the page shows it: its counts, and example problems with row numbers.

    The report is the engine's dict; counts are its whole-number entries, examples its lists of rows."""
    counts, examples = [], []
    for name, value in (report or {}).items():
        if isinstance(value, bool) or name in CHANGE_KEYS:
            continue
        if isinstance(value, int):
            counts.append({"name": name, "label": count_label(name), "value": value})
        elif isinstance(value, dict):
            for sub_name, sub_value in value.items():
                if isinstance(sub_value, int) and not isinstance(sub_value, bool):
                    counts.append(
                        {
                            "name": sub_name,
                            "label": sub_name.replace("_", " ").capitalize(),
                            "value": sub_value,
                        }
                    )
                elif isinstance(sub_value, list):
                    examples.extend(item for item in sub_value if isinstance(item, dict))
        elif isinstance(value, list):
            examples.extend(item for item in value if isinstance(item, dict))
    rows = [
        {
            "row_number": item.get("row_number", item.get("row", "")),
            "reason": item.get("reason", item.get("message", item.get("error", ""))),
        }
        for item in examples
    ]
    rows.sort(key=lambda row: (not isinstance(row["row_number"], int), row["row_number"] or 0))
    return {
        "counts": counts,
        "examples": rows[:REPORT_EXAMPLES],
        **change_context(report or {}, object_type),
    }


# The report's description of what updates change; shown in their own table, not as counts or problems.
CHANGE_KEYS = {"fields_to_change", "update_samples"}
# The report names a related record by its field ("company", {id, name}); one written before that named
# the column ("company_id") with the bare id.
REPORT_COLUMN_LABELS = {
    "owner": "Owner",
    "company": "Company",
    "owner_id": "Owner",
    "company_id": "Company",
    "tags": "Tags",
}


def report_field_label(name: str, property_labels: dict[str, str] | None = None) -> str:
    """A field the dry run says will change, as the mapping menu names it ("Owner (by email)"); a custom
    property by its label ("Renewal date"), from `property_labels` (name -> label)."""
    custom = property_name(name)
    if custom is not None:
        return (property_labels or {}).get(custom) or custom.replace("_", " ").capitalize()
    if name in REPORT_COLUMN_LABELS:
        return REPORT_COLUMN_LABELS[name]
    for object_type in ObjectType.values:
        label = dict(mapping.target_fields(object_type)).get(name)
        if label:
            return label
    return name.replace("_", " ").capitalize()


def shown_value(value) -> str:
    if value in (None, "", []):
        return "(empty)"
    if isinstance(value, dict) and "id" in value:
        # A related record ({id, name}); one deleted since the check has no name left.
        return str(value.get("name") or f"#{value['id']}")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def change_context(report: dict, object_type: str = "") -> dict:
    """Per field, how many records the import will change; and a sample of rows with each field's old and
    new value, so "121 to update" says what the update does. Custom properties are named by their labels
    (one query for the type's definitions, only when the report changes one)."""
    fields = report.get("fields_to_change") or {}
    samples = report.get("update_samples") or []
    labels: dict[str, str] = {}
    if object_type and any(property_name(name) is not None for name in fields):
        labels = {name: item.label for name, item in definitions_for(object_type).items()}
    return {
        "fields_to_change": [
            {"name": name, "label": report_field_label(name, labels), "count": count}
            for name, count in sorted(fields.items(), key=lambda item: (-item[1], item[0]))
        ],
        "change_samples": [
            {
                "row_number": sample.get("row"),
                "label": report_field_label(name, labels),
                "old": shown_value(old),
                "new": shown_value(new),
            }
            for sample in samples
            if isinstance(sample, dict)
            for name, (old, new) in (sample.get("changes") or {}).items()
        ][: REPORT_EXAMPLES * 3],
    }


@login_required
@require_GET
def import_dry_run(request, job_id: int):
    job = selectors.import_detail(request.user, job_id)
    if job.started_at is not None or job.status in (
        Status.QUEUED,
        Status.RUNNING,
        Status.DONE,
        Status.UNDONE,
    ):
        return redirect("imports:import_detail", job_id=job.pk)
    context = {
        "job": job,
        "report": report_context(job.dry_run_report, job.object_type),
        "checking": job.status == Status.DRY_RUN,
        "can_start": job.status == Status.READY,
    }
    response = render(request, "imports/import_dry_run.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def import_start(request, job_id: int):
    job = selectors.import_detail(request.user, job_id)
    require_import_right(request.user, job.object_type)
    try:
        services.start_import(actor=request.user, job=job)
    except ValidationError as error:
        messages.error(request, first_message(error))
        return redirect("imports:import_dry_run", job_id=job.pk)
    return redirect("imports:import_detail", job_id=job.pk)


@login_required
@require_GET
def import_detail(request, job_id: int):
    job = selectors.import_detail(request.user, job_id)
    context = {
        "job": job,
        "progress": selectors.progress(job),
        "polling": job.status in POLLING_STATUSES,
        "row_errors": selectors.row_errors(job),
        "can_undo": job.status in (Status.DONE, Status.FAILED) and job.started_at is not None,
    }
    template = "imports/import_detail.html"
    # The progress bar polls itself; each poll gets only the fragment.
    if request.htmx and request.htmx.target == "import-progress":
        template += "#progress"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
@require_GET
def import_errors(request, job_id: int):
    job = selectors.import_detail(request.user, job_id)
    response = StreamingHttpResponse(services.error_rows_csv(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{services.error_rows_file_name(job)}"'
    return response


@login_required
@require_POST
def import_undo(request, job_id: int):
    job = selectors.import_detail(request.user, job_id)
    require_import_right(request.user, job.object_type)
    try:
        services.undo_import(actor=request.user, job=job)
    except ValidationError as error:
        messages.error(request, first_message(error))
    else:
        messages.success(request, f"The import of {job.original_name} is being undone.")
    return redirect("imports:import_detail", job_id=job.pk)
