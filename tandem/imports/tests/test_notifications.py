"""An import tells the person who started it when it has finished or stopped, and its undo tells whoever
asked for it: one notification (and, by default, one email) per outcome, through the real run and undo."""

import pytest

from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.imports import engine, notices, services
from tandem.imports.models import Status
from tandem.imports.tests.test_engine_support import mapped
from tandem.notifications.models import Notification
from tandem.notifications.tests.outbox import sent_to

pytestmark = pytest.mark.django_db

HEADER = ["Email", "First name"]
ROWS = [["ada@example.com", "Ada"], ["not-an-address", "Bad"]]


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.SITE_URL = "https://crm.example.com"


@pytest.fixture
def seller():
    return UserFactory(email="seller@example.com", role=Role.SALES)


def start(actor, job, django_capture_on_commit_callbacks):
    """Press Start: the task runs once the start commits (Huey is immediate in tests)."""
    with django_capture_on_commit_callbacks(execute=True):
        services.start_import(actor=actor, job=job)


def test_a_finished_import_notifies_its_owner_once_with_the_counts_and_a_link(
    seller, django_capture_on_commit_callbacks
):
    # given a mapped import
    job = mapped(seller, HEADER, ROWS, ["email", "first_name"])
    # when it is started and its task runs to the end
    start(seller, job, django_capture_on_commit_callbacks)
    # then its owner has exactly one notification, with the file's name, the counts and the import's page
    job.refresh_from_db()
    assert job.status == Status.DONE
    notification = Notification.objects.get()
    assert (
        notification.user_id,
        notification.kind,
        notification.title,
        notification.body,
        notification.url,
    ) == (
        seller.pk,
        "imports.import_finished",
        "Your import of contacts.csv has finished",
        "1 created, 0 updated, 0 skipped, 1 failed.",
        f"/imports/{job.pk}/",
    )
    assert notification.key == f"import:{job.pk}:finished"
    # and one email
    [message] = sent_to("seller@example.com")
    assert message.subject == "Your import of contacts.csv has finished"
    assert f"https://crm.example.com/imports/{job.pk}/" in message.body


def test_the_task_running_again_tells_nobody_twice(seller, django_capture_on_commit_callbacks):
    job = mapped(seller, HEADER, ROWS, ["email", "first_name"])
    start(seller, job, django_capture_on_commit_callbacks)
    # when the same task is delivered again
    assert services.process_import(job.pk, worker="second") is None
    assert Notification.objects.count() == 1
    assert len(sent_to("seller@example.com")) == 1


def test_a_failed_import_says_it_stopped_and_how_to_go_on(
    seller, django_capture_on_commit_callbacks, monkeypatch
):
    # given an import whose run breaks on its first chunk
    job = mapped(seller, HEADER, ROWS, ["email", "first_name"])

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(engine, "_upsert", broken)
    # when it runs
    start(seller, job, django_capture_on_commit_callbacks)
    # then its owner is told it stopped, why, and that it resumes
    job.refresh_from_db()
    assert job.status == Status.FAILED
    notification = Notification.objects.get()
    assert notification.title == "Your import of contacts.csv stopped before the end"
    assert notification.body == (
        "The import stopped: disk full\n"
        "0 created, 0 updated, 0 skipped, 0 failed. Start it again from its page: it resumes where it stopped."
    )
    assert notification.url == f"/imports/{job.pk}/"
    assert [message.subject for message in sent_to("seller@example.com")] == [
        "Your import of contacts.csv stopped before the end"
    ]


def test_an_undo_tells_whoever_asked_for_it(seller, django_capture_on_commit_callbacks):
    job = mapped(seller, HEADER, ROWS, ["email", "first_name"])
    start(seller, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    # when its owner undoes it
    with django_capture_on_commit_callbacks(execute=True):
        services.undo_import(actor=seller, job=job)
    # then a second notification says the undo finished
    job.refresh_from_db()
    assert job.status == Status.UNDONE
    assert list(Notification.objects.order_by("id").values_list("title", "url", "key")) == [
        ("Your import of contacts.csv has finished", f"/imports/{job.pk}/", f"import:{job.pk}:finished"),
        (
            "The undo of your import of contacts.csv has finished",
            f"/imports/{job.pk}/",
            f"import:{job.pk}:undone",
        ),
    ]
    assert len(sent_to("seller@example.com")) == 2


def test_a_notice_that_cannot_be_written_never_undoes_the_import(
    seller, django_capture_on_commit_callbacks, monkeypatch
):
    # given notifications that fail (a mail backend refusing, say)
    def failing(**kwargs):
        raise RuntimeError("mail backend down")

    monkeypatch.setattr(notices, "notify", failing)
    job = mapped(seller, HEADER, ROWS, ["email", "first_name"])
    # when the import runs
    start(seller, job, django_capture_on_commit_callbacks)
    # then the import is done all the same, and nobody was told
    job.refresh_from_db()
    assert (job.status, job.created_count) == (Status.DONE, 1)
    assert Notification.objects.count() == 0


def test_an_import_whose_owner_was_deleted_tells_nobody(seller, django_capture_on_commit_callbacks):
    job = mapped(seller, HEADER, ROWS, ["email", "first_name"])
    services.start_import(actor=seller, job=job)
    seller.delete()
    assert engine.run(job.pk, worker="test").status == Status.DONE
    assert Notification.objects.count() == 0
