"""A failed bulk job can be run again (resuming after its last committed chunk) by who started it or an
admin; everyone sees the list of their own bulk changes, admins everyone's, keyset-paged."""

import re

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied

from tandem.core.bulkjobs import engine, selectors, services
from tandem.core.bulkjobs.models import BulkJob, State
from tandem.core.models import Role, Team, User
from tandem.core.tests.recordapp.models import Widget

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tandem.core.tests.recordapp.urls")]


@pytest.fixture
def team():
    return Team.objects.create(name="North")


@pytest.fixture
def admin(team):
    return User.objects.create_user("admin@example.com", "pw", role=Role.ADMIN, team=team, first_name="Ada")


@pytest.fixture
def seller(team):
    return User.objects.create_user("sales@example.com", "pw", role=Role.SALES, team=team, first_name="Sam")


def _failed_job(actor, monkeypatch) -> BulkJob:
    """Six red widgets and a "paint them blue" job that stopped with an error after its first chunk of 2."""
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    for number in range(6):
        Widget.objects.create(name=f"W{number}", colour="red", owner=actor, team=actor.team)
    job = services.start_bulk_job(
        actor=actor, object_type="widget", action="set_colour", value="blue", query="colour=red"
    )
    real_apply = engine.apply
    calls = []

    def apply_then_crash(plan, ids):
        calls.append(ids)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real_apply(plan, ids)

    monkeypatch.setattr(engine, "apply", apply_then_crash)
    failed = engine.run(job.pk, worker="first")
    monkeypatch.setattr(engine, "apply", real_apply)
    assert (failed.state, failed.processed, failed.changed) == (State.FAILED, 2, 2)
    return failed


def test_run_again_resumes_a_failed_job_after_its_last_chunk(
    client, admin, monkeypatch, django_capture_on_commit_callbacks
):
    # Given a job that failed after painting 2 of 6 widgets
    job = _failed_job(admin, monkeypatch)
    client.force_login(admin)
    page = client.get(f"/bulk-jobs/{job.pk}/").content.decode()
    assert "Run again</button>" in page

    # When its starter runs it again (the task runs when the request commits)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/bulk-jobs/{job.pk}/run-again/")

    # Then it went on from where it stopped: every widget blue, each changed once, the error gone
    assert response.status_code == 302 and response["Location"] == f"/bulk-jobs/{job.pk}/"
    job.refresh_from_db()
    assert (job.state, job.processed, job.changed, job.total, job.error) == (State.DONE, 6, 6, 6, "")
    assert sorted(Widget.objects.values_list("colour", flat=True)) == ["blue"] * 6
    assert LogEntry.objects.filter(additional_data__event="bulk_job_restarted").count() == 1
    assert "Run again</button>" not in client.get(f"/bulk-jobs/{job.pk}/").content.decode()


def test_another_user_may_not_run_someone_elses_job_again_and_nothing_changes(
    client, admin, seller, monkeypatch
):
    # Given a seller's job that failed, and another seller of the same team
    job = _failed_job(seller, monkeypatch)
    other = User.objects.create_user("other@example.com", "pw", role=Role.SALES, team=seller.team)
    client.force_login(other)
    before = BulkJob.objects.filter(pk=job.pk).values().get()
    events_before = LogEntry.objects.count()

    # When the other seller asks to run it again, through the page and the service
    response = client.post(f"/bulk-jobs/{job.pk}/run-again/")
    with pytest.raises(PermissionDenied):
        services.restart_bulk_job(actor=other, job=job)

    # Then both are refused and the job, the widgets and the audit log are as they were
    assert response.status_code == 404
    assert BulkJob.objects.filter(pk=job.pk).values().get() == before
    assert sorted(Widget.objects.values_list("colour", flat=True)) == ["blue"] * 2 + ["red"] * 4
    assert LogEntry.objects.count() == events_before


def test_an_admin_may_run_someone_elses_failed_job_again_but_not_a_finished_one(admin, seller, monkeypatch):
    # Given a seller's failed job
    job = _failed_job(seller, monkeypatch)

    # When an admin runs it again, and then asks again while it is queued
    restarted = services.restart_bulk_job(actor=admin, job=job)

    # Then it is queued to resume after its last committed id, and a second ask is refused
    assert (restarted.state, restarted.last_id, restarted.processed, restarted.error) == (
        State.QUEUED,
        job.last_id,
        2,
        "",
    )
    with pytest.raises(Exception, match="Only a bulk change that stopped with an error can be run again."):
        services.restart_bulk_job(actor=admin, job=restarted)


def test_the_bulk_changes_list_shows_mine_and_an_admin_sees_everyones_newest_first(
    client, admin, seller, monkeypatch
):
    # Given a job each by the seller and the admin
    for number in range(4):
        Widget.objects.create(name=f"W{number}", colour="red", owner=seller, team=seller.team)
    seller_job = services.start_bulk_job(
        actor=seller, object_type="widget", action="set_colour", value="blue", query=""
    )
    admin_job = services.start_bulk_job(
        actor=admin, object_type="widget", action="delete", value=None, query="colour=red"
    )

    # When each opens the list
    client.force_login(seller)
    mine = client.get("/bulk-jobs/").content.decode()
    client.force_login(admin)
    everyone = client.get("/bulk-jobs/").content.decode()

    # Then the seller sees only their job; the admin sees both, newest first, with who started them
    assert re.findall(r'data-job="(\d+)"', mine) == [str(seller_job.pk)]
    assert re.findall(r'data-job="(\d+)"', everyone) == [str(admin_job.pk), str(seller_job.pk)]
    assert "Set colour: <bdi>Blue</bdi>" in mine and "Started by" not in mine
    assert "Move to trash" in everyone and "Started by" in everyone
    assert 'href="/bulk-jobs/"' in client.get(f"/bulk-jobs/{admin_job.pk}/").content.decode()


def test_the_list_is_keyset_paged_and_reads_owners_once(admin, seller, django_assert_num_queries):
    # Given three "assign owner" jobs
    for number in range(3):
        Widget.objects.create(name=f"W{number}", colour="red", owner=admin)
    jobs = [
        BulkJob.objects.create(
            object_type="widget", action="set_colour", value="blue", query="", actor=admin, max_id=3
        )
        for _ in range(3)
    ]

    # When the list is read two at a time
    first = selectors.job_list(admin, limit=2)
    second = selectors.job_list(admin, cursor=first.next_cursor, limit=2)

    # Then the pages follow each other newest first without overlap
    assert [job.pk for job in first.rows] == [jobs[2].pk, jobs[1].pk]
    assert [job.pk for job in second.rows] == [jobs[0].pk]
    assert second.next_cursor is None
    assert first.rows[0].action_label == "Set colour" and first.rows[0].value_label == "Blue"
