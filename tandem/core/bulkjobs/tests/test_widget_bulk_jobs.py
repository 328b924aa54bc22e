"""Bulk jobs on the test-only Widget type: "all N matching" above the synchronous limit becomes a background
job with a progress page, from the widget's declaration alone (nothing in recordapp knows about jobs).
Also the engine's lease, resume, cancel and sweep rules, on the smallest record type."""

import dataclasses

import pytest
from django.utils import timezone

from tandem.core.bulkjobs import engine, tasks
from tandem.core.bulkjobs.models import BulkJob, State
from tandem.core.models import Role, Team, User
from tandem.core.tests.recordapp import services as widget_services
from tandem.core.tests.recordapp.models import Widget
from tandem.core.tests.recordapp.records import WIDGET

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tandem.core.tests.recordapp.urls")]


@pytest.fixture(autouse=True)
def low_limit(settings):
    settings.TANDEM_BULK_SYNCHRONOUS_LIMIT = 3


@pytest.fixture
def team():
    return Team.objects.create(name="North")


@pytest.fixture
def admin(team):
    return User.objects.create_user("admin@example.com", "pw", role=Role.ADMIN, team=team, first_name="Ada")


def widgets(count: int, **values) -> list[Widget]:
    return [Widget.objects.create(name=f"W{number}", **values) for number in range(count)]


def colours() -> dict[str, int]:
    counts: dict[str, int] = {}
    for colour in Widget.objects.filter(deleted_at__isnull=True).values_list("colour", flat=True):
        counts[colour] = counts.get(colour, 0) + 1
    return counts


def post_matching(client, query: str, action: str = "set_colour", **values):
    return client.post("/widgets/bulk/", {"scope": "matching", "query": query, "action": action, **values})


def test_more_than_the_limit_starts_a_job_that_changes_every_match_and_shows_what_it_did(
    client, admin, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    widgets(5, colour="red", owner=admin)
    widgets(2, colour="blue", owner=admin)
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_matching(client, "colour=red&sort=name", colour="blue")

    job = BulkJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/bulk-jobs/{job.pk}/"
    assert colours() == {"blue": 7}
    assert (job.object_type, job.action, job.value, job.query, job.actor_id) == (
        "widget",
        "set_colour",
        "blue",
        "colour=red&sort=name",
        admin.pk,
    )
    assert (job.state, job.total, job.processed, job.changed, job.denied, job.unchanged) == (
        State.DONE,
        5,
        5,
        5,
        0,
        0,
    )
    page = client.get(f"/bulk-jobs/{job.pk}/").content.decode()
    assert "Updated 5 widgets." in page
    assert 'href="/widgets/?colour=red&amp;sort=name"' in page
    assert 'hx-trigger="every 1s"' not in page  # finished: the panel no longer polls


def test_up_to_the_limit_still_runs_in_the_request_and_says_the_same(client, admin):
    widgets(2, colour="red", owner=admin)
    widgets(1, colour="blue", owner=admin)
    client.force_login(admin)

    response = post_matching(client, "sort=name", colour="blue")
    page = client.get(response["Location"]).content.decode()

    assert response["Location"] == "/widgets/?sort=name"
    assert colours() == {"blue": 3}
    assert not BulkJob.objects.exists()
    assert "Updated 2 widgets. 1 already as asked, so left alone." in page


def test_records_the_user_may_not_change_are_skipped_and_counted(
    client, team, django_capture_on_commit_callbacks
):
    # a service user sees every widget but may change only their team's
    worker = User.objects.create_user("service@example.com", "pw", role=Role.SERVICE, team=team)
    outsider = User.objects.create_user(
        "other@example.com", "pw", role=Role.SALES, team=Team.objects.create(name="South")
    )
    mine = widgets(4, colour="red", owner=worker, team=team)
    theirs = widgets(3, colour="red", owner=outsider, team=outsider.team)
    client.force_login(worker)

    with django_capture_on_commit_callbacks(execute=True):
        post_matching(client, "", colour="blue")

    job = BulkJob.objects.get()
    assert (job.state, job.processed, job.changed, job.denied) == (State.DONE, 7, 4, 3)
    assert set(Widget.objects.filter(colour="blue").values_list("pk", flat=True)) == {w.pk for w in mine}
    assert set(Widget.objects.filter(colour="red").values_list("pk", flat=True)) == {w.pk for w in theirs}
    page = client.get(f"/bulk-jobs/{job.pk}/").content.decode()
    assert "Updated 4 widgets. 3 skipped: you may not change them." in page


def test_a_user_who_may_not_change_widgets_is_refused_and_nothing_is_queued(client, team):
    reader = User.objects.create_user("reader@example.com", "pw", role=Role.READ_ONLY, team=team)
    widgets(5, colour="red", owner=reader, team=team)
    client.force_login(reader)

    response = post_matching(client, "", colour="blue")

    assert response.status_code == 403
    assert not BulkJob.objects.exists()
    assert colours() == {"red": 5}


def test_a_bad_input_is_refused_like_the_synchronous_path_and_nothing_is_queued(client, admin):
    widgets(5, colour="red", owner=admin)
    client.force_login(admin)

    response = post_matching(client, "", colour="green")
    page = client.get(response["Location"]).content.decode()

    assert response["Location"] == "/widgets/"
    assert "Choose red or blue." in page
    assert not BulkJob.objects.exists()
    assert colours() == {"red": 5}


def test_created_after_the_start_are_not_touched(admin):
    widgets(4, colour="red", owner=admin)
    job = _start(admin, "")
    late = Widget.objects.create(name="Late", colour="red", owner=admin)

    engine.run(job.pk, worker="one")

    assert Widget.objects.get(pk=late.pk).colour == "red"
    assert colours() == {"blue": 4, "red": 1}


def _start(actor, query: str, value: str = "blue", action: str = "set_colour") -> BulkJob:
    """Queue a job as the page does, without running its task (the tests run the engine themselves)."""
    from tandem.core.bulkjobs import services

    return services.start_bulk_job(actor=actor, object_type="widget", action=action, value=value, query=query)


def test_a_crash_inside_a_chunk_rolls_it_back_and_the_job_resumes_after_the_last_commit(admin, monkeypatch):
    # given chunks of 2 and a bulk service that dies (like a killed process) after writing its third chunk
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    made = widgets(7, colour="red", owner=admin)
    job = _start(admin, "")
    real_services = WIDGET.services
    calls = {"count": 0}

    def dying_bulk(**arguments):
        calls["count"] += 1
        changed = widget_services.bulk_update_widgets(**arguments)
        if calls["count"] == 3:
            raise SystemExit("killed")
        return changed

    monkeypatch.setattr(WIDGET, "services", dataclasses.replace(real_services, bulk=dying_bulk))
    with pytest.raises(SystemExit):
        engine.run(job.pk, worker="first")

    # then two chunks stay committed, the third left nothing, and the dead runner still holds the job
    job.refresh_from_db()
    assert (job.state, job.processed, job.changed, job.last_id, job.worker) == (
        State.RUNNING,
        4,
        4,
        made[3].pk,
        "first",
    )
    assert colours() == {"blue": 4, "red": 3}
    assert engine.run(job.pk, worker="second") is None  # the lease is live: nobody else may run it

    # when the lease has expired, the sweep queues it again and it finishes where it stopped
    monkeypatch.setattr(WIDGET, "services", real_services)
    BulkJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timezone.timedelta(seconds=1))
    assert tasks.resume_stalled() == 1

    job.refresh_from_db()
    assert (job.state, job.processed, job.changed, job.total) == (State.DONE, 7, 7, 7)
    assert colours() == {"blue": 7}


