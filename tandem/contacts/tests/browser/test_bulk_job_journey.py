"""Issue 7 in a real browser: "all N matching" above the synchronous limit (set low here) starts a bulk job;
its progress page (in the app shell, at 1280 and 390 px) polls until the job finishes, says what was done,
and leads back to the list with the same filter."""

import re

import pytest
from playwright.sync_api import expect

from tandem.contacts.models import Contact, LifecycleStage
from tandem.contacts.tests.browser_session import log_in
from tandem.contacts.tests.factories import ContactFactory, UserFactory
from tandem.core.bulkjobs import engine
from tandem.core.bulkjobs.models import BulkJob, State
from tandem.core.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_all_matching_above_the_limit_runs_as_a_job_and_its_page_finishes(
    live_server, page, screenshot, settings, monkeypatch, width
):
    settings.TANDEM_BULK_SYNCHRONOUS_LIMIT = 10
    monkeypatch.setattr(engine, "CHUNK_SIZE", 20)
    page.set_viewport_size({"width": width, "height": 800})
    admin = UserFactory(email="ada@example.com", first_name="Ada", last_name="Admin", role=Role.ADMIN)
    ContactFactory.create_batch(57, lifecycle_stage=LifecycleStage.LEAD, owner=admin)
    ContactFactory.create_batch(3, lifecycle_stage=LifecycleStage.CUSTOMER, owner=admin)
    log_in(page, live_server, admin)

    # when every lead is selected through "all matching" and set to SQL
    page.goto(f"{live_server.url}/contacts/?stage=lead")
    page.locator("#contact-results input[data-select-all]").check()
    matching = page.locator("[data-bulk-matching]")
    expect(matching).to_have_text("Select all 57 matching")
    matching.click()
    expect(page.locator("[data-bulk-count]")).to_have_text(
        "All 57 matching selected (runs in the background)"
    )
    page.select_option("#bulk-action", "set_stage")
    page.select_option("#bulk-set_stage", "sql")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(f"bulk-bar-all-matching-{width}")
    page.get_by_role("button", name="Apply to selected").click()

    # then the job's page, in the app shell, says what was done once it has finished
    expect(page).to_have_url(re.compile(r"/bulk-jobs/\d+/$"))
    job = BulkJob.objects.get()
    assert page.url == f"{live_server.url}/bulk-jobs/{job.pk}/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Set stage: Sales qualified lead")
    expect(page.locator("#bulk-job-progress")).to_have_attribute("data-state", "done")
    expect(page.locator("progress#bulk-job-progress-bar")).to_have_attribute("value", "100")
    expect(page.get_by_role("status")).to_have_text("Updated 57 contacts.")
    expect(page.locator('[data-count="changed"]')).to_have_text("57")
    expect(page.locator("nav").first).to_be_attached()  # the app shell's navigation
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(f"bulk-job-done-{width}")
    assert Contact.objects.filter(lifecycle_stage=LifecycleStage.SQL).count() == 57
    job.refresh_from_db()
    assert (job.state, job.total, job.processed, job.changed, job.query) == (
        State.DONE,
        57,
        57,
        57,
        "stage=lead",
    )

    # when the user goes back to the list, it has the same filter (and no lead is left in it)
    page.locator("#bulk-job-progress").get_by_role("link", name="Back to the list").click()
    expect(page).to_have_url(f"{live_server.url}/contacts/?stage=lead")
    expect(page.locator(".list-count")).to_have_text("0 contacts")


def test_the_progress_page_polls_until_the_worker_finishes(live_server, page, screenshot, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK_SIZE", 10)
    page.set_viewport_size({"width": 390, "height": 800})
    admin = UserFactory(email="ada@example.com", first_name="Ada", last_name="Admin", role=Role.ADMIN)
    seller = UserFactory(email="sam@example.com", first_name="Sam", role=Role.SALES)
    ContactFactory.create_batch(25, lifecycle_stage=LifecycleStage.LEAD, owner=admin)
    # a job queued as the bulk bar queues it, whose worker has not started yet
    from tandem.core.bulkjobs.services import start_bulk_job

    with monkeypatch.context() as patched:
        patched.setattr("tandem.core.bulkjobs.tasks.run_bulk_job", lambda job_id: None)
        job = start_bulk_job(
            actor=admin,
            object_type="contact",
            action="assign_owner",
            value=str(seller.pk),
            query="stage=lead",
        )
    log_in(page, live_server, admin)

    page.goto(f"{live_server.url}/bulk-jobs/{job.pk}/")
    expect(page.locator("#bulk-job-progress")).to_have_attribute("data-state", "queued")
    expect(page.get_by_role("status")).to_have_text("Waiting for a worker to start…")
    expect(page.locator(".page-subtitle")).to_contain_text(
        "All contacts matching Stage: Lead · started by Ada"
    )
    expect(page.get_by_role("button", name="Cancel")).to_be_visible()
    screenshot("bulk-job-waiting-390")

    # when the worker runs the job, the page (polling every second) shows the finished state by itself
    engine.run(job.pk, worker="browser-test")
    expect(page.locator("#bulk-job-progress")).to_have_attribute("data-state", "done", timeout=10_000)
    expect(page.get_by_role("status")).to_have_text("Updated 25 contacts.")
    expect(page.get_by_role("button", name="Cancel")).to_have_count(0)
    assert Contact.objects.filter(owner=seller).count() == 25
