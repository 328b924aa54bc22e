"""Exports: one row per export a user asked for, whether it streamed straight to them or was written to a
file in the background."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ExportJob(models.Model):
    """One export of a filtered contact or company list, by one user, to CSV or XLSX."""

    class ObjectType(models.TextChoices):
        CONTACT = "contact", "Contacts"
        COMPANY = "company", "Companies"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Ready"
        FAILED = "failed", "Failed"

    class Delivery(models.TextChoices):
        # Small CSV exports stream to the browser at once; the rest are written to a file first.
        DOWNLOAD = "download", "Downloaded at once"
        FILE = "file", "Prepared as a file"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=20, choices=ObjectType.choices)
    # The list's query string, re-parsed when the export runs (the filters a user saw, not a snapshot of ids).
    query = models.TextField(blank=True)
    columns = models.JSONField(default=list)
    file_format = models.CharField(max_length=10, choices=Format.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.FILE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    # Expected rows while running (a count taken at the start), exact rows written once finished.
    row_count = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    # A file name inside settings.VAR_DIR / "exports"; never a path a request can choose.
    file_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # One runner per background export (tandem.core.leases): it renews the lease after every chunk; an
    # export whose lease expired lost its worker and is started again by the sweep.
    worker = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(object_type__in=["contact", "company"]), name="exports_job_known_object_type"
            ),
            models.CheckConstraint(
                condition=Q(file_format__in=["csv", "xlsx"]), name="exports_job_known_format"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "finished", "failed"]),
                name="exports_job_known_status",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="exportjob_user_created")]

    def __str__(self) -> str:
        return f"Export #{self.pk} of {self.get_object_type_display().lower()} ({self.get_file_format_display()})"

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.FINISHED, self.Status.FAILED)

    @property
    def has_file(self) -> bool:
        return self.status == self.Status.FINISHED and bool(self.file_name)

    @property
    def percent(self) -> int:
        if self.status == self.Status.FINISHED:
            return 100
        if not self.row_count:
            return 0
        return min(100, self.processed_rows * 100 // self.row_count)
