"""The engagements app's writes: tasks (create, change, complete, reopen, reschedule, trash, restore, bulk),
the calls, meetings and emails logged by hand, and the due-task reminders. Every write checks access, is
atomic, and leaves an audit row, timeline entries where the team should see them, and an event."""

import datetime
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from tandem.contacts.models import Contact
from tandem.contacts.services import record_activity
from tandem.contacts.services.fields import clean_owner, parse_ids
from tandem.contacts.services.writes import StaleRecord, check_version, next_updated_at, record_version
from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.events import publish
from tandem.engagements import events, subjects
from tandem.engagements.models import (
    CallOutcome,
    Engagement,
    EngagementKind,
    Priority,
    Task,
    TaskStatus,
    TaskType,
)
from tandem.notifications.services import notify

__all__ = ["StaleRecord"]

EDITABLE = ("title", "subject", "due_date", "due_time", "priority", "task_type", "owner", "notes", "status")
AUDITED = ("title", "subject", "due_date", "due_time", "priority", "task_type", "owner", "notes", "status")
MAX_NOTES = 10_000
MAX_DURATION = 24 * 60
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Timeline kinds this app writes (declared in records.py).
KIND_CALL, KIND_MEETING, KIND_EMAIL, KIND_TASK_DONE = (
    "call_logged",
    "meeting_logged",
    "email_logged",
    "task_completed",
)
LOGGED_KINDS = {
    EngagementKind.CALL: KIND_CALL,
    EngagementKind.MEETING: KIND_MEETING,
    EngagementKind.EMAIL: KIND_EMAIL,
}
REMINDER_KIND = "engagements.task_due"


def task_version(task: Task) -> str:
    return record_version(task)


# --- cleaning ----------------------------------------------------------------------------------------------


def _text(raw: Any, name: str, limit: int, errors: dict[str, str], *, one_line: bool = True) -> str:
    text = CONTROL.sub("", str(raw or "")).strip()
    if one_line:
        text = " ".join(text.split())
    if len(text) > limit:
        errors[name] = f"At most {limit} characters (this has {len(text)})."
    return text


def clean_date(raw: Any, name: str, errors: dict[str, str]) -> datetime.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    try:
        value = datetime.date.fromisoformat(str(raw).strip())
    except ValueError:
        errors[name] = f"“{str(raw)[:30]}” is not a date; use YYYY-MM-DD."
        return None
    if not 2000 <= value.year <= 2100:
        errors[name] = "Choose a date between 2000 and 2100."
        return None
    return value


def clean_time(raw: Any, name: str, errors: dict[str, str]) -> datetime.time | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime.time):
        return raw.replace(second=0, microsecond=0)
    try:
        return datetime.time.fromisoformat(str(raw).strip()).replace(second=0, microsecond=0)
    except ValueError:
        errors[name] = f"“{str(raw)[:20]}” is not a time; use HH:MM, e.g. 14:30."
        return None


def _choice(raw: Any, choices, name: str, default: str, noun: str, errors: dict[str, str]) -> str:
    value = str(raw or "").strip() or default
    if value not in choices.values:
        errors[name] = f"Choose a {noun}: {', '.join(label.lower() for label in choices.labels)}."
        return default
    return value


def _subject(actor, values: Mapping[str, Any], errors: dict[str, str]) -> subjects.Subject | None:
    if "subject_type" in values or "subject_id" in values:
        kind, pk = str(values.get("subject_type") or ""), str(values.get("subject_id") or "")
    else:
        kind, pk = subjects.parse_reference(values.get("subject"))
    if not kind and not pk:
        return None
    try:
        return subjects.resolve(actor, kind, pk)
    except ValidationError as error:
        errors.update({key: messages[0] for key, messages in error.message_dict.items()})
        return None


