"""Tasks (to-dos with a due date and an assignee) and the calls, meetings and emails a person logs by hand:
HubSpot's "engagements", attached to a contact, a company or a deal (any record type named in SUBJECT_TYPES)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tandem.contacts.models import OwnedRecord

LIVE = Q(deleted_at__isnull=True)
# The record types an engagement may be about. A deal is reached through the record registry, never imported.
SUBJECT_TYPES = (("contact", "Contact"), ("company", "Company"), ("deal", "Deal"))


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"


class TaskType(models.TextChoices):
    TODO = "todo", "To-do"
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    MEETING = "meeting", "Meeting"


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class Task(OwnedRecord):
    """Something a person has to do by a date (call back, send the proposal), assigned to its owner, about a
    contact, company or deal or about nothing in particular."""

    access_object_type = "task"

    title = models.CharField(max_length=200)
    subject_type = models.CharField(max_length=20, choices=SUBJECT_TYPES, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True)
    due_date = models.DateField()
    due_time = models.TimeField(null=True, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    task_type = models.CharField(max_length=10, choices=TaskType.choices, default=TaskType.TODO)
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    notes = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The due date the assignee was last reminded of: the reminder sweep skips a task already reminded for
    # its current due date, and a rescheduled task is reminded again for its new one.
    reminded_for_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(subject_type="") & Q(subject_id__isnull=True))
                | (~Q(subject_type="") & Q(subject_id__isnull=False)),
                name="engagements_task_subject_whole",
            ),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(done_at__isnull=True))
                | (Q(status="done") & Q(done_at__isnull=False)),
                name="engagements_task_done_at",
            ),
        ]
        indexes = [
            # My tasks: one assignee's open (or done) tasks by due date.
            models.Index(fields=["owner", "status", "due_date", "id"], condition=LIVE, name="task_queue"),
            models.Index(fields=["owner", "status", "-done_at", "-id"], condition=LIVE, name="task_done"),
            # A record's tasks, and a deal's earliest open task (its next step).
            models.Index(
                fields=["subject_type", "subject_id", "status", "due_date", "id"],
                condition=LIVE,
                name="task_subject",
            ),
            # The reminder sweep and the full list.
            models.Index(fields=["status", "due_date", "id"], condition=LIVE, name="task_status_due"),
            models.Index(fields=["-created_at", "-id"], condition=LIVE, name="task_live_created"),
            models.Index(fields=["team", "status", "due_date", "id"], condition=LIVE, name="task_team"),
            models.Index(fields=["deleted_at"], condition=~LIVE, name="task_trash"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.status == TaskStatus.DONE


class EngagementKind(models.TextChoices):
    CALL = "call", "Call"
    MEETING = "meeting", "Meeting"
    EMAIL = "email", "Email"


class CallOutcome(models.TextChoices):
    CONNECTED = "connected", "Connected"
    LEFT_VOICEMAIL = "left_voicemail", "Left voicemail"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    WRONG_NUMBER = "wrong_number", "Wrong number"


class Engagement(models.Model):
    """A call, meeting or email that happened outside Tandem, logged by hand on a contact, company or deal.
    Append-mostly: its timeline entries are written when it is logged."""

    kind = models.CharField(max_length=10, choices=EngagementKind.choices)
    subject_type = models.CharField(max_length=20, choices=SUBJECT_TYPES)
    subject_id = models.BigIntegerField()
    # When it happened: the call, the meeting's start, the email's sending.
    occurred_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=CallOutcome.choices, blank=True)
    email_subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    attendees = models.ManyToManyField("contacts.Contact", blank=True, related_name="+")
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The form's one-time token: a form submitted twice logs one call.
    form_token = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="call") | Q(outcome=""), name="engagements_outcome_only_for_calls"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__lte=24 * 60),
                name="engagements_duration_within_a_day",
            ),
        ]
        indexes = [
            models.Index(
                fields=["subject_type", "subject_id", "-occurred_at", "-id"], name="engagement_subject"
            ),
            models.Index(fields=["kind", "occurred_at"], name="engagement_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.subject_type} {self.subject_id}"
