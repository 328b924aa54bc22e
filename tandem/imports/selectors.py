"""Reads for the import pages and the API: the list, one job, its progress and its bad rows."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from tandem.core.models import Role
from tandem.core.pagination import Page, SortKey, paginate
from tandem.imports.models import ImportJob, ImportRowError, Status

IMPORT_SORT = SortKey(fields=("created_at", "id"), descending=True)
PAGE_SIZE = 50


def visible_imports(user) -> QuerySet[ImportJob]:
    """Admins see every import; everyone else sees the imports they started."""
    if not user.is_authenticated or not user.is_active:
        return ImportJob.objects.none()
    queryset = ImportJob.objects.select_related("created_by")
    if user.role == Role.ADMIN:
        return queryset
    return queryset.filter(created_by=user)


def import_list(user, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """Newest first, by keyset on (created_at, id)."""
    return paginate(visible_imports(user), IMPORT_SORT, cursor, limit)


def import_detail(user, job_id: Any) -> ImportJob:
    """One import the user may see; 404 otherwise (someone else's import is not even confirmed to exist)."""
    try:
        return visible_imports(user).get(pk=int(job_id))
    except (ImportJob.DoesNotExist, TypeError, ValueError) as error:
        raise Http404("Not found.") from error


def progress(job: ImportJob) -> dict[str, Any]:
    """What the progress bar shows; `percent` is of data rows committed, 100 once the job is finished."""
    total = job.total_rows or 0
    processed = job.processed_rows or 0
    if job.status in (Status.DONE, Status.UNDONE):
        percent = 100
    elif total:
        percent = min(100, processed * 100 // total)
    else:
        percent = 0
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "total_rows": total,
        "processed_rows": processed,
        "percent": percent,
        "created": job.created_count,
        "updated": job.updated_count,
        "skipped": job.skipped_count,
        "failed": job.failed_count,
        "finished": job.status in (Status.DONE, Status.FAILED, Status.UNDONE),
        "error_message": job.error_message,
    }


def row_errors(job: ImportJob, limit: int = 20) -> list[ImportRowError]:
    """The first bad rows, in file order, for the job page (the full list is the CSV download)."""
    return list(job.row_errors.order_by("row_number")[:limit])
