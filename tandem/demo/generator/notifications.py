"""The notifications the demo's finished imports and exports would have sent their owners: what the bell and
the notifications page show when the marketing or sales login signs in. Written as rows (a loader, no
emails), worded by the same functions the import and export engines use; the newest of each user is unread."""

from tandem.demo.generator.context import GeneratorContext
from tandem.exports import engine as export_engine
from tandem.exports import notices as export_notices
from tandem.exports.models import ExportJob
from tandem.imports import notices as import_notices
from tandem.imports.models import ImportJob, Status
from tandem.notifications.models import Notification


def create_notifications(context: GeneratorContext) -> None:
    rows: list[Notification] = []
    for job in ImportJob.objects.filter(status=Status.DONE, created_by__isnull=False).order_by("id"):
        notice = import_notices.finished(job)
        rows.append(
            Notification(
                user_id=job.created_by_id, kind=import_notices.KIND.key, title=notice.title, body=notice.body,
                url=import_notices.url_of(job), key=import_notices.key_of(job, notice), created_at=job.finished_at,
                read_at=job.finished_at,
            )
        )  # fmt: skip
    finished_exports = ExportJob.objects.filter(
        status=ExportJob.Status.FINISHED, delivery=ExportJob.Delivery.FILE
    ).order_by("id")
    for job in finished_exports:
        notice = export_notices.ready(job, keep_days=export_engine.keep_days())
        rows.append(
            Notification(
                user_id=job.user_id, kind=export_notices.KIND.key, title=notice.title, body=notice.body,
                url=export_notices.url_of(job), key=export_notices.key_of(job, notice), created_at=job.finished_at,
                read_at=job.finished_at,
            )
        )  # fmt: skip
    newest: dict[int, Notification] = {}
    for row in rows:
        if row.user_id not in newest or row.created_at > newest[row.user_id].created_at:
            newest[row.user_id] = row
    for row in newest.values():
        row.read_at = None
    Notification.objects.bulk_create(rows)
