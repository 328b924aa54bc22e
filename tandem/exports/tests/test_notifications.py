"""A background export tells its owner when the file is ready or the export failed: one notification (and,
by default, one email) through the real start and task. A direct download tells nobody: the browser has it."""

import datetime

import pytest

from tandem.contacts.tests.factories import ContactFactory, UserFactory
from tandem.core.models import Role
from tandem.exports import engine, notices, services, writers
from tandem.exports.models import ExportJob
from tandem.notifications.models import Notification
from tandem.notifications.tests.outbox import sent_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.SITE_URL = "https://crm.example.com"


@pytest.fixture
def owner():
    return UserFactory(email="owner@example.com", role=Role.ADMIN)


def export(owner, django_capture_on_commit_callbacks, file_format="xlsx") -> ExportJob:
    """Start an export as the page does; its task runs once the start commits (Huey is immediate)."""
    with django_capture_on_commit_callbacks(execute=True):
        started = services.start_export(
            actor=owner, object_type="contact", query="", column_keys=["email"], file_format=file_format
        )
    started.job.refresh_from_db()
    return started.job


def test_a_background_export_tells_its_owner_once_that_the_file_is_ready(
    owner, django_capture_on_commit_callbacks
):
    ContactFactory.create_batch(3)
    job = export(owner, django_capture_on_commit_callbacks)
    assert job.status == ExportJob.Status.FINISHED
    notification = Notification.objects.get()
    assert (
        notification.user_id,
        notification.kind,
        notification.title,
        notification.body,
        notification.url,
    ) == (
        owner.pk,
        "exports.export_ready",
        "Your export of contacts (XLSX) is ready",
        "3 rows. The file is kept for 7 days.",
        f"/exports/{job.pk}/",
    )
    [message] = sent_to("owner@example.com")
    assert message.subject == "Your export of contacts (XLSX) is ready"
    assert f"https://crm.example.com/exports/{job.pk}/" in message.body
    # and the task delivered again tells nobody twice
    assert services.run_export(job.pk) is None
    assert Notification.objects.count() == 1
    assert len(sent_to("owner@example.com")) == 1


def test_a_direct_download_tells_nobody(owner):
    ContactFactory()
    started = services.start_export(
        actor=owner, object_type="contact", query="", column_keys=["email"], file_format="csv"
    )
    assert started.stream is not None
    assert Notification.objects.count() == 0
    assert sent_to("owner@example.com") == []


def test_a_failed_export_says_so_with_the_reason(owner, django_capture_on_commit_callbacks, monkeypatch):
    ContactFactory()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(writers, "write_xlsx", broken)
    job = export(owner, django_capture_on_commit_callbacks)
    assert job.status == ExportJob.Status.FAILED
    notification = Notification.objects.get()
    assert notification.title == "Your export of contacts (XLSX) failed"
    assert notification.body == "The export stopped with an error: OSError. Try again, or ask an admin."
    assert notification.url == f"/exports/{job.pk}/"
    assert len(sent_to("owner@example.com")) == 1


def test_housekeeping_tells_the_owner_of_an_export_whose_worker_died(owner):
    now = datetime.datetime(2026, 3, 4, 12, 0, tzinfo=datetime.UTC)
    dead = ExportJob.objects.create(
        user=owner, object_type="contact", file_format="csv", status="running",
        started_at=now - datetime.timedelta(hours=3), created_at=now - datetime.timedelta(hours=3),
    )  # fmt: skip
    assert engine.expire_exports(now=now) == (1, 0)
    notification = Notification.objects.get()
    assert (notification.title, notification.url) == (
        "Your export of contacts (CSV) failed",
        f"/exports/{dead.pk}/",
    )
    assert (
        notification.body
        == "The export stopped before it finished (its worker was restarted). Start it again."
    )


def test_a_notice_that_cannot_be_written_never_undoes_the_export(
    owner, django_capture_on_commit_callbacks, monkeypatch
):
    def failing(**kwargs):
        raise RuntimeError("mail backend down")

    monkeypatch.setattr(notices, "notify", failing)
    ContactFactory()
    job = export(owner, django_capture_on_commit_callbacks)
    assert (job.status, job.row_count) == (ExportJob.Status.FINISHED, 1)
    assert Notification.objects.count() == 0
