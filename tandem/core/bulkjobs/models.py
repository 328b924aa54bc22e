"""Bulk jobs: one bulk action on every record a list's filter matches, when that is more than one request
should change. The worker re-reads the filter and works through the matching ids in chunks."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class State(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Stopped with an error"
    CANCELLED = "cancelled", "Cancelled"


FINISHED_STATES = (State.DONE, State.FAILED, State.CANCELLED)


class BulkJob(models.Model):
    """A bulk action (set a stage, assign an owner, move to the trash …) on all records of one type that a
    list's filter matched when it started, run in chunks by a background worker."""

    # The record type's registry key (tandem.core.records.registry), e.g. "contact".
    object_type = models.CharField(max_length=50)
    # The action's key among the type's bulk actions, and its one input as posted (None: the action has none).
    action = models.CharField(max_length=50)
    value = models.TextField(null=True, blank=True)
    # The list's query string as the grammar read it (without the page position), re-parsed by the worker:
    # the job acts on what the filter matches when each chunk runs, among the records below `max_id`.
    query = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    # What "all matching" meant at the start: records created later have higher ids and are never touched.
    max_id = models.BigIntegerField()
    # The resume point: every matching id up to here has been processed, in a committed chunk.
    last_id = models.BigIntegerField(default=0)
    # Matching records counted by the worker when it started (None until then): the progress bar's end.
    total = models.BigIntegerField(null=True, blank=True)
    processed = models.BigIntegerField(default=0)
    changed = models.BigIntegerField(default=0)
    # Matched, but the actor may not change them (the bulk service skipped them).
    denied = models.BigIntegerField(default=0)
    # Matched and allowed, but already as the action would leave them (already at that stage, say).
    unchanged = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)
    # One runner per job (tandem.core.leases): the lease is renewed inside every chunk's transaction.
    worker = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(state__in=State.values), name="bulkjobs_job_known_state"),
            models.CheckConstraint(
                condition=Q(processed__gte=0, changed__gte=0, denied__gte=0, unchanged__gte=0),
                name="bulkjobs_job_counts_positive",
            ),
            models.CheckConstraint(
                condition=Q(last_id__lte=models.F("max_id")), name="bulkjobs_job_within_max"
            ),
        ]
        indexes = [
            # The sweep's question: which unfinished jobs lost their runner.
            models.Index(fields=["state", "lease_until"], name="bulkjob_state_lease"),
            models.Index(fields=["actor", "-created_at", "-id"], name="bulkjob_actor_created"),
        ]

    def __str__(self) -> str:
        return f"Bulk {self.action} on {self.object_type} records (#{self.pk})"

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_STATES
