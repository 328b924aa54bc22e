"""Issue 7: "all N matching" above the synchronous limit runs as a background bulk job on contacts.

The job calls the same bulk service as the synchronous bar, chunk by chunk, so its traces are the same: one
stage-change row, timeline entry, audit row and stage_changed event per changed contact. A runner that dies
or loses its lease leaves the job at its last committed chunk; the resumed job changes every contact once."""

import dataclasses

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tandem.contacts import events
from tandem.contacts.models import Activity, ActivityKind, Contact, LifecycleStage, StageChange
from tandem.contacts.records import CONTACT
from tandem.contacts.services import bulk_update_contacts
from tandem.contacts.tests.factories import ContactFactory, TeamFactory, UserFactory
from tandem.core.bulkjobs import engine, services, tasks
from tandem.core.bulkjobs.models import BulkJob, State
from tandem.core.models import Event, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def low_limit(settings):
    settings.TANDEM_BULK_SYNCHRONOUS_LIMIT = 4


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMIN)


def stages() -> dict[str, int]:
    counts: dict[str, int] = {}
    for stage in Contact.objects.values_list("lifecycle_stage", flat=True):
        counts[stage] = counts.get(stage, 0) + 1
    return counts


def leads(count: int, **values) -> list[Contact]:
    return [ContactFactory(lifecycle_stage=LifecycleStage.LEAD, **values) for _ in range(count)]


def start(actor, query: str = "stage=lead", action: str = "set_stage", value: str | None = "mql") -> BulkJob:
    """Queue a job as the page does, without running its task (each test runs the engine itself)."""
    return services.start_bulk_job(
        actor=actor, object_type="contact", action=action, value=value, query=query
    )


def test_the_list_starts_a_job_and_its_page_says_what_was_done(
    client, admin, django_capture_on_commit_callbacks
):
    leads(7)
    ContactFactory(lifecycle_stage=LifecycleStage.CUSTOMER)
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/contacts/bulk/",
            {
                "scope": "matching",
                "query": "stage=lead&sort=name&cursor=abc",
                "action": "set_stage",
                "stage": "mql",
            },
        )

    job = BulkJob.objects.get()
    assert response["Location"] == f"/bulk-jobs/{job.pk}/"
    assert (job.state, job.query, job.total, job.processed, job.changed) == (
        State.DONE,
        "stage=lead&sort=name",
        7,
        7,
        7,
    )
    assert stages() == {"mql": 7, "customer": 1}
    page = client.get(response["Location"]).content.decode()
    assert "<h1>Set stage: <bdi>Marketing qualified lead</bdi></h1>" in page
    assert "Updated 7 contacts." in page
    assert 'href="/contacts/?stage=lead&amp;sort=name"' in page


def test_a_job_leaves_the_same_traces_as_the_synchronous_path(admin, monkeypatch):
    # given chunks of 3 over 7 leads
    monkeypatch.setattr(engine, "CHUNK_SIZE", 3)
    contacts = leads(7)
    ids = sorted(contact.pk for contact in contacts)
    job = start(admin)

    done = engine.run(job.pk, worker="one")

    assert (done.state, done.processed, done.changed, done.last_id) == (State.DONE, 7, 7, ids[-1])
    changes = StageChange.objects.order_by("contact_id")
    assert [
        (row.contact_id, row.from_stage, row.to_stage, row.cause_type, row.actor_id) for row in changes
    ] == [(pk, "lead", "mql", "bulk", admin.pk) for pk in ids]
    activities = Activity.objects.filter(kind=ActivityKind.STAGE_CHANGED, subject_type="bulk")
    assert sorted(activities.values_list("contact_id", flat=True)) == ids
    audit_rows = LogEntry.objects.filter(additional_data__event="bulk_set_stage")
    assert sorted(int(pk) for pk in audit_rows.values_list("object_pk", flat=True)) == ids
    assert Event.objects.filter(name=events.CONTACT_STAGE_CHANGED).count() == 7
    bulk_events = Event.objects.filter(name=events.CONTACT_BULK_UPDATED).order_by("pk")
    assert [sorted(event.payload["contact_ids"]) for event in bulk_events] == [ids[0:3], ids[3:6], ids[6:7]]
    started = LogEntry.objects.get(additional_data__event="bulk_job_started")
    assert (started.object_pk, started.actor_id) == (str(job.pk), admin.pk)


