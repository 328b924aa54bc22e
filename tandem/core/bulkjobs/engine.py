"""The background side of bulk jobs: claim a job under a lease, work through the matching ids in chunks,
resume a job whose runner died. The services queue tasks, the tasks call this module, and this module
imports neither (no import cycle).

Each chunk is one transaction holding: the lease renewal (a runner whose job was taken over, or cancelled,
stops before writing), the ids the filter matches in the next window of ids after the resume point (keyset
on id, up to the job's `max_id`), the record type's own bulk service on those ids — the very call the
synchronous bulk bar makes, so audit rows, timeline entries, stage history, events and access checks are the
same — and the job's counters and resume point. A killed runner leaves the job at its last committed chunk;
the next one starts after it, so no record is changed twice.
"""

import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone

from tandem.core import access, leases
from tandem.core.access import Verb
from tandem.core.bulkjobs.models import BulkJob, State
from tandem.core.models import User
from tandem.core.records import query as record_query
from tandem.core.records import registry
from tandem.core.records.registry import BulkAction, RecordType

logger = logging.getLogger(__name__)

# Rows of the table per chunk (at most this many records changed in one transaction of the bulk service).
# The contact service takes ~0.7 ms a record on SQLite (timeline, stage history, audit and event rows), and
# SQLite has one writer: 2,000 holds the write lock ~1.5 s, as an import's chunk does, so pages that write
# wait briefly rather than for seconds. A million records is 500 transactions.
CHUNK_SIZE = 2_000
# A runner renews its lease in every chunk; a lease this old belongs to a dead runner.
LEASE_DURATION = timedelta(minutes=5)
QUERY_MAX_LENGTH = 4000


class LeaseLost(Exception):
    """The job is no longer this runner's (taken over after its lease expired, or cancelled): stop."""


class JobError(Exception):
    """The job cannot go on, for a reason the person who started it can read."""


@dataclass(frozen=True)
class Plan:
    """What a job does, read from its row and the record type's declaration."""

    record_type: RecordType
    action: BulkAction
    filters: Any
    actor: User
    value: str | None

    @property
    def verb(self) -> str:
        return verb_for(self.action)


def default_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def verb_for(action: BulkAction) -> str:
    """The access verb an action needs: a destructive one (to the trash) deletes, the rest change."""
    return Verb.DELETE if action.destructive else Verb.CHANGE


def find_action(record_type: RecordType, key: str) -> BulkAction | None:
    return next((action for action in record_type.bulk_actions if action.key == key), None)


def clean_query(query: str) -> str:
    """The list's query string as the job keeps it: re-encoded, without the page position."""
    parameters = QueryDict(query[:QUERY_MAX_LENGTH], mutable=True)
    parameters.pop("cursor", None)
    return parameters.urlencode()


def parse_query(record_type: RecordType, query: str, user) -> record_query.ListQuery:
    """The filter, read by the one query grammar exactly as the list and the synchronous bulk bar read it."""
    definitions = record_type.properties.definitions() if record_type.properties is not None else []
    return record_query.parse(record_type, QueryDict(query), user=user, definitions=definitions)


def matching(plan: Plan) -> models.QuerySet:
    """Every live record the filter matches that the actor may see: the list's own selector."""
    return plan.record_type.filtered(plan.actor, plan.filters).order_by()


def permitted_count(plan: Plan, ids: list[int]) -> int:
    """How many of `ids` the actor may change with this action, by the rule the bulk services apply:
    the verb's scope, and for a new owner only the records the reassignment grants them nothing new on."""
    records = plan.record_type.model.objects.filter(pk__in=ids)
    if plan.action.input == "owner":
        owner_id = record_query.parse_id(str(plan.value or ""))
        owner = User.objects.filter(pk=owner_id, is_active=True).first() if owner_id else None
        if owner is not None:
            return access.scope_reassignable(plan.actor, records, owner).count()
    return access.scope_queryset(plan.actor, plan.verb, records).count()


def apply(plan: Plan, ids: list[int]) -> int:
    """The record type's bulk service on `ids`, called as the synchronous bulk bar calls it; returns how
    many records it changed. Raises its ValidationError for a bad action or input."""
    services = plan.record_type.services
    return services.bulk(
        actor=plan.actor,
        **{services.ids_argument: ids},
        action=plan.action.key,
        value=plan.value,
        request=None,
    )


def plan_for(job: BulkJob) -> Plan:
    """Read the job back into a plan, or say why it can no longer run."""
    try:
        record_type = registry.get(job.object_type)
    except LookupError as error:
        raise JobError(f"The record type “{job.object_type}” no longer exists.") from error
    action = find_action(record_type, job.action)
    if action is None or record_type.services.bulk is None:
        raise JobError(
            f"The action “{job.action}” is no longer offered for {record_type.verbose_name_plural}."
        )
    actor = job.actor
    if actor is None or not actor.is_active:
        raise JobError("The person who started this change can no longer sign in, so it was stopped.")
    parsed = parse_query(record_type, job.query, actor)
    if not parsed.is_valid:
        raise JobError("The list's filter can no longer be read: " + " ".join(parsed.errors))
    return Plan(record_type=record_type, action=action, filters=parsed.filters, actor=actor, value=job.value)


