"""The pages the record layer does not generate: My tasks (the queue), its one-click actions, and the
"Log activity" forms of contact, company and deal pages."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tandem.core import access
from tandem.core.access import Verb
from tandem.core.pagination import InvalidCursor
from tandem.engagements import selectors, services, subjects
from tandem.engagements.forms import BUTTONS, FORMS, TITLES
from tandem.engagements.models import Task


def _subject_or_404(request) -> subjects.Subject:
    kind, pk = subjects.parse_reference(request.GET.get("subject") or request.POST.get("subject"))
    try:
        return subjects.resolve(request.user, kind, pk)
    except ValidationError:
        raise Http404("No such record.") from None


@login_required
def log(request, kind: str):
    """GET: the form for one kind (a fragment for the panel's htmx, the whole page otherwise). POST: log it,
    then back to the record's page, whose timeline shows it."""
    if kind not in FORMS:
        raise Http404("No such form.")
    subject = _subject_or_404(request)
    object_type = "task" if kind == "task" else "engagement"
    if not access.allows(request.user, object_type, Verb.CREATE):
        raise PermissionDenied("You may not log activities." if kind != "task" else "You may not add tasks.")
    people = subjects.people(subject).contacts if kind == "meeting" else ()
    form_class = FORMS[kind]
    extra = {"people": people} if kind == "meeting" else {}
    form = form_class(request.POST or None, prefix_id=f"log-{kind}", **extra)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        reference = {"subject_type": subject.object_type, "subject_id": subject.pk}
        try:
            if kind == "call":
                services.log_call(
                    actor=request.user,
                    **reference,
                    outcome=data["outcome"],
                    duration_minutes=data["duration_minutes"],
                    notes=data["notes"],
                    occurred_at=data["occurred_at"],
                    form_token=data["form_token"],
                )
                done = "Call logged."
            elif kind == "meeting":
                services.log_meeting(
                    actor=request.user,
                    **reference,
                    starts_at=data["starts_at"],
                    duration_minutes=data["duration_minutes"],
                    attendee_ids=data.get("attendees") or (),
                    notes=data["notes"],
                    form_token=data["form_token"],
                )
                done = "Meeting logged."
            elif kind == "email":
                services.log_email(
                    actor=request.user,
                    **reference,
                    email_subject=data["email_subject"],
                    body=data["body"],
                    sent_at=data["sent_at"],
                    form_token=data["form_token"],
                )
                done = "Email logged."
            else:
                services.create_task(
                    actor=request.user,
                    values={
                        "title": data["title"],
                        "subject": f"{subject.object_type}:{subject.pk}",
                        "due_date": data["due_date"],
                        "due_time": data["due_time"],
                        "task_type": data["task_type"],
                        "priority": data["priority"],
                        "notes": data["notes"],
                    },
                    request=request,
                )
                done = "Task added."
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, done)
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = subject.url
                return response
            return redirect(subject.url)
    if request.method == "POST":
        status = 400
    context = {
        "form": form,
        "kind": kind,
        "subject": subject,
        "title": TITLES[kind],
        "button": BUTTONS[kind],
        "action": reverse("engagements:log", args=[kind]) + f"?subject={subject.object_type}:{subject.pk}",
    }
    template = "engagements/_log_form.html" if request.htmx else "engagements/log.html"
    return render(request, template, context, status=status)


@login_required
def task_queue(request):
    """My tasks: overdue, due today, upcoming and done, one tab each, paged by keyset."""
    access.require_allowed(request.user, "task", Verb.VIEW)
    view = request.GET.get("view") or "today"
    if view not in selectors.QUEUE_VIEWS:
        view = "today"
    today = timezone.localdate()
    try:
        page = selectors.queue(request.user, view, cursor=request.GET.get("cursor"), today=today)
    except (InvalidCursor, ValidationError):
        page = selectors.queue(request.user, view, today=today)
    tabs = _tabs(request.user, today)
    overdue = {key: count for key, _label, count in tabs}["overdue"][0]
    if view == "today" and not page.rows and overdue and "view" not in request.GET:
        return redirect(f"{reverse('engagements:task_queue')}?view=overdue")
    context = {
        "view": view,
        "tabs": tabs,
        "page": page,
        "today": today,
        "may_create": access.allows(request.user, "task", Verb.CREATE),
        "snoozes": SNOOZE_LABELS,
    }
    return render(request, "engagements/queue.html", context)


SNOOZE_LABELS = (("tomorrow", "Tomorrow"), ("two_days", "In two days"), ("next_week", "Next Monday"))


def _tabs(user, today: datetime.date) -> list[tuple[str, str, tuple[int, bool]]]:
    """(key, label, capped count) per tab, overdue first."""
    counts = selectors.queue_counts(user, today)
    return [(key, label, counts[key]) for key, label in selectors.QUEUE_VIEWS.items()]


def _task_for_change(request, pk: int) -> Task:
    queryset = Task.objects.filter(deleted_at__isnull=True).select_related("owner")
    return access.get_object_or_deny(request.user, Verb.CHANGE, queryset, pk=pk)


def _row_response(request, task: Task, note: str = "", error: str = ""):
    if request.htmx:
        # The row is swapped in place; the tabs' counts ride along out of band, so "Overdue 3" is true
        # after a tick or a snooze without a reload.
        task.refresh_from_db()
        selectors.attach_subjects(request.user, [task])
        today = timezone.localdate()
        return render(
            request,
            "engagements/_task_row_response.html",
            {
                "task": task,
                "tabs": _tabs(request.user, today) if not error else (),
                "today": today,
                "snoozes": SNOOZE_LABELS,
                "note": note,
                "error": error,
            },
            status=400 if error else 200,
        )
    if error:
        messages.error(request, error)
    elif note:
        messages.success(request, note)
    back = request.POST.get("next") or ""
    return redirect(
        back if back.startswith("/") and not back.startswith("//") else reverse("engagements:task_queue")
    )


@login_required
@require_POST
def task_complete(request, pk: int):
    task = services.complete_task(actor=request.user, task=_task_for_change(request, pk), request=request)
    return _row_response(request, task, note=f"Done: {task.title}")


@login_required
@require_POST
def task_reopen(request, pk: int):
    task = services.reopen_task(actor=request.user, task=_task_for_change(request, pk), request=request)
    return _row_response(request, task, note=f"Reopened: {task.title}")


@login_required
@require_POST
def task_reschedule(request, pk: int):
    """Snooze (tomorrow, in two days, next Monday) or a date typed in."""
    task = _task_for_change(request, pk)
    snooze = request.POST.get("snooze", "")
    try:
        due = services.snooze_date(snooze) if snooze else request.POST.get("due_date", "")
        task = services.reschedule_task(
            actor=request.user,
            task=task,
            due_date=due,
            due_time=request.POST.get("due_time", "") if not snooze else task.due_time,
            request=request,
        )
    except ValidationError as error:
        return _row_response(request, task, error=" ".join(error.messages))
    due_text = task.due_date.strftime("%a %d %b") if isinstance(task.due_date, datetime.date) else ""
    return _row_response(request, task, note=f"Moved to {due_text}: {task.title}")
