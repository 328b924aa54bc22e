"""Imports: upload a CSV or XLSX file, set its column mapping, dry run, start, poll status and counts, undo.

The same services as the import pages: a token acts as its user, so importing contacts needs the right to
create contacts, and a user reaches only the imports they started (admins: all).
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, StreamingHttpResponse
from ninja import File, Form, Path, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict, Field, StringConstraints

from tandem.api.auth import TokenAuth
from tandem.api.errors import responses
from tandem.api.v1.schemas import MAX_ID, WriteSchema
from tandem.imports import selectors, services
from tandem.imports.models import FileKind, ImportJob, MatchKey, Mode, ObjectType
from tandem.imports.models import Status as ImportStatus

router = Router(tags=["imports"])

READ = TokenAuth("imports:read")
WRITE = TokenAuth("imports:write")

ObjectTypeName = Literal[tuple(ObjectType.values)]  # type: ignore[valid-type]
KeyName = Literal[tuple(MatchKey.values)]  # type: ignore[valid-type]
ModeName = Literal[tuple(Mode.values)]  # type: ignore[valid-type]
StatusName = Literal[tuple(ImportStatus.values)]  # type: ignore[valid-type]
FileKindName = Literal[tuple(FileKind.values)]  # type: ignore[valid-type]
# A column is named by its position in the file (from 0), a target by a field name or property:<name>.
ColumnIndex = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,6}$")]
Target = Annotated[
    str, StringConstraints(pattern=r"^([a-z][a-z0-9_.]{0,79}|property:[a-z][a-z0-9_]{0,59})?$")
]
Mapping = Annotated[dict[ColumnIndex, Target], Field(json_schema_extra={"additionalProperties": False})]
MAPPING_DESCRIPTION = (
    '{"<column index>": "<target field>" or ""}, e.g. {"0": "email", "1": "first_name"}; "" leaves the column '
    'out. Targets are contact (or company) fields and "property:<name>" for custom properties.'
)


class RowExample(Schema):
    row: int = Field(description="The row's number in the file (the header row is 1).")
    reason: str


class UpdateSample(Schema):
    row: int = Field(description="The row's number in the file (the header row is 1).")
    changes: dict[str, list[Any]] = Field(
        description="Per field the value now and the value the row brings. A related record (`company`, "
        "`owner`) is `{id, name}` or null."
    )


class DryRunReport(Schema):
    """What a run would do, counted over the whole file without writing a record."""

    model_config = ConfigDict(extra="allow")

    total_rows: int
    to_create: int
    to_update: int
    to_skip: int
    invalid_rows: int
    duplicates_in_file: int
    matches_in_database: int
    invalid_email: int = 0
    bad_phone: int = 0
    missing_key: int = 0
    invalid: int = 0
    denied: int = 0
    conflict: int = 0
    companies_to_create: int = Field(
        0, description="Companies named in the file that do not exist yet (contacts): the run creates them."
    )
    rows_linked_to_companies: int = Field(0, description="Rows whose company is linked or created.")
    fields_to_change: dict[str, int] = Field(
        default_factory=dict, description="Per field, how many existing records the run would change."
    )
    update_samples: list[UpdateSample] = Field(
        default_factory=list,
        description="Up to 20 rows that change a record, with each field's old and new value.",
    )
    examples: dict[str, list[RowExample]] = Field(
        default_factory=dict,
        description="Up to 20 example rows per problem (invalid_email, bad_phone, missing_key, invalid, denied, "
        "conflict, duplicates_in_file).",
    )


class ImportOut(Schema):
    id: int
    object_type: ObjectTypeName  # type: ignore[valid-type]
    original_name: str
    file_kind: FileKindName  # type: ignore[valid-type]
    encoding: str
    delimiter: str
    headers: list[str]
    mapping: Mapping = Field(description=MAPPING_DESCRIPTION)
    key: KeyName  # type: ignore[valid-type]
    mode: ModeName  # type: ignore[valid-type]
    status: StatusName = Field(  # type: ignore[valid-type]
        description="uploaded, dry_run (checking), ready (checked), queued, running, done, failed, undoing or "
        "undone."
    )
    total_rows: int
    processed_rows: int
    percent: int
    created: int
    updated: int
    skipped: int
    failed: int
    error_message: str
    dry_run_report: DryRunReport | None = Field(description="Set once a dry run finished (status ready).")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    undone_at: datetime | None


class MappingWrite(WriteSchema):
    mapping: Mapping = Field(description=MAPPING_DESCRIPTION)
    key: KeyName = Field(
        description="Match existing records by email (contacts), domain (companies), external_id, or id "
        "(Tandem's own record id: rows whose id matches no record are errors, never created)."
    )  # type: ignore[valid-type]
    mode: ModeName = Field(  # type: ignore[valid-type]
        description="update: change existing records; skip: leave them; fill_empty: fill only their empty fields."
    )


class MappingPatch(WriteSchema):
    """Only what is sent changes; a sent mapping is merged column by column into the current one."""

    mapping: Mapping | None = Field(None, description=MAPPING_DESCRIPTION)
    key: KeyName | None = None  # type: ignore[valid-type]
    mode: ModeName | None = None  # type: ignore[valid-type]


def import_data(job: ImportJob) -> dict:
    progress = selectors.progress(job)
    return {
        "id": job.pk,
        "object_type": job.object_type,
        "original_name": job.original_name,
        "file_kind": job.file_kind,
        "encoding": job.encoding,
        "delimiter": job.delimiter,
        "headers": list(job.headers or []),
        "mapping": {str(index): str(target or "") for index, target in (job.mapping or {}).items()},
        "key": job.key,
        "mode": job.mode,
        "status": job.status,
        "total_rows": progress["total_rows"],
        "processed_rows": progress["processed_rows"],
        "percent": progress["percent"],
        "created": progress["created"],
        "updated": progress["updated"],
        "skipped": progress["skipped"],
        "failed": progress["failed"],
        "error_message": job.error_message,
        "dry_run_report": job.dry_run_report,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "undone_at": job.undone_at,
    }


@router.post(
    "/imports",
    auth=WRITE,
    response=responses({201: ImportOut}),
    summary="Upload a file to import",
    operation_id="createImport",
)
def create_import(
    request: HttpRequest,
    object_type: Form[ObjectTypeName],  # type: ignore[valid-type]
    file: File[UploadedFile],
):
    """Multipart form: `object_type` (contact or company) and `file` (CSV or XLSX, first row = column names).
    The answer holds the file's headers and the guessed mapping; change it with PUT …/mapping."""
    job = services.create_import(actor=request.user, object_type=object_type, uploaded_file=file)
    return Status(201, import_data(job))


