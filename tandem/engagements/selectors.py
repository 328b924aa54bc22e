"""Page-shaped reads of tasks and logged engagements, scoped by the access policy and paged by keyset."""

import datetime
from dataclasses import dataclass, field

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from tandem.core import access
from tandem.core.access import Verb
from tandem.core.pagination import Page, SortKey, count_up_to, paginate
from tandem.core.records import registry
from tandem.engagements import subjects
from tandem.engagements.models import Engagement, Task, TaskStatus

SORTS = {
    "due": ("Due date, soonest first", SortKey(("due_date", "id"), descending=False)),
    "newest": ("Newest first", SortKey(("created_at", "id"), descending=True)),
    "done": ("Recently done", SortKey(("done_at", "id"), descending=True)),
}
QUEUE_VIEWS = {
    "overdue": "Overdue",
    "today": "Due today",
    "upcoming": "Upcoming",
    "done": "Done",
}
QUEUE_PAGE_SIZE = 50
COUNT_CAP = 1000


@dataclass
class TaskFilters:
    search: str = ""
    owner_ids: list[int] = field(default_factory=list)
    unowned: bool = False
    team_ids: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    task_types: list[str] = field(default_factory=list)
    due_from: datetime.date | None = None
    due_to: datetime.date | None = None
    properties: list = field(default_factory=list)


def visible_tasks(user) -> QuerySet:
    return access.scope_queryset(user, Verb.VIEW, Task.objects.filter(deleted_at__isnull=True))


def filtered_tasks(user, filters: TaskFilters) -> QuerySet:
    queryset = visible_tasks(user).select_related("owner", "team")
    for word in filters.search.split()[:5]:
        queryset = queryset.filter(title__icontains=word)
    if filters.owner_ids or filters.unowned:
        condition = Q(owner_id__in=filters.owner_ids)
        if filters.unowned:
            condition |= Q(owner__isnull=True)
        queryset = queryset.filter(condition)
    if filters.team_ids:
        queryset = queryset.filter(team_id__in=filters.team_ids)
    if filters.statuses:
        queryset = queryset.filter(status__in=filters.statuses)
    if filters.priorities:
        queryset = queryset.filter(priority__in=filters.priorities)
    if filters.task_types:
        queryset = queryset.filter(task_type__in=filters.task_types)
    if filters.due_from:
        queryset = queryset.filter(due_date__gte=filters.due_from)
    if filters.due_to:
        queryset = queryset.filter(due_date__lte=filters.due_to)
    return queryset


def task_detail(user, pk: int) -> Task:
    queryset = Task.objects.filter(deleted_at__isnull=True).select_related("owner", "team", "created_by")
    task = access.get_object_or_deny(user, Verb.VIEW, queryset, pk=pk)
    attach_subjects(user, [task])  # its subject's name only if the reader may see that record
    return task


def task_trash(user, cursor: str | None = None) -> Page:
    queryset = access.scope_queryset(user, Verb.DELETE, Task.objects.filter(deleted_at__isnull=False))
    return paginate(queryset, SortKey(("deleted_at", "id"), descending=True), cursor, 50)


# --- My tasks ------------------------------------------------------------------------------------------------


def _queue_queryset(user, view: str, today: datetime.date) -> tuple[QuerySet, SortKey]:
    mine = Task.objects.filter(deleted_at__isnull=True, owner=user)
    if view == "done":
        return mine.filter(status=TaskStatus.DONE), SortKey(("done_at", "id"), descending=True)
    open_tasks = mine.filter(status=TaskStatus.OPEN)
    by_due = SortKey(("due_date", "id"), descending=False)
    if view == "overdue":
        return open_tasks.filter(due_date__lt=today), by_due
    if view == "today":
        return open_tasks.filter(due_date=today), by_due
    return open_tasks.filter(due_date__gt=today), by_due


def queue(user, view: str, *, cursor: str | None = None, today: datetime.date | None = None) -> Page:
    """One page of the user's own tasks in one tab: overdue and due today oldest first, upcoming soonest
    first, done most recently done first; each walks the (owner, status, due_date | done_at, id) index."""
    today = today or timezone.localdate()
    queryset, order = _queue_queryset(user, view if view in QUEUE_VIEWS else "today", today)
    page = paginate(queryset.select_related("owner"), order, cursor, QUEUE_PAGE_SIZE)
    attach_subjects(user, page.rows)
    return page


def queue_counts(user, today: datetime.date | None = None) -> dict[str, tuple[int, bool]]:
    """Each tab's count, capped (one indexed count per tab)."""
    today = today or timezone.localdate()
    return {view: count_up_to(_queue_queryset(user, view, today)[0], COUNT_CAP) for view in QUEUE_VIEWS}


def attach_subjects(user, tasks: list[Task]) -> None:
    """Set `subject_title` and `subject_url` on each task: one query per subject type on the page, and only
    the records the user may see (another team's deal reads as "a deal")."""
    by_type: dict[str, set[int]] = {}
    for task in tasks:
        if task.subject_type and task.subject_id:
            by_type.setdefault(task.subject_type, set()).add(task.subject_id)
    titles: dict[tuple[str, int], str] = {}
    for object_type, ids in by_type.items():
        try:
            record_type = registry.get(object_type)
        except LookupError:
            continue
        live = record_type.model.objects.filter(pk__in=ids, deleted_at__isnull=True)
        for record in access.scope_queryset(user, Verb.VIEW, live):
            titles[(object_type, record.pk)] = record_type.title(record)
    for task in tasks:
        key = (task.subject_type, task.subject_id)
        task.subject_title = titles.get(key, "")  # type: ignore[attr-defined]
        task.subject_url = (  # type: ignore[attr-defined]
            subjects.detail_url(*key) if key in titles else ""
        )
        task.subject_noun = subjects.TYPE_NAMES.get(task.subject_type, "").lower()  # type: ignore[attr-defined]


# --- a record's page -------------------------------------------------------------------------------------------


def subject_open_tasks(user, subject_type: str, subject_id: int, limit: int = 5) -> list[Task]:
    return list(
        visible_tasks(user)
        .filter(subject_type=subject_type, subject_id=subject_id, status=TaskStatus.OPEN)
        .select_related("owner")
        .order_by("due_date", "id")[:limit]
    )


def recent_engagements(subject_type: str, subject_id: int, limit: int = 5) -> list[Engagement]:
    """The latest calls, meetings and emails logged on a record (the reader already sees the record)."""
    return list(
        Engagement.objects.filter(subject_type=subject_type, subject_id=subject_id)
        .select_related("logged_by")
        .order_by("-occurred_at", "-id")[:limit]
    )


def earliest_open_task(subject_type: str, subject_id: int) -> Task | None:
    """The open task due first on a record (ties: the earlier time, then the first created): a deal's next
    step. Read without a user: it serves the deals app's handler."""
    return (
        Task.objects.filter(
            deleted_at__isnull=True, status=TaskStatus.OPEN, subject_type=subject_type, subject_id=subject_id
        )
        .order_by("due_date", F("due_time").asc(nulls_last=True), "id")
        .first()
    )
