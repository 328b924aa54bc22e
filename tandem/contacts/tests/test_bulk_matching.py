"""Bulk actions on "all N matching": the list's filter, read by the one query grammar, picks the records
on the server (not the 50 ticked rows); an unreadable filter changes nothing, and more records than one
request should change become a background job (test_bulk_jobs.py)."""

import pytest

from tandem.contacts.models import Contact, LifecycleStage
from tandem.contacts.tests.factories import ContactFactory, UserFactory
from tandem.core.bulkjobs.models import BulkJob
from tandem.core.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMIN))
    return client


def stages() -> dict[str, int]:
    counts: dict[str, int] = {}
    for stage in Contact.objects.values_list("lifecycle_stage", flat=True):
        counts[stage] = counts.get(stage, 0) + 1
    return counts


def test_all_matching_changes_every_record_of_the_filter_beyond_the_page(admin_client):
    for _ in range(55):
        ContactFactory(lifecycle_stage=LifecycleStage.LEAD)
    for _ in range(3):
        ContactFactory(lifecycle_stage=LifecycleStage.CUSTOMER)

    page = admin_client.get("/contacts/", {"stage": "lead"}).content.decode()
    response = admin_client.post(
        "/contacts/bulk/",
        {"scope": "matching", "query": "stage=lead&sort=name", "action": "set_stage", "stage": "mql"},
        follow=True,
    )

    assert "Select all 55 matching" in page
    assert stages() == {"mql": 55, "customer": 3}
    assert "Updated 55 contacts." in response.content.decode()
    assert response.redirect_chain == [("/contacts/?stage=lead&sort=name", 302)]


def test_an_unreadable_filter_changes_nothing(admin_client):
    for _ in range(4):
        ContactFactory(lifecycle_stage=LifecycleStage.LEAD)

    response = admin_client.post(
        "/contacts/bulk/", {"scope": "matching", "query": "stag=lead", "action": "delete"}, follow=True
    )

    assert (
        "filter could not be read, so nothing was changed: “stag” is not a filter"
        in response.content.decode()
    )
    assert Contact.objects.filter(deleted_at__isnull=True).count() == 4


def test_more_than_the_limit_starts_a_background_job_instead(admin_client, settings):
    settings.TANDEM_BULK_SYNCHRONOUS_LIMIT = 3
    for _ in range(4):
        ContactFactory(lifecycle_stage=LifecycleStage.LEAD)

    response = admin_client.post(
        "/contacts/bulk/", {"scope": "matching", "query": "", "action": "set_stage", "stage": "sql"}
    )

    # queued for the worker (its task runs after commit, which this test's transaction never reaches)
    job = BulkJob.objects.get()
    assert response["Location"] == f"/bulk-jobs/{job.pk}/"
    assert (job.state, job.action, job.value) == ("queued", "set_stage", "sql")
    assert stages() == {"lead": 4}


def test_all_matching_still_respects_what_the_user_may_change(client):
    seller = UserFactory(role=Role.SALES)
    client.force_login(seller)
    mine = ContactFactory(owner=seller, lifecycle_stage=LifecycleStage.LEAD)
    ContactFactory(owner=UserFactory(), lifecycle_stage=LifecycleStage.LEAD)  # another team's

    response = client.post(
        "/contacts/bulk/", {"scope": "matching", "query": "", "action": "delete"}, follow=True
    )

    assert "Moved 1 contact to the trash. 1 skipped: you may not change them." in (response.content.decode())
    assert list(Contact.objects.filter(deleted_at__isnull=False).values_list("pk", flat=True)) == [mine.pk]
