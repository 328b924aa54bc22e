"""Reads for the bulk job page: which jobs a user may see, and what the progress panel says."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.urls import NoReverseMatch, reverse

from tandem.core.bulkjobs.models import BulkJob, State
from tandem.core.models import Role, User
from tandem.core.pagination import Page, SortKey, paginate
from tandem.core.records import query as record_query
from tandem.core.records import registry


def visible_jobs(user) -> QuerySet[BulkJob]:
    """Admins see every bulk job; everyone else the ones they started."""
    if not user.is_authenticated or not user.is_active:
        return BulkJob.objects.none()
    jobs = BulkJob.objects.select_related("actor")
    return jobs if user.role == Role.ADMIN else jobs.filter(actor=user)


JOB_SORT = SortKey(("created_at", "id"), descending=True)
JOB_PAGE_SIZE = 50


def job_list(user, cursor: str | None = None, limit: int | None = None) -> Page:
    """The user's bulk jobs (an admin's: everyone's), newest first, by keyset on (created_at, id); each row
    described for the list (`describe_jobs`) in a constant number of queries."""
    page = paginate(visible_jobs(user), JOB_SORT, cursor, limit or JOB_PAGE_SIZE)
    describe_jobs(page.rows)
    return page


def describe_jobs(jobs: list[BulkJob]) -> None:
    """Set `action_label`, `value_label`, `noun`, `percent` and `state_tone` on each job, reading the owners
    an "assign owner" job names in one query for all of them (not one per row)."""
    actions = {job.pk: _action(job) for job in jobs}
    owner_ids = {
        record_query.parse_id(job.value or "")
        for job in jobs
        if actions[job.pk] is not None and actions[job.pk].input == "owner"
    } - {None}
    owners = (
        {user.pk: user.display_name for user in User.objects.filter(pk__in=owner_ids)} if owner_ids else {}
    )
    for job in jobs:
        action = actions[job.pk]
        job.action_label = action.label if action is not None else job.action
        if action is not None and action.input == "owner" and job.value:
            job.value_label = owners.get(record_query.parse_id(job.value) or 0, job.value)
        else:
            job.value_label = value_label(job, action)
        job.noun = _nouns(job)[1]
        job.percent = _percent(job)
        job.state_tone = STATE_TONES.get(job.state, "muted")


STATE_TONES = {
    State.DONE: "success",
    State.FAILED: "danger",
    State.QUEUED: "warning",
    State.RUNNING: "warning",
}


def _percent(job: BulkJob) -> int:
    if job.state == State.DONE:
        return 100
    if job.total:
        return min(100, job.processed * 100 // job.total)
    return 0


def job_detail(user, job_id: Any) -> BulkJob:
    """One job the user may see; 404 otherwise (someone else's job is not even confirmed to exist)."""
    try:
        return visible_jobs(user).get(pk=int(job_id))
    except (BulkJob.DoesNotExist, TypeError, ValueError) as error:
        raise Http404("Not found.") from error


def _nouns(job: BulkJob) -> tuple[str, str]:
    try:
        record_type = registry.get(job.object_type)
    except LookupError:
        return "record", "records"
    return record_type.verbose_name, record_type.verbose_name_plural


def _action(job: BulkJob):
    try:
        record_type = registry.get(job.object_type)
    except LookupError:
        return None
    return next((action for action in record_type.bulk_actions if action.key == job.action), None)


def list_url(job: BulkJob) -> str:
    """The list the job was started from, with the same filters and sort."""
    try:
        url = reverse(registry.get(job.object_type).url_name("list"))
    except (LookupError, NoReverseMatch):
        return ""
    return f"{url}?{job.query}" if job.query else url


def value_label(job: BulkJob, action) -> str:
    """The action's input as a person reads it: a choice's label, an owner's name, or the text typed."""
    if action is None or not action.input or job.value in (None, ""):
        return ""
    if action.input == "choice":
        return dict(action.choices).get(job.value, job.value)
    if action.input == "owner":
        owner_id = record_query.parse_id(job.value)
        owner = User.objects.filter(pk=owner_id).first() if owner_id else None
        return owner.display_name if owner is not None else job.value
    return job.value


def filter_labels(job: BulkJob) -> list[str]:
    """The job's filter as the list's chips name it ("Stage: Lead"); empty for "every record"."""
    try:
        record_type = registry.get(job.object_type)
    except LookupError:
        return []
    definitions = record_type.properties.definitions() if record_type.properties is not None else []
    parsed = record_query.parse(record_type, QueryDict(job.query), user=job.actor, definitions=definitions)
    return [chip.label for chip in parsed.chips]


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number:,} {singular if number == 1 else plural}"


def outcome_sentences(
    singular: str, plural: str, *, destructive: bool, changed: int, denied: int, unchanged: int
) -> list[str]:
    """What a bulk action did, in the words both the synchronous bar and the job page use: "Updated 5
    contacts." "3 skipped: you may not change them." "2 already as asked, so left alone." """
    verb = "Moved" if destructive else "Updated"
    sentences = [f"{verb} {_count(changed, singular, plural)}{' to the trash' if destructive else ''}."]
    if denied:
        sentences.append(f"{denied:,} skipped: you may not change them.")
    if unchanged:
        sentences.append(f"{unchanged:,} already as asked, so left alone.")
    return sentences


def progress(job: BulkJob) -> dict[str, Any]:
    """What the progress panel shows: the bar, the state, and once finished what was done, in sentences."""
    singular, plural = _nouns(job)
    action = _action(job)
    destructive = action is not None and action.destructive
    finished = job.state in (State.DONE, State.FAILED, State.CANCELLED)
    percent = _percent(job)
    outcome = outcome_sentences(
        singular,
        plural,
        destructive=destructive,
        changed=job.changed,
        denied=job.denied,
        unchanged=job.unchanged,
    )
    return {
        "state": job.state,
        "state_label": job.get_state_display(),
        "action_label": action.label if action is not None else job.action,
        "value_label": value_label(job, action),
        "noun": plural,
        "waiting": job.state == State.QUEUED,
        "counting": job.state == State.RUNNING and job.total is None,
        "total": job.total,
        "processed": job.processed,
        "changed": job.changed,
        "denied": job.denied,
        "unchanged": job.unchanged,
        "percent": percent,
        "finished": finished,
        "can_restart": job.state == State.FAILED,
        "polling": not finished,
        "outcome": outcome,
        "error": job.error,
        "list_url": list_url(job),
        "filter_labels": filter_labels(job),
    }
