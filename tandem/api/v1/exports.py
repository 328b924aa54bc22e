"""Exports: start an export of the contacts or companies a list filter finds, poll it, download its file.

The same services as the export pages, with one difference: every API export is prepared as a file in the
background (never streamed in the answer), so a client always gets a job to poll and a download link, and
a slow network never holds a database read open. A token acts as its user: the export holds only what the
user may see, and only the user who started an export may read or download it (anyone else: 404).
"""

from datetime import datetime
from typing import Literal
from urllib.parse import urlencode

from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from ninja import Path, Router, Schema, Status
from pydantic import Field

from tandem.api.auth import TokenAuth
from tandem.api.errors import BadRequest, MissingScope, responses
from tandem.api.v1.schemas import MAX_ID, Text, WriteSchema
from tandem.exports import columns as export_columns
from tandem.exports import selectors, services
from tandem.exports.models import ExportJob

router = Router(tags=["exports"])

# Reading the records is what an export does, so it needs the read scope of the type; a token with
# companies:read only may export companies. The operation checks the scope of the type asked for.
READ_SCOPES = {ExportJob.ObjectType.CONTACT: "contacts:read", ExportJob.ObjectType.COMPANY: "companies:read"}
MAX_FILTER_VALUES = 50

ObjectTypeName = Literal[tuple(ExportJob.ObjectType.values)]  # type: ignore[valid-type]
FormatName = Literal[tuple(ExportJob.Format.values)]  # type: ignore[valid-type]


READ = TokenAuth(*READ_SCOPES.values())


def require_scope(request: HttpRequest, object_type: str) -> None:
    scope = READ_SCOPES[object_type]
    if scope not in request.auth.scopes:
        raise MissingScope(scope)


class ExportWrite(WriteSchema):
    object_type: ObjectTypeName = Field(description="contact or company.")  # type: ignore[valid-type]
    format: FormatName = Field(description="csv or xlsx.")  # type: ignore[valid-type]
    columns: list[Text] = Field(
        default_factory=list,
        max_length=500,
        description="Export column keys, e.g. first_name, company, property.plan. The identifying columns "
        "(id, email for contacts; id, name for companies) are always included; the file keeps the "
        "catalogue's column order, not the order given.",
    )
    filters: dict[Text, Text | list[Text]] = Field(
        default_factory=dict,
        description="The filters of the contacts (or companies) list page, as its query parameters: "
        'e.g. {"q": "acme", "stage": ["lead", "customer"], "owner": "3"}.',
    )


StatusName = Literal[tuple(ExportJob.Status.values)]  # type: ignore[valid-type]


class ExportOut(Schema):
    id: int
    object_type: ObjectTypeName  # type: ignore[valid-type]
    format: FormatName  # type: ignore[valid-type]
    columns: list[str]
    status: StatusName = Field(description="queued, running, finished or failed.")  # type: ignore[valid-type]
    row_count: int | None = Field(description="Expected rows while running; rows written once finished.")
    processed_rows: int
    percent: int
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    download_url: str | None = Field(description="Set once the file is ready (and until it is deleted).")


def export_data(job: ExportJob) -> dict:
    has_file = services.file_path(job) is not None
    return {
        "id": job.pk,
        "object_type": job.object_type,
        "format": job.file_format,
        "columns": list(job.columns or []),
        "status": job.status,
        "row_count": job.row_count,
        "processed_rows": job.processed_rows,
        "percent": job.percent,
        "error": job.error,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "download_url": reverse("api-v1:export_download", args=[job.pk]) if has_file else None,
    }


def _query_string(filters: dict[str, str | list[str]]) -> str:
    pairs = []
    for name, value in filters.items():
        values = value if isinstance(value, list) else [value]
        if len(values) > MAX_FILTER_VALUES:
            raise BadRequest("Some filters are not valid.", {f"filters.{name}": "Too many values."})
        pairs.extend((name, item) for item in values)
    return urlencode(pairs)


def _owned(request: HttpRequest, export_id: int) -> ExportJob:
    job = selectors.owned_export(request.user, export_id)
    if job is None:
        raise Http404("No such export.")
    return job


@router.post(
    "/exports",
    auth=READ,
    response=responses({202: ExportOut}),
    summary="Start an export",
    operation_id="createExport",
)
def create_export(request: HttpRequest, payload: ExportWrite):
    """Always prepared in the background, whatever its size: poll GET /exports/{id} until the status is
    finished (then fetch `download_url`) or failed. Needs contacts:read (companies:read for companies)."""
    require_scope(request, payload.object_type)
    query = _query_string(payload.filters)
    if len(query) > 4000:
        raise BadRequest("Some filters are not valid.", {"filters": "The filters are too long."})
    scope = selectors.export_scope(request.user, payload.object_type, query)
    if scope.errors:
        raise BadRequest("Some filters are not valid.", {"filters": " ".join(scope.errors)})
    known = {column.key for column in export_columns.catalogue(payload.object_type, scope.definitions)}
    unknown = [key for key in payload.columns if key not in known]
    if unknown:
        raise BadRequest(
            "Some columns are not valid.",
            {"columns": f"“{unknown[0][:60]}” is not a {payload.object_type} export column."},
        )
    started = services.start_export(
        actor=request.user,
        object_type=payload.object_type,
        query=query,
        column_keys=list(payload.columns),
        file_format=payload.format,
        request=request,
        stream_small_csv=False,
    )
    return Status(202, export_data(started.job))


@router.get(
    "/exports/{export_id}",
    auth=READ,
    response=responses({200: ExportOut}),
    summary="Get an export",
    operation_id="getExport",
)
def get_export(request: HttpRequest, export_id: int = Path(..., ge=1, le=MAX_ID)):
    """Only the user who started the export sees it; anyone else gets 404."""
    job = _owned(request, export_id)
    require_scope(request, job.object_type)
    return export_data(job)


@router.get(
    "/exports/{export_id}/download",
    auth=READ,
    response=responses({}),
    url_name="export_download",
    summary="Download an export's file",
    operation_id="downloadExport",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file: CSV (UTF-8) or XLSX.",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}
                    },
                },
            }
        }
    },
)
def download_export(request: HttpRequest, export_id: int = Path(..., ge=1, le=MAX_ID)):
    """404 for someone else's export, and while the file is not ready (or after it was deleted)."""
    job = _owned(request, export_id)
    require_scope(request, job.object_type)
    path = services.file_path(job)
    if path is None or not path.is_file():
        raise Http404("This export has no file to download.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=services.download_name(job))
