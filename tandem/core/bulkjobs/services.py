"""Starting, cancelling and restarting bulk jobs (the request side); the work itself is in `engine`."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tandem.core import access, audit, leases
from tandem.core.bulkjobs import engine, tasks
from tandem.core.bulkjobs.models import BulkJob, State
from tandem.core.bulkjobs.selectors import visible_jobs
from tandem.core.models import User
from tandem.core.records import registry


class _Rehearsed(Exception):
    """Raised to roll the rehearsal back once the bulk service accepted the action and its input."""


def _rehearse(plan: engine.Plan, record_id: int) -> None:
    """Validate the action and its input exactly as the synchronous bulk bar does, by making the same call:
    the type's bulk service on one matching record, inside a transaction that is always rolled back. Its
    ValidationError reaches the caller; its writes, audit rows, outbox events and on-commit hooks go with
    the rollback (side effects run only after commit, by the house rules)."""
    try:
        with transaction.atomic():
            engine.apply(plan, [record_id])
            raise _Rehearsed
    except _Rehearsed:
        pass


def start_bulk_job(
    *, actor: User, object_type: str, action: str, value: str | None, query: str, request=None
) -> BulkJob:
    """Queue a bulk action on every record the list's filter (`query`) matches now.

    Refuses (ValidationError, nothing queued) an action the type does not offer, an input its bulk service
    would refuse, a filter the grammar cannot read, or a filter that matches nothing; PermissionDenied when
    the actor may not change (or, for a destructive action, delete) records of this type at all. "Matches
    now" is kept as the highest matching id: records created later are never touched.
    """
    record_type = registry.get(object_type)
    bulk_action = engine.find_action(record_type, action)
    if bulk_action is None or record_type.services.bulk is None:
        raise ValidationError("Choose one of the actions offered.")
    verb = engine.verb_for(bulk_action)
    if not access.allows(actor, object_type, verb):
        raise PermissionDenied(f"You may not {verb} {record_type.verbose_name_plural}.")
    query = engine.clean_query(query)
    parsed = engine.parse_query(record_type, query, actor)
    if not parsed.is_valid:
        raise ValidationError(
            "The list's filter could not be read, so nothing was changed: " + " ".join(parsed.errors)
        )
    plan = engine.Plan(
        record_type=record_type, action=bulk_action, filters=parsed.filters, actor=actor, value=value
    )
    max_id = engine.matching(plan).order_by("-pk").values_list("pk", flat=True).first()
    if max_id is None:
        raise ValidationError(f"No {record_type.verbose_name_plural} match this filter; nothing was changed.")
    _rehearse(plan, max_id)
    with transaction.atomic():
        job = BulkJob.objects.create(
            object_type=object_type, action=action, value=value, query=query, actor=actor, max_id=max_id
        )
        # Queued with a deadline: if the task is lost, the sweep queues it again once this passes.
        leases.queue(BulkJob.objects.filter(pk=job.pk), duration=engine.LEASE_DURATION)
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            target=job,
            event="bulk_job_started",
            request=request,
            extra={"object_type": object_type, "action": action, "value": value, "query": query},
        )
        job_id = job.pk
        transaction.on_commit(lambda: tasks.run_bulk_job(job_id))
    job.refresh_from_db()
    return job


@transaction.atomic
def cancel_bulk_job(*, actor: User, job: BulkJob, request=None) -> BulkJob:
    """Stop a queued or running job after the chunk in progress; what the committed chunks did stays.
    Only who started it (or an admin) may."""
    if not visible_jobs(actor).filter(pk=job.pk).exists():
        raise PermissionDenied("You may not cancel this bulk change.")
    cancelled = BulkJob.objects.filter(pk=job.pk, state__in=[State.QUEUED, State.RUNNING]).update(
        state=State.CANCELLED, worker="", lease_until=None, finished_at=timezone.now()
    )
    if not cancelled:
        raise ValidationError("This bulk change has already finished.")
    job.refresh_from_db()
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=job,
        event="bulk_job_cancelled",
        request=request,
        extra={"processed": job.processed, "changed": job.changed},
    )
    return job


@transaction.atomic
def restart_bulk_job(*, actor: User, job: BulkJob, request=None) -> BulkJob:
    """Queue a failed job again: the run resumes after `last_id` (every record up to there was processed in
    a committed chunk, so none is changed twice) and keeps its counts; it acts as the job's own actor, on
    the same filter. Only who started it (or an admin) may; only a failed job can be run again."""
    if not visible_jobs(actor).filter(pk=job.pk).exists():
        raise PermissionDenied("You may not run this bulk change again.")
    queued = leases.queue(
        BulkJob.objects.filter(pk=job.pk, state=State.FAILED),
        duration=engine.LEASE_DURATION,
        state=State.QUEUED,
        error="",
        finished_at=None,
    )
    if not queued:
        raise ValidationError("Only a bulk change that stopped with an error can be run again.")
    job.refresh_from_db()
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=job,
        event="bulk_job_restarted",
        request=request,
        extra={"resumes_after_id": job.last_id, "processed": job.processed},
    )
    job_id = job.pk
    transaction.on_commit(lambda: tasks.run_bulk_job(job_id))
    return job
