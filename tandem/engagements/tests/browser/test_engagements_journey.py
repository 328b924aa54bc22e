"""In a real browser: log a call from a contact's page in two clicks and read it on the timeline; add a task
from the same panel; tick a task off in My tasks (htmx, no reload) and snooze another. Screenshots of My tasks
and the log panel at 1280 and 390 px (TANDEM_SCREENSHOT_DIR)."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tandem.contacts.tests.browser_session import log_in
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, UserFactory
from tandem.core.models import Role
from tandem.engagements import services
from tandem.engagements.models import Engagement, Task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_log_a_call_in_two_clicks_then_work_through_my_tasks(live_server, page, screenshot, width):
    rep = UserFactory(email="ana@example.com", first_name="Ana", last_name="Ruiz", role=Role.SALES)
    company = CompanyFactory(name="Northwind", owner=rep)
    contact = ContactFactory(first_name="Ben", last_name="Ode", company=company, owner=rep)
    today = timezone.localdate()
    services.create_task(
        actor=rep,
        values={
            "title": "Send the proposal",
            "subject": f"contact:{contact.pk}",
            "due_date": today - datetime.timedelta(days=1),
            "priority": "high",
        },
    )
    services.create_task(
        actor=rep, values={"title": "Prepare the demo", "due_date": today, "task_type": "meeting"}
    )
    services.create_task(
        actor=rep,
        values={
            "title": "Renewal check-in",
            "due_date": today,
            "task_type": "call",
            "subject": f"company:{company.pk}",
        },
    )
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, rep)

    # when Ana opens Ben's page and clicks "Call", then "Log call"
    page.goto(f"{live_server.url}/contacts/{contact.pk}/")
    page.get_by_role("link", name="Call", exact=True).click()
    expect(page.get_by_label("Outcome")).to_have_value("connected")
    page.get_by_label("Notes").fill("Talked pricing; wants the annual plan.")
    screenshot(f"log-panel-call-{width}")
    page.get_by_role("button", name="Log call").click()

    # then the page reloads with the call on Ben's timeline
    expect(page.locator(".timeline").get_by_text("Call — Connected")).to_be_visible()
    expect(page.locator(".timeline").get_by_text("Talked pricing; wants the annual plan.")).to_be_visible()
    assert list(Engagement.objects.values_list("kind", "outcome", "subject_id")) == [
        ("call", "connected", contact.pk)
    ]

    # and a meeting form offers Ben as an attendee
    page.get_by_role("link", name="Meeting", exact=True).click()
    expect(page.get_by_label("Ben Ode")).to_be_visible()
    screenshot(f"log-panel-meeting-{width}")

    # when she opens My tasks: the overdue tab first (nothing else due today would hide it)
    page.goto(f"{live_server.url}/tasks/mine/?view=today")
    expect(page.locator(".task-row")).to_have_count(2)
    tabs = page.get_by_role("navigation", name="Tasks by due date")
    expect(tabs.locator("#tab-count-overdue")).to_have_text("1")
    expect(tabs.locator("#tab-count-today")).to_have_text("2")
    expect(tabs.locator("#tab-count-upcoming")).to_have_text("0")
    expect(tabs.locator("#tab-count-done")).to_have_text("0")
    screenshot(f"my-tasks-today-{width}")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Mark “Prepare the demo” done").click()
    expect(page.locator(".task-row--done")).to_have_count(1)
    expect(page.get_by_text("Done: Prepare the demo")).to_be_visible()
    assert Task.objects.get(title="Prepare the demo").status == "done"
    # the tabs' counts follow in the same response, without a reload
    expect(tabs.locator("#tab-count-today")).to_have_text("1")
    expect(tabs.locator("#tab-count-done")).to_have_text("1")
    expect(tabs.locator("#tab-count-overdue")).to_have_text("1")
    assert page.evaluate("window.notReloaded") is True

    # and snoozes the other to tomorrow
    page.get_by_text("Reschedule").last.click()
    screenshot(f"my-tasks-snooze-{width}")
    page.get_by_role("button", name="Tomorrow").last.click()
    expect(page.get_by_text(re.compile("Moved to .*: Renewal check-in"))).to_be_visible()
    assert Task.objects.get(title="Renewal check-in").due_date == today + datetime.timedelta(days=1)
    expect(tabs.locator("#tab-count-today")).to_have_text("0")
    expect(tabs.locator("#tab-count-upcoming")).to_have_text("1")
    screenshot(f"my-tasks-counts-after-{width}")
    assert page.evaluate("window.notReloaded") is True

    page.goto(f"{live_server.url}/tasks/mine/?view=overdue")
    expect(page.get_by_role("link", name="Send the proposal")).to_be_visible()
    screenshot(f"my-tasks-overdue-{width}")