def test_a_killed_runner_leaves_its_last_chunk_and_the_resumed_job_changes_each_contact_once(
    admin, monkeypatch
):
    # given chunks of 2 and a bulk service that dies (like a killed process) after writing its third chunk
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    contacts = leads(7)
    job = start(admin)
    calls = {"count": 0}

    def dying_bulk(**arguments):
        calls["count"] += 1
        changed = bulk_update_contacts(**arguments)
        if calls["count"] == 3:
            raise SystemExit("killed")
        return changed

    monkeypatch.setattr(CONTACT, "services", dataclasses.replace(CONTACT.services, bulk=dying_bulk))
    with pytest.raises(SystemExit):
        engine.run(job.pk, worker="doomed")

    # then the two committed chunks stay and the third left nothing behind
    job.refresh_from_db()
    assert (job.state, job.worker, job.processed, job.changed) == (State.RUNNING, "doomed", 4, 4)
    assert stages() == {"mql": 4, "lead": 3}
    assert StageChange.objects.count() == 4

    # when the dead runner's lease expires, the sweep queues the job again (the task runs inline here)
    monkeypatch.undo()
    BulkJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timezone.timedelta(seconds=1))
    assert tasks.resume_stalled() == 1

    # then every lead was changed exactly once
    job.refresh_from_db()
    assert (job.state, job.total, job.processed, job.changed, job.denied, job.unchanged) == (
        State.DONE,
        7,
        7,
        7,
        0,
        0,
    )
    assert stages() == {"mql": 7}
    assert sorted(StageChange.objects.values_list("contact_id", flat=True)) == sorted(c.pk for c in contacts)
    assert LogEntry.objects.filter(additional_data__event="bulk_set_stage").count() == 7


def test_a_runner_that_lost_its_lease_cannot_commit_another_chunk(admin, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    leads(6)
    job = start(admin, action="add_tag", value="vip")
    assert engine.claim(job.pk, "slow")
    job = BulkJob.objects.select_related("actor").get(pk=job.pk)
    plan = engine.plan_for(job)
    engine._run_chunk(job, plan, "slow", 2)

    # when its lease expires and another runner takes the job and finishes it
    BulkJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timezone.timedelta(seconds=1))
    done = engine.run(job.pk, worker="fast")

    with pytest.raises(engine.LeaseLost):
        engine._run_chunk(job, plan, "slow", 2)
    assert (done.state, done.processed, done.changed, done.worker) == (State.DONE, 6, 6, "fast")
    assert Contact.objects.filter(tags__name="vip").count() == 6
    assert LogEntry.objects.filter(additional_data__event="bulk_add_tag").count() == 6


def test_contacts_the_user_may_not_change_are_skipped_and_counted(client, django_capture_on_commit_callbacks):
    team = TeamFactory()
    seller = UserFactory(role=Role.SALES, team=team)
    teammate = UserFactory(role=Role.SALES, team=team)
    mine = leads(3, owner=seller, team=team)
    theirs = leads(3, owner=teammate, team=team)
    ContactFactory(owner=seller, team=team, lifecycle_stage=LifecycleStage.LEAD)  # made trash below
    Contact.objects.filter(pk=Contact.objects.latest("pk").pk).update(deleted_at=timezone.now())
    client.force_login(seller)

    # a sales user sees the team's contacts but may delete only their own
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/contacts/bulk/", {"scope": "matching", "query": "", "action": "delete"})

    job = BulkJob.objects.get()
    assert (job.state, job.processed, job.changed, job.denied, job.unchanged) == (State.DONE, 6, 3, 3, 0)
    assert set(Contact.objects.filter(deleted_at__isnull=True).values_list("pk", flat=True)) == {
        c.pk for c in theirs
    }
    assert all(Contact.objects.get(pk=c.pk).deleted_at is not None for c in mine)
    page = client.get(response["Location"]).content.decode()
    assert "Moved 3 contacts to the trash. 3 skipped: you may not change them." in page