def clean_task_values(actor, values: Mapping[str, Any], task: Task | None) -> dict[str, Any]:
    """Check and convert what a form, the API or the demo hands in; errors keyed by field, one sentence each.
    The subject is "contact:12" (`subject`) or `subject_type` + `subject_id`; "" for none."""
    errors: dict[str, str] = {}
    allowed = set(EDITABLE) | {"subject_type", "subject_id"}
    unknown = sorted(set(values) - allowed)
    if unknown:
        errors[unknown[0]] = f"“{unknown[0]}” cannot be set on a task."
    cleaned: dict[str, Any] = {}
    if "title" in values or task is None:
        cleaned["title"] = _text(
            values.get("title"), "title", Task._meta.get_field("title").max_length, errors
        )
        if not cleaned["title"] and "title" not in errors:
            errors["title"] = "Say what has to be done, e.g. “Call back about the renewal”."
    if {"subject", "subject_type", "subject_id"} & set(values):
        subject = _subject(actor, values, errors)
        cleaned["subject_type"] = subject.object_type if subject else ""
        cleaned["subject_id"] = subject.pk if subject else None
    if "due_date" in values or task is None:
        due = clean_date(values.get("due_date"), "due_date", errors)
        if due is None and "due_date" not in errors:
            errors["due_date"] = "Give the task a due date."
        cleaned["due_date"] = due
    if "due_time" in values:
        cleaned["due_time"] = clean_time(values["due_time"], "due_time", errors)
    if "priority" in values or task is None:
        cleaned["priority"] = _choice(
            values.get("priority"), Priority, "priority", "normal", "priority", errors
        )
    if "task_type" in values or task is None:
        cleaned["task_type"] = _choice(values.get("task_type"), TaskType, "task_type", "todo", "type", errors)
    if "status" in values:
        cleaned["status"] = _choice(values["status"], TaskStatus, "status", "open", "status", errors)
    if "notes" in values:
        cleaned["notes"] = _text(values["notes"], "notes", MAX_NOTES, errors, one_line=False)
    if "owner" in values:
        cleaned["owner"] = clean_owner(actor, values["owner"], "task", errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _reference(task: Task) -> str:
    return f"{task.subject_type}:{task.subject_id}" if task.subject_type else ""


def _published(task: Task, *also: tuple[str, int | None]) -> None:
    """TASK_CHANGED once per subject the task is or was about."""
    seen = set()
    for kind, pk in ((task.subject_type, task.subject_id), *also):
        if kind and pk and (kind, pk) not in seen:
            seen.add((kind, pk))
            publish(events.TASK_CHANGED, task_id=task.pk, subject_type=kind, subject_id=pk)
    if not seen:
        publish(events.TASK_CHANGED, task_id=task.pk, subject_type="", subject_id=None)


def _lock(actor, task: Task, verb: str = Verb.CHANGE) -> Task:
    if actor is not None:
        access.require(actor, verb, task)
    current = Task.objects.select_for_update().filter(pk=task.pk).first()
    if current is None or current.deleted_at is not None:
        raise ValidationError("This task is in the trash; restore it first.")
    return current


# --- tasks -------------------------------------------------------------------------------------------------


@transaction.atomic
def create_task(*, actor, values: Mapping[str, Any], subject: str | None = None, request=None) -> Task:
    """A new open task, assigned to the actor unless an owner is given. `subject` ("deal:12", "" for none)
    may come apart from the values (the record form and the API pass it so) or inside them."""
    if subject is not None:
        values = {**values, "subject": subject}
    if actor is not None:
        access.require_allowed(actor, "task", Verb.CREATE)
    cleaned = clean_task_values(actor, values, None)
    status = cleaned.pop("status", TaskStatus.OPEN)
    cleaned.setdefault("owner", actor)
    now = timezone.now()
    task = Task(**cleaned, created_by=actor, created_at=now, updated_at=now)
    task.team_id = task.owner.team_id if task.owner else None
    task.status = status
    task.done_at = now if status == TaskStatus.DONE else None
    task.save()
    audit.record(actor=actor, action=audit.Action.CREATE, target=task, event="task_created", request=request)
    _published(task)
    return task


def _display(task_or_values: Any, name: str) -> str:
    value = task_or_values.get(name) if isinstance(task_or_values, dict) else getattr(task_or_values, name)
    if name == "owner":
        return str(getattr(value, "pk", value) or "")
    return "" if value is None else str(value)


@transaction.atomic
def update_task(
    *,
    actor,
    task: Task,
    values: Mapping[str, Any],
    subject: str | None = None,
    expected_version: str | None = None,
    request=None,
) -> Task:
    """Change a task's fields (only those that differ); `subject` as in create_task."""
    if subject is not None:
        values = {**values, "subject": subject}
    current = _lock(actor, task)
    cleaned = clean_task_values(actor, values, current)
    if "subject_type" in cleaned:
        cleaned["subject"] = (
            f"{cleaned['subject_type']}:{cleaned['subject_id']}" if cleaned["subject_type"] else ""
        )
    before = {
        name: (_reference(current) if name == "subject" else _display(current, name)) for name in AUDITED
    }
    after = {name: (_display(cleaned, name) if name in cleaned else before[name]) for name in AUDITED}
    changes = {name: [before[name], after[name]] for name in AUDITED if before[name] != after[name]}
    if not changes:
        return current
    check_version(current, expected_version)
    if "owner" in changes and actor is not None and not access.can_reassign(actor, current, cleaned["owner"]):
        raise ValidationError({"owner": "You cannot give this task to that person."})
    old_subject = (current.subject_type, current.subject_id)
    fields = ["updated_at"]
    for name in changes:
        if name == "subject":
            current.subject_type, current.subject_id = cleaned["subject_type"], cleaned["subject_id"]
            fields += ["subject_type", "subject_id"]
        elif name == "owner":
            current.owner = cleaned["owner"]
            current.team_id = current.owner.team_id if current.owner else None
            fields += ["owner", "team"]
        elif name == "status":
            current.status = cleaned["status"]
            current.done_at = timezone.now() if current.status == TaskStatus.DONE else None
            fields += ["status", "done_at"]
        else:
            setattr(current, name, cleaned[name])
            fields.append(name)
    current.updated_at = next_updated_at(current.updated_at)
    current.save(update_fields=fields)
    audit.record(actor=actor, action=audit.Action.UPDATE, target=current, changes=changes, request=request)
    if "status" in changes and current.status == TaskStatus.DONE:
        _record_done(actor, current)
    _published(current, old_subject)
    return current


def _record_done(actor, task: Task) -> None:
    """The "Task completed" entry on the timelines of what the task is about."""
    if not task.subject_type:
        return
    try:
        subject = subjects.resolve(None, task.subject_type, task.subject_id)
    except ValidationError:
        return  # its record went to the trash: nothing to write on
    details = {"task_id": task.pk, "title": task.title, "task_type": task.task_type}
    if subject.object_type not in ("contact", "company"):
        details[subject.object_type] = subject.title
    for contact, company in subjects.people(subject).rows:
        record_activity(
            kind=KIND_TASK_DONE,
            contact=contact,
            company=company,
            actor=actor,
            occurred_at=task.done_at,
            subject_type=subject.object_type,
            subject_id=subject.pk,
            details=details,
        )


@transaction.atomic
def complete_task(*, actor, task: Task, request=None) -> Task:
    """Mark the task done (done now); done already: nothing changes."""
    current = _lock(actor, task)
    if current.status == TaskStatus.DONE:
        return current
    current.status, current.done_at = TaskStatus.DONE, timezone.now()
    current.updated_at = next_updated_at(current.updated_at)
    current.save(update_fields=["status", "done_at", "updated_at"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=current,
        changes={"status": ["open", "done"]},
        event="task_completed",
        request=request,
    )
    _record_done(actor, current)
    _published(current)
    return current


@transaction.atomic
def reopen_task(*, actor, task: Task, request=None) -> Task:
    current = _lock(actor, task)
    if current.status == TaskStatus.OPEN:
        return current
    current.status, current.done_at = TaskStatus.OPEN, None
    current.updated_at = next_updated_at(current.updated_at)
    current.save(update_fields=["status", "done_at", "updated_at"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=current,
        changes={"status": ["done", "open"]},
        event="task_reopened",
        request=request,
    )
    _published(current)
    return current


SNOOZES = {"tomorrow": 1, "two_days": 2, "next_week": 7}


def snooze_date(snooze: str, today: datetime.date | None = None) -> datetime.date:
    """The new due date for a snooze: tomorrow, in two days, or next Monday ("next week")."""
    today = today or timezone.localdate()
    if snooze == "next_week":
        return today + datetime.timedelta(days=7 - today.weekday())
    if snooze not in SNOOZES:
        raise ValidationError({"due_date": "Choose when to be reminded again."})
    return today + datetime.timedelta(days=SNOOZES[snooze])


@transaction.atomic
def reschedule_task(*, actor, task: Task, due_date: Any, due_time: Any = "", request=None) -> Task:
    """Move the task to a new due date (and time, or none); a reminder goes out again for the new date."""
    errors: dict[str, str] = {}
    new_date = clean_date(due_date, "due_date", errors)
    new_time = clean_time(due_time, "due_time", errors)
    if new_date is None and "due_date" not in errors:
        errors["due_date"] = "Choose the new due date."
    if errors:
        raise ValidationError(errors)
    current = _lock(actor, task)
    if (current.due_date, current.due_time) == (new_date, new_time):
        return current
    changes = {"due_date": [str(current.due_date), str(new_date)]}
    if current.due_time != new_time:
        changes["due_time"] = [str(current.due_time or ""), str(new_time or "")]
    current.due_date, current.due_time = new_date, new_time
    current.updated_at = next_updated_at(current.updated_at)
    current.save(update_fields=["due_date", "due_time", "updated_at"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=current,
        changes=changes,
        event="task_rescheduled",
        request=request,
    )
    _published(current)
    return current


@transaction.atomic
def delete_task(*, actor, task: Task, request=None) -> Task:
    if actor is not None:
        access.require(actor, Verb.DELETE, task)
    if task.deleted_at is not None:
        return task
    task.deleted_at = timezone.now()
    task.save(update_fields=["deleted_at"])
    audit.record(actor=actor, action=audit.Action.DELETE, target=task, request=request)
    _published(task)
    return task


@transaction.atomic
def restore_task(*, actor, task: Task, request=None) -> Task:
    if actor is not None:
        access.require(actor, Verb.DELETE, task)
    if task.deleted_at is None:
        return task
    task.deleted_at = None
    task.updated_at = next_updated_at(task.updated_at)
    task.save(update_fields=["deleted_at", "updated_at"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=task,
        request=request,
        changes={"deleted_at": ["trash", None]},
        event="restored",
    )
    _published(task)
    return task


@transaction.atomic
def bulk_update_tasks(*, actor, task_ids: Iterable[int], action: str, value: Any = None, request=None) -> int:
    """Complete, assign or trash many tasks at once; only those the actor may touch."""
    ids = parse_ids(task_ids, "task_ids")
    if not ids:
        raise ValidationError({"task_ids": "Select at least one task."})
    live = Task.objects.filter(deleted_at__isnull=True, pk__in=ids)
    if action == "complete":
        targets = list(access.scope_queryset(actor, Verb.CHANGE, live).filter(status=TaskStatus.OPEN))
        for task in targets:
            complete_task(actor=actor, task=task, request=request)
        return len(targets)
    if action == "assign_owner":
        errors: dict[str, str] = {}
        owner = clean_owner(actor, value, "task", errors)
        if owner is None:
            raise ValidationError(errors or {"value": "Choose the new owner."})
        rows = list(
            access.scope_reassignable(actor, live, owner)
            .exclude(owner=owner)
            .values_list("pk", "title", "owner_id")
        )
        Task.objects.filter(pk__in=[row[0] for row in rows]).update(
            owner=owner, team_id=owner.team_id, updated_at=timezone.now()
        )
        audit.record_many(
            actor=actor,
            action=audit.Action.UPDATE,
            model=Task,
            targets=[(pk, title, {"owner": [old, owner.pk]}) for pk, title, old in rows],
            event="bulk_assign_owner",
        )
        return len(rows)
    if action == "delete":
        targets = list(access.scope_queryset(actor, Verb.DELETE, live))
        Task.objects.filter(pk__in=[task.pk for task in targets]).update(deleted_at=timezone.now())
        audit.record_many(
            actor=actor,
            action=audit.Action.DELETE,
            model=Task,
            targets=[(task.pk, task.title, None) for task in targets],
            event="bulk_delete",
        )
        for task in targets:
            _published(task)
        return len(targets)
    raise ValidationError({"action": "Choose what to do with the selected tasks."})


# --- calls, meetings and emails logged by hand -------------------------------------------------------------


def _when(raw: Any, errors: dict[str, str], name: str = "occurred_at") -> datetime.datetime:
    """A date-time typed in the form ("2026-03-02T14:30", the user's local time) or given aware; now if empty.
    The future is refused a year ahead (a typo), a meeting may be logged before it happens."""
    if raw in (None, ""):
        return timezone.now()
    if isinstance(raw, datetime.datetime):
        value = raw
    else:
        try:
            value = datetime.datetime.fromisoformat(str(raw).strip())
        except ValueError:
            errors[name] = f"“{str(raw)[:30]}” is not a date and time; use YYYY-MM-DD HH:MM."
            return timezone.now()
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not 2000 <= value.year <= 2100 or value > timezone.now() + datetime.timedelta(days=366):
        errors[name] = "Choose a date and time between 2000 and a year from now."
    return value


def _duration(raw: Any, errors: dict[str, str]) -> int | None:
    if raw in (None, ""):
        return None
    try:
        minutes = int(str(raw).strip())
    except ValueError:
        errors["duration_minutes"] = f"“{str(raw)[:20]}” is not a number of minutes."
        return None
    if not 0 <= minutes <= MAX_DURATION:
        errors["duration_minutes"] = f"Give the duration in minutes, from 0 to {MAX_DURATION}."
        return None
    return minutes


def _log(
    *,
    actor,
    kind: str,
    subject_type: str,
    subject_id: Any,
    occurred_at: Any,
    body: str,
    errors: dict[str, str],
    form_token: str | None,
    when_field: str,
    body_field: str,
    attendee_ids: Iterable[Any] = (),
    **columns: Any,
) -> Engagement:
    """Log one engagement. `when_field` and `body_field` name the time and the text as the caller's form does
    ("starts_at", "sent_at"; "notes", "body"), so each refusal is keyed by the field the user typed in."""
    if actor is not None:
        access.require_allowed(actor, "engagement", Verb.CREATE)
    if form_token:
        existing = Engagement.objects.filter(form_token=str(form_token)[:64]).first()
        if existing is not None:
            return existing  # the same form submitted twice
    subject = None
    try:
        subject = subjects.resolve(actor, subject_type, subject_id)
    except ValidationError as error:
        errors.update({key: messages[0] for key, messages in error.message_dict.items()})
    when = _when(occurred_at, errors, when_field)
    text = _text(body, body_field, MAX_NOTES, errors, one_line=False)
    attendees: list[Contact] = []
    if subject is not None and attendee_ids:
        allowed = {contact.pk: contact for contact in subjects.people(subject).contacts}
        try:
            wanted = [int(pk) for pk in attendee_ids if str(pk).strip()]
        except (TypeError, ValueError):
            wanted = [-1]
        if any(pk not in allowed for pk in wanted):
            errors["attendees"] = "Choose attendees among the people of this record."
        attendees = [allowed[pk] for pk in dict.fromkeys(wanted) if pk in allowed]
    if errors:
        raise ValidationError(errors)
    assert subject is not None
    engagement = Engagement(
        kind=kind,
        subject_type=subject.object_type,
        subject_id=subject.pk,
        occurred_at=when,
        body=text,
        logged_by=actor,
        form_token=str(form_token)[:64] if form_token else None,
        **columns,
    )
    try:
        with transaction.atomic():
            engagement.save()
    except IntegrityError:
        # Two submissions of one form raced past the check above: the first one stands.
        return Engagement.objects.get(form_token=engagement.form_token)
    if attendees:
        engagement.attendees.set(attendees)
    _record_logged(actor, engagement, subject, attendees)
    audit.record(actor=actor, action=audit.Action.CREATE, target=engagement, event=f"{kind}_logged")
    publish(
        events.ENGAGEMENT_LOGGED,
        engagement_id=engagement.pk,
        kind=kind,
        subject_type=subject.object_type,
        subject_id=subject.pk,
    )
    return engagement


def _record_logged(
    actor, engagement: Engagement, subject: subjects.Subject, attendees: list[Contact]
) -> None:
    """The entry on the subject's timelines (a deal's: its company's and contacts'), and on the timeline of
    each attendee of a meeting who is not already among them."""
    details: dict[str, Any] = {"engagement_id": engagement.pk}
    if engagement.outcome:
        details["outcome"] = engagement.outcome
    if engagement.duration_minutes is not None:
        details["duration_minutes"] = engagement.duration_minutes
    if engagement.email_subject:
        details["subject"] = engagement.email_subject
    if attendees:
        details["attendees"] = [contact.display_name for contact in attendees[:20]]
    if subject.object_type not in ("contact", "company"):
        details[subject.object_type] = subject.title
    rows = subjects.people(subject).rows
    on_timeline = {contact.pk for contact, _ in rows if contact is not None}
    rows += [(contact, None) for contact in attendees if contact.pk not in on_timeline]
    for contact, company in rows:
        record_activity(
            kind=LOGGED_KINDS[engagement.kind],
            contact=contact,
            company=company,
            actor=actor,
            occurred_at=engagement.occurred_at,
            subject_type=subject.object_type,
            subject_id=subject.pk,
            body=engagement.body,
            details=details,
        )


@transaction.atomic
def log_call(
    *,
    actor,
    subject_type: str,
    subject_id: Any,
    outcome: Any = "connected",
    duration_minutes: Any = None,
    notes: Any = "",
    occurred_at: Any = None,
    form_token: str | None = None,
) -> Engagement:
    """A call that happened: who (the subject), how it went, how long, what was said."""
    errors: dict[str, str] = {}
    chosen = _choice(outcome, CallOutcome, "outcome", "connected", "call outcome", errors)
    minutes = _duration(duration_minutes, errors)
    return _log(
        actor=actor,
        kind=EngagementKind.CALL,
        subject_type=subject_type,
        subject_id=subject_id,
        occurred_at=occurred_at,
        body=notes,
        errors=errors,
        form_token=form_token,
        when_field="occurred_at",
        body_field="notes",
        outcome=chosen,
        duration_minutes=minutes,
    )


@transaction.atomic
def log_meeting(
    *,
    actor,
    subject_type: str,
    subject_id: Any,
    starts_at: Any = None,
    duration_minutes: Any = None,
    attendee_ids: Iterable[Any] = (),
    notes: Any = "",
    form_token: str | None = None,
) -> Engagement:
    """A meeting: when it starts, how long, who of the subject's people attended, the notes."""
    errors: dict[str, str] = {}
    minutes = _duration(duration_minutes, errors)
    return _log(
        actor=actor,
        kind=EngagementKind.MEETING,
        subject_type=subject_type,
        subject_id=subject_id,
        occurred_at=starts_at,
        body=notes,
        errors=errors,
        form_token=form_token,
        when_field="starts_at",
        body_field="notes",
        attendee_ids=attendee_ids,
        duration_minutes=minutes,
    )


@transaction.atomic
def log_email(
    *,
    actor,
    subject_type: str,
    subject_id: Any,
    email_subject: Any = "",
    body: Any = "",
    sent_at: Any = None,
    form_token: str | None = None,
) -> Engagement:
    """An email sent from another mailbox (a phone, a personal client), copied here so the team sees it."""
    errors: dict[str, str] = {}
    line = _text(
        email_subject, "email_subject", Engagement._meta.get_field("email_subject").max_length, errors
    )
    if not line and not str(body or "").strip() and "email_subject" not in errors:
        errors["email_subject"] = "Give the email's subject or paste its text."
    return _log(
        actor=actor,
        kind=EngagementKind.EMAIL,
        subject_type=subject_type,
        subject_id=subject_id,
        occurred_at=sent_at,
        body=body,
        errors=errors,
        form_token=form_token,
        when_field="sent_at",
        body_field="body",
        email_subject=line,
    )


# --- reminders ---------------------------------------------------------------------------------------------

REMINDER_BATCH = 500


def send_due_reminders(*, today: datetime.date | None = None, batch: int = REMINDER_BATCH) -> int:
    """Tell each assignee about their open tasks due today or overdue, once per task and due date.

    Walks the due tasks by id in batches, each one transaction that notifies (key `task:<id>:due:<date>`:
    the notifications app writes and mails a key once per user) and marks the tasks reminded for that date,
    so a worker killed mid-run resumes where its last batch committed and a re-run sends nothing twice.
    Returns how many reminders were sent."""
    today = today or timezone.localdate()
    due = (
        Task.objects.filter(deleted_at__isnull=True, status=TaskStatus.OPEN, due_date__lte=today)
        .exclude(owner__isnull=True)
        .filter(Q(reminded_for_date__isnull=True) | ~Q(reminded_for_date=F("due_date")))
    )
    sent, last_id = 0, 0
    while True:
        with transaction.atomic():
            tasks = list(
                due.filter(pk__gt=last_id)
                .select_related("owner")
                .select_for_update(of=("self",))
                .order_by("pk")[:batch]
            )
            if not tasks:
                return sent
            for task in tasks:
                if task.owner.is_active:
                    overdue = task.due_date < today
                    notify(
                        user=task.owner,
                        kind=REMINDER_KIND,
                        title=f"Overdue task: {task.title}" if overdue else f"Task due today: {task.title}",
                        body=f"Due {task.due_date:%d %b %Y}"
                        + (f" at {task.due_time:%H:%M}" if task.due_time else "")
                        + (" — overdue." if overdue else "."),
                        url=f"/tasks/mine/?view={'overdue' if overdue else 'today'}",
                        key=f"task:{task.pk}:due:{task.due_date.isoformat()}",
                    )
                    sent += 1
            Task.objects.filter(pk__in=[task.pk for task in tasks]).update(reminded_for_date=F("due_date"))
            last_id = tasks[-1].pk