def claim(job_id: int, worker: str, *, take_over: bool = False) -> bool:
    """Take the job with one conditional UPDATE: queued, or running under a stale lease (or this worker's
    own). `take_over` ignores the lease: an operator says the old runner is dead."""
    return leases.claim(
        BulkJob.objects.filter(pk=job_id, state__in=[State.QUEUED, State.RUNNING]),
        worker=worker,
        duration=LEASE_DURATION,
        take_over=take_over,
        state=State.RUNNING,
        started_at=Coalesce(F("started_at"), timezone.now()),
    )


def stalled_job_ids() -> list[int]:
    """Jobs whose runner died (lease expired) or whose task was lost (queued past its deadline)."""
    unfinished = BulkJob.objects.filter(state__in=[State.QUEUED, State.RUNNING])
    return list(leases.stale(unfinished).values_list("pk", flat=True))


def run(job_id: int, *, worker: str = "", take_over: bool = False, chunk_size: int = 0) -> BulkJob | None:
    """Run (or resume) a job to its end. Returns the finished job, or None when another runner holds it,
    took it over meanwhile, or it was cancelled."""
    worker = worker or default_worker()
    chunk_size = chunk_size or CHUNK_SIZE
    if not claim(job_id, worker, take_over=take_over):
        return None
    job = BulkJob.objects.select_related("actor").get(pk=job_id)
    jobs = BulkJob.objects.filter(pk=job.pk)
    try:
        plan = plan_for(job)
        if job.total is None:
            _count(job, plan, worker)
        while _run_chunk(job, plan, worker, chunk_size):
            pass
    except LeaseLost:
        state = jobs.values_list("state", flat=True).first()
        logger.info("Bulk job %s: no longer this runner's (now %s); stopping.", job_id, state)
        return None
    except (JobError, ValidationError) as error:
        reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        _fail(job, worker, f"{reason} What was done before stays done.")
        return _reloaded(job)
    except Exception as error:
        logger.exception("Bulk job %s failed", job_id)
        _fail(
            job,
            worker,
            f"The change stopped with an error ({type(error).__name__}). What was done before "
            "stays done; Run again does the rest, or ask an admin.",
        )
        return _reloaded(job)
    finished = leases.release(
        jobs.filter(state=State.RUNNING), worker=worker, state=State.DONE, finished_at=timezone.now()
    )
    return _reloaded(job) if finished else None


def _reloaded(job: BulkJob) -> BulkJob:
    job.refresh_from_db()
    return job


def _fail(job: BulkJob, worker: str, message: str) -> None:
    leases.release(
        BulkJob.objects.filter(pk=job.pk, state=State.RUNNING),
        worker=worker,
        state=State.FAILED,
        error=message[:2000],
        finished_at=timezone.now(),
    )


def _count(job: BulkJob, plan: Plan, worker: str) -> None:
    """One count, so the progress bar has an end (records may stop or start matching while the job runs:
    the counters say what was really done)."""
    total = matching(plan).filter(pk__lte=job.max_id).count()
    if not leases.renew(
        BulkJob.objects.filter(pk=job.pk, state=State.RUNNING),
        worker=worker,
        duration=LEASE_DURATION,
        total=total,
    ):
        raise LeaseLost
    job.total = total


def _window_end(job: BulkJob, plan: Plan, chunk_size: int) -> int:
    """The id closing the next window: `chunk_size` rows of the table after the resume point (read on the
    primary key alone, whatever the filter), or `max_id`. The filter then runs inside that id range, so a
    chunk costs the same at the start of a million records as at the end, however many the filter matches."""
    following = (
        plan.record_type.model.objects.filter(pk__gt=job.last_id, pk__lte=job.max_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    end = following[chunk_size - 1 : chunk_size].first()
    return end if end is not None else job.max_id


@transaction.atomic
def _run_chunk(job: BulkJob, plan: Plan, worker: str, chunk_size: int) -> bool:
    """Process the next window of ids in one transaction; False once the window reached `max_id`."""
    # Renewed inside the chunk's transaction: a runner whose lease was taken over (or whose job was
    # cancelled) cannot commit a chunk.
    if not leases.renew(
        BulkJob.objects.filter(pk=job.pk, state=State.RUNNING), worker=worker, duration=LEASE_DURATION
    ):
        raise LeaseLost
    # The resume point as committed: a chunk someone else already did is never done twice.
    committed = BulkJob.objects.filter(pk=job.pk).values_list("last_id", flat=True).get()
    if committed != job.last_id:
        raise LeaseLost
    end = _window_end(job, plan, chunk_size)
    # A filter joining to many rows (tags) may name a record twice; it is one record.
    ids = list(
        dict.fromkeys(
            matching(plan).filter(pk__gt=job.last_id, pk__lte=end).order_by("pk").values_list("pk", flat=True)
        )
    )
    permitted = permitted_count(plan, ids) if ids else 0
    changed = apply(plan, ids) if ids else 0
    BulkJob.objects.filter(pk=job.pk).update(
        last_id=end,
        processed=F("processed") + len(ids),
        changed=F("changed") + changed,
        denied=F("denied") + (len(ids) - permitted),
        unchanged=F("unchanged") + max(0, permitted - changed),
    )
    job.last_id = end
    return end < job.max_id