@router.get(
    "/imports/{import_id}",
    auth=READ,
    response=responses({200: ImportOut}),
    summary="Get an import",
    operation_id="getImport",
)
def get_import(request: HttpRequest, import_id: int = Path(..., ge=1, le=MAX_ID)):
    """Status and counts; poll this while the status is queued, running, dry_run or undoing."""
    return import_data(selectors.import_detail(request.user, import_id))


@router.put(
    "/imports/{import_id}/mapping",
    auth=WRITE,
    response=responses({200: ImportOut}),
    summary="Set an import's mapping",
    operation_id="setImportMapping",
)
def set_mapping(request: HttpRequest, payload: MappingWrite, import_id: int = Path(..., ge=1, le=MAX_ID)):
    job = selectors.import_detail(request.user, import_id)
    job = services.set_mapping(
        actor=request.user, job=job, mapping=dict(payload.mapping), key=payload.key, mode=payload.mode
    )
    return import_data(job)


@router.patch(
    "/imports/{import_id}/mapping",
    auth=WRITE,
    response=responses({200: ImportOut}),
    summary="Change part of an import's mapping",
    operation_id="updateImportMapping",
)
def patch_mapping(request: HttpRequest, payload: MappingPatch, import_id: int = Path(..., ge=1, le=MAX_ID)):
    job = selectors.import_detail(request.user, import_id)
    mapping = {**(job.mapping or {}), **(payload.mapping or {})}
    job = services.set_mapping(
        actor=request.user,
        job=job,
        mapping=mapping,
        key=payload.key or job.key,
        mode=payload.mode or job.mode,
    )
    return import_data(job)


@router.post(
    "/imports/{import_id}/dry-run",
    auth=WRITE,
    response=responses({200: ImportOut}),
    summary="Check an import without writing",
    operation_id="dryRunImport",
)
def dry_run(request: HttpRequest, import_id: int = Path(..., ge=1, le=MAX_ID)):
    """Small files are checked at once (status ready, report in dry_run_report); big ones in the background
    (status dry_run until ready: poll GET /imports/{id})."""
    job = selectors.import_detail(request.user, import_id)
    services.run_dry_run(actor=request.user, job=job)
    return import_data(selectors.import_detail(request.user, import_id))


@router.post(
    "/imports/{import_id}/start",
    auth=WRITE,
    response=responses({202: ImportOut}),
    summary="Start an import",
    operation_id="startImport",
)
def start(request: HttpRequest, import_id: int = Path(..., ge=1, le=MAX_ID)):
    """The import runs in the background; poll GET /imports/{id} until the status is done or failed."""
    job = selectors.import_detail(request.user, import_id)
    services.start_import(actor=request.user, job=job)
    return Status(202, import_data(selectors.import_detail(request.user, import_id)))


@router.post(
    "/imports/{import_id}/undo",
    auth=WRITE,
    response=responses({202: ImportOut}),
    summary="Undo an import",
    operation_id="undoImport",
)
def undo(request: HttpRequest, import_id: int = Path(..., ge=1, le=MAX_ID)):
    """Removes the records the import created and puts back the fields it changed, in the background."""
    job = selectors.import_detail(request.user, import_id)
    services.undo_import(actor=request.user, job=job)
    return Status(202, import_data(selectors.import_detail(request.user, import_id)))


@router.get(
    "/imports/{import_id}/errors.csv",
    auth=READ,
    response=responses({}),
    url_name="import_errors",
    summary="Download an import's rows with errors",
    operation_id="downloadImportErrors",
    openapi_extra={
        "responses": {
            200: {
                "description": "CSV (UTF-8 with a byte order mark): Row, the file's columns, Error.",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def download_import_errors(request: HttpRequest, import_id: int = Path(..., ge=1, le=MAX_ID)):
    """The rows the import could not take, numbered as the spreadsheet showed them, with the reason: fix them
    and import the file again."""
    job = selectors.import_detail(request.user, import_id)
    response = StreamingHttpResponse(services.error_rows_csv(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{services.error_rows_file_name(job)}"'
    return response
