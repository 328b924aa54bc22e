"""Imports: a file of contacts or companies, its column mapping, the background run and what it changed."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ObjectType(models.TextChoices):
    CONTACT = "contact", "Contacts"
    COMPANY = "company", "Companies"


class FileKind(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"


class MatchKey(models.TextChoices):
    EMAIL = "email", "Email"
    DOMAIN = "domain", "Company domain"
    EXTERNAL_ID = "external_id", "External id"
    # Tandem's own id (an export's "Record ID"): only updates records that exist, never creates one.
    RECORD_ID = "id", "Record ID"


# The keys each object type may be matched by.
KEYS_BY_OBJECT_TYPE = {
    ObjectType.CONTACT: (MatchKey.EMAIL, MatchKey.EXTERNAL_ID, MatchKey.RECORD_ID),
    ObjectType.COMPANY: (MatchKey.DOMAIN, MatchKey.EXTERNAL_ID, MatchKey.RECORD_ID),
}


class Mode(models.TextChoices):
    UPDATE = "update", "Create new and update existing records"
    SKIP = "skip", "Create new records, leave existing ones as they are"
    FILL_EMPTY = "fill_empty", "Create new records, fill only empty fields of existing ones"


class Status(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    DRY_RUN = "dry_run", "Checking"
    READY = "ready", "Checked"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    UNDOING = "undoing", "Undoing"
    UNDONE = "undone", "Undone"


class ImportJob(models.Model):
    """One uploaded file and its run: the mapping, the resume point, the counts, and the undo state."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_type = models.CharField(max_length=20, choices=ObjectType.choices, default=ObjectType.CONTACT)
    original_name = models.CharField(max_length=255)
    # Absolute path of the upload under settings.VAR_DIR / "imports" / <uuid>; never a user-chosen path.
    stored_path = models.CharField(max_length=500)
    size_bytes = models.BigIntegerField(default=0)
    file_kind = models.CharField(max_length=10, choices=FileKind.choices, default=FileKind.CSV)
    encoding = models.CharField(max_length=40, blank=True)
    delimiter = models.CharField(max_length=4, blank=True)
    # Header cells as the reader de-duplicated them; the mapping refers to columns by their index.
    headers = models.JSONField(default=list, blank=True)
    # {"<column index>": "<target field key>" or ""}; "" (or a missing index) means the column is not imported.
    mapping = models.JSONField(default=dict, blank=True)
    key = models.CharField(max_length=20, choices=MatchKey.choices, default=MatchKey.EMAIL)
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.UPDATE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.BigIntegerField(default=0)
    # Data rows fully committed (good or bad): the resume point. Rows before it are never read again.
    processed_rows = models.BigIntegerField(default=0)
    created_count = models.BigIntegerField(default=0)
    updated_count = models.BigIntegerField(default=0)
    skipped_count = models.BigIntegerField(default=0)
    failed_count = models.BigIntegerField(default=0)
    dry_run_report = models.JSONField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    # One runner per job: a runner owns the job until lease_until; a stale lease may be taken over.
    lease_until = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="imports_job_known_status"),
            models.CheckConstraint(condition=Q(mode__in=Mode.values), name="imports_job_known_mode"),
            models.CheckConstraint(
                condition=Q(object_type__in=ObjectType.values), name="imports_job_known_object_type"
            ),
            models.CheckConstraint(condition=Q(processed_rows__gte=0), name="imports_job_processed_positive"),
        ]
        indexes = [
            # The import list (keyset, newest first), all and per user.
            models.Index(fields=["-created_at", "-id"], name="import_job_created"),
            models.Index(fields=["created_by", "-created_at", "-id"], name="import_job_user_created"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_finished(self) -> bool:
        return self.status in (Status.DONE, Status.FAILED, Status.UNDONE)


class ImportRowError(models.Model):
    """A row the import could not take, with its number as a spreadsheet shows it, the reason and its cells."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.BigIntegerField()
    reason = models.TextField()
    # The row's cells exactly as read, so the "bad rows" CSV can be fixed and re-imported.
    values = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["job", "row_number"], name="import_error_job_row")]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.reason[:60]}"


class ImportChange(models.Model):
    """What one import did to one record: created it, or changed fields whose previous values are kept for undo."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="changes")
    object_id = models.BigIntegerField()
    created = models.BooleanField(default=False)
    # For an update: {field: value before the import} for every field the import changed (properties as
    # "property:<name>", tags as "tags": the list of tag names). Empty for a created record.
    previous = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            # One row per record per import: a record touched twice keeps its state from before the import.
            models.UniqueConstraint(fields=["job", "object_id"], name="imports_change_one_per_record"),
        ]

    def __str__(self) -> str:
        return f"{'created' if self.created else 'updated'} #{self.object_id}"


class ImportCreatedCompany(models.Model):
    """A company a contact import created because a row named one that did not exist; undo removes it again
    when no contact is linked to it any more."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="created_companies")
    company_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "company_id"], name="imports_created_company_once"),
        ]

    def __str__(self) -> str:
        return f"company #{self.company_id}"