def test_a_runner_whose_lease_was_taken_over_commits_nothing_more(admin, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    widgets(6, colour="red", owner=admin)
    job = _start(admin, "")
    assert engine.claim(job.pk, "slow")
    job = BulkJob.objects.select_related("actor").get(pk=job.pk)
    plan = engine.plan_for(job)
    assert engine._run_chunk(job, plan, "slow", 2) is True

    # when the slow runner is presumed dead and another takes the job over and finishes it
    done = engine.run(job.pk, worker="fast", take_over=True)

    # then the slow runner's next chunk is refused before it writes anything
    with pytest.raises(engine.LeaseLost):
        engine._run_chunk(job, plan, "slow", 2)
    assert (done.state, done.processed, done.changed) == (State.DONE, 6, 6)
    assert colours() == {"blue": 6}


def test_cancel_stops_after_the_chunk_in_progress(client, admin, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    widgets(6, colour="red", owner=admin)
    job = _start(admin, "")
    assert engine.claim(job.pk, "runner")
    job = BulkJob.objects.select_related("actor").get(pk=job.pk)
    plan = engine.plan_for(job)
    engine._run_chunk(job, plan, "runner", 2)
    client.force_login(admin)

    response = client.post(f"/bulk-jobs/{job.pk}/cancel/", follow=True)

    with pytest.raises(engine.LeaseLost):
        engine._run_chunk(job, plan, "runner", 2)
    job.refresh_from_db()
    assert (job.state, job.processed, job.changed) == (State.CANCELLED, 2, 2)
    assert colours() == {"blue": 2, "red": 4}
    assert "Cancelled after 2 widgets; the rest were not changed." in response.content.decode()


def test_someone_elses_job_is_not_found_and_cannot_be_cancelled(client, admin, team):
    widgets(5, colour="red", owner=admin)
    job = _start(admin, "")
    other = User.objects.create_user("sales@example.com", "pw", role=Role.SALES, team=team)
    client.force_login(other)

    page = client.get(f"/bulk-jobs/{job.pk}/")
    cancel = client.post(f"/bulk-jobs/{job.pk}/cancel/")

    assert (page.status_code, cancel.status_code) == (404, 404)
    assert BulkJob.objects.get(pk=job.pk).state == State.QUEUED


def test_windows_of_ids_cover_sparse_matches_and_empty_stretches(admin, monkeypatch):
    # given matches at both ends with a long stretch of non-matching ids between (windows of 2 rows)
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    widgets(3, colour="red", owner=admin)
    widgets(7, colour="blue", owner=admin)
    last = widgets(2, colour="red", owner=admin)
    job = _start(admin, "colour=red", value="blue")

    done = engine.run(job.pk, worker="one")

    # then every match was changed once, and the resume point reached the last match
    assert (done.state, done.total, done.processed, done.changed, done.last_id) == (
        State.DONE,
        5,
        5,
        5,
        last[-1].pk,
    )
    assert colours() == {"blue": 12}
