"""Background exports run under a lease (tandem.core.leases): an export whose worker died is written again by
the sweep once its lease expires; one whose lease is live is left to its runner."""

import datetime

import pytest
from django.utils import timezone

from tandem.contacts.tests.factories import ContactFactory, UserFactory
from tandem.core.models import Role
from tandem.exports import tasks
from tandem.exports.models import ExportJob

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def export_files(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path / "exports"


def test_an_export_whose_worker_died_is_written_again_by_the_sweep(export_files):
    ContactFactory.create_batch(3)
    user = UserFactory(role=Role.ADMIN)
    now = timezone.now()
    dead = ExportJob.objects.create(
        user=user, object_type="contact", file_format="csv", columns=["id", "email"], status="running",
        started_at=now, worker="dead-host:1", lease_until=now - datetime.timedelta(seconds=1),
    )  # fmt: skip
    alive = ExportJob.objects.create(
        user=user, object_type="contact", file_format="csv", columns=["id", "email"], status="running",
        started_at=now, worker="busy-host:2", lease_until=now + datetime.timedelta(minutes=5),
    )  # fmt: skip

    assert tasks.resume_exports.call_local() == 1  # the sweep; Huey runs the queued task inline in tests

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, dead.row_count, dead.lease_until) == ("finished", 3, None)
    assert (export_files / dead.file_name).read_bytes().decode("utf-8-sig").count("\n") == 4
    assert (alive.status, alive.worker, alive.file_name) == ("running", "busy-host:2", "")
