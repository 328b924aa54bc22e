"""Leases for long background jobs: one runner per job, and a dead runner's job taken over, never run twice.

A job row carries `worker` (who holds it, "" for nobody) and `lease_until` (when the holder is presumed
dead). Every step is one conditional UPDATE, so two runners racing for a job cannot both win:

- `claim`: take the job if nobody holds it, its lease expired, or this worker already holds it.
- `renew`: inside each unit of work's transaction, extend the lease; False means another runner took the
  job over (this one was presumed dead) and the unit must not commit.
- `release`: give the job up at the end, with its final state.
- `queue`: mark a job as waiting for a runner until a deadline; a sweep re-queues it when that passes
  (`stale`), which covers both a lost task and a runner killed mid-way.

The model needs two fields: `worker = CharField(blank=True)` and `lease_until = DateTimeField(null=True)`.
"""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

DEFAULT_DURATION = timedelta(minutes=5)


def claim(
    jobs: QuerySet, *, worker: str, duration: timedelta = DEFAULT_DURATION, take_over: bool = False, **changes
) -> bool:
    """Take the job(s) in `jobs` for `worker` (and apply `changes`) unless a live lease of another worker holds
    them. `take_over` ignores the lease: an operator says the holder is dead."""
    now = timezone.now()
    if not take_over:
        jobs = jobs.filter(
            Q(worker="") | Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(worker=worker)
        )
    return bool(jobs.update(worker=worker, lease_until=now + duration, **changes))


def renew(jobs: QuerySet, *, worker: str, duration: timedelta = DEFAULT_DURATION, **changes) -> bool:
    """Extend `worker`'s lease; False when the job is no longer this worker's."""
    return bool(jobs.filter(worker=worker).update(lease_until=timezone.now() + duration, **changes))


def release(jobs: QuerySet, *, worker: str, **changes) -> bool:
    """End `worker`'s lease, applying the job's final state in the same UPDATE; False if it was not theirs."""
    return bool(jobs.filter(worker=worker).update(lease_until=None, **changes))


def queue(jobs: QuerySet, *, duration: timedelta = DEFAULT_DURATION, **changes) -> int:
    """Mark jobs as waiting for a runner: nobody holds them, and a sweep may re-queue them after `duration`."""
    return jobs.update(worker="", lease_until=timezone.now() + duration, **changes)


def stale(jobs: QuerySet) -> QuerySet:
    """The jobs whose lease (or queue deadline) has passed: their runner died, or their task was lost."""
    return jobs.filter(lease_until__lt=timezone.now())