def test_a_read_only_user_is_refused_and_nothing_changes(client):
    reader = UserFactory(role=Role.READ_ONLY)
    leads(6, owner=UserFactory(team=reader.team), team=reader.team)  # the reader's team: they see them all
    client.force_login(reader)

    response = client.post(
        "/contacts/bulk/", {"scope": "matching", "query": "", "action": "set_stage", "stage": "sql"}
    )

    assert response.status_code == 403
    assert not BulkJob.objects.exists()
    assert stages() == {"lead": 6}
    assert not StageChange.objects.exists()
    assert not LogEntry.objects.filter(additional_data__event="bulk_job_started").exists()


def test_a_bad_input_is_refused_with_the_synchronous_message_and_nothing_is_kept(client, admin):
    leads(6)
    client.force_login(admin)
    events_before = Event.objects.count()

    response = client.post(
        "/contacts/bulk/",
        {"scope": "matching", "query": "stage=lead", "action": "set_stage", "stage": "nope"},
        follow=True,
    )

    assert "Choose a lifecycle stage." in response.content.decode()
    assert response.redirect_chain == [("/contacts/?stage=lead", 302)]
    assert not BulkJob.objects.exists()
    assert stages() == {"lead": 6}
    # the rehearsal on one contact was rolled back with everything it wrote
    assert (StageChange.objects.count(), Activity.objects.count(), Event.objects.count()) == (
        0,
        0,
        events_before,
    )


def test_a_valid_rehearsal_keeps_nothing_either(admin, django_capture_on_commit_callbacks):
    leads(6)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = start(admin)

    assert stages() == {"lead": 6}
    assert not StageChange.objects.exists()
    assert not Event.objects.filter(name=events.CONTACT_STAGE_CHANGED).exists()
    assert len(callbacks) == 1  # only the job's own task
    assert job.state == State.QUEUED


def test_a_filter_that_matches_nothing_or_cannot_be_read_is_refused(admin):
    leads(2)

    with pytest.raises(ValidationError) as nothing:
        start(admin, query="stage=customer")
    with pytest.raises(ValidationError) as unreadable:
        start(admin, query="stag=lead")
    with pytest.raises(PermissionDenied):
        start(UserFactory(role=Role.READ_ONLY))

    assert nothing.value.messages == ["No contacts match this filter; nothing was changed."]
    assert unreadable.value.messages[0].startswith(
        "The list's filter could not be read, so nothing was changed:"
    )
    assert not BulkJob.objects.exists()


def test_contacts_created_after_the_start_are_not_touched_and_leavers_are_counted(admin, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    leads(4)
    already = ContactFactory(lifecycle_stage=LifecycleStage.MQL)
    job = start(admin, query="")
    late = ContactFactory(lifecycle_stage=LifecycleStage.LEAD)

    done = engine.run(job.pk, worker="one")

    assert Contact.objects.get(pk=late.pk).lifecycle_stage == LifecycleStage.LEAD
    assert Contact.objects.get(pk=already.pk).lifecycle_stage == LifecycleStage.MQL
    assert (done.total, done.processed, done.changed, done.unchanged) == (5, 5, 4, 1)


def test_a_job_whose_input_became_invalid_stops_with_the_reason(admin):
    leads(5)
    new_owner = UserFactory(role=Role.SALES)
    job = start(admin, action="assign_owner", value=str(new_owner.pk))
    new_owner.is_active = False
    new_owner.save(update_fields=["is_active"])

    done = engine.run(job.pk, worker="one")

    assert done.state == State.FAILED
    assert done.error.endswith("What was done before stays done.")
    assert done.processed == 0
    assert not Contact.objects.filter(owner=new_owner).exists()
