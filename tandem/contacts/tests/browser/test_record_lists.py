"""The record list pages in a real browser at desktop and phone widths, for contacts and companies:
list -> filter panel -> columns menu -> bulk -> sort and Back -> paging -> detail -> edit."""

import re

import pytest
from playwright.sync_api import expect

from tandem.contacts.models import Company, Contact, LifecycleStage
from tandem.contacts.tests.browser_session import log_in
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, UserFactory
from tandem.core.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KINDS = {
    "contacts": {"results": "#contact-results", "noun": "contacts"},
    "companies": {"results": "#company-results", "noun": "companies"},
}


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None
    return found


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("kind", ["contacts", "companies"])
def test_list_filters_bulk_sort_paging_detail_and_edit(live_server, page, screenshot, kind, width):
    page.set_viewport_size({"width": width, "height": 800})
    admin = UserFactory(email="ada@example.com", first_name="Ada", last_name="Admin", role=Role.ADMIN)
    other = UserFactory(email="bo@example.com", first_name="Bo", last_name="Other", role=Role.SALES)
    for number in range(55):
        if kind == "contacts":
            ContactFactory(
                first_name="Person",
                last_name=f"{number:02}",
                owner=admin,
                lifecycle_stage=LifecycleStage.LEAD,
            )
        else:
            CompanyFactory(name=f"Firm {number:02}", owner=admin)
    results_selector, noun = KINDS[kind]["results"], KINDS[kind]["noun"]
    log_in(page, live_server, admin)
    page.goto(f"{live_server.url}/{kind}/")
    results = page.locator(results_selector)
    expect(results.get_by_text(f"55 {noun}")).to_be_visible()
    screenshot(f"records-{kind}-{width}-list")

    # The filter panel opens in place: inside the viewport, above the results, not over them.
    page.locator("details.record-filters > summary").click()
    panel = page.locator(".record-filters-panel")
    expect(panel).to_be_visible()
    panel_box = box(panel)
    assert panel_box["x"] >= 0 and panel_box["x"] + panel_box["width"] <= width
    assert box(results)["y"] >= panel_box["y"] + panel_box["height"]
    screenshot(f"records-{kind}-{width}-filters")
    page.locator("details.record-filters > summary").click()

    # The columns menu puts every label beside its own checkbox, on-screen.
    page.locator("details.record-menu > summary").click()
    menu = page.locator(".record-menu-panel")
    expect(menu).to_be_visible()
    menu_box = box(menu)
    assert menu_box["x"] >= 0 and menu_box["x"] + menu_box["width"] <= width
    labels = menu.locator("label.record-check")
    for index in range(labels.count()):
        checkbox, text = box(labels.nth(index).locator("input")), box(labels.nth(index).locator("span"))
        assert checkbox["x"] + checkbox["width"] <= text["x"]  # the box first, then its own words
        assert abs((checkbox["y"] + checkbox["height"] / 2) - (text["y"] + text["height"] / 2)) < 8
    screenshot(f"records-{kind}-{width}-columns")
    page.locator("details.record-menu > summary").click()

    # The bulk bar shows only the chosen action's input.
    rows = results.locator("input[data-select-row]")
    rows.nth(0).check()
    rows.nth(1).check()
    expect(page.locator("[data-bulk-count]")).to_have_text("2 selected")
    page.select_option("#bulk-action", "delete")
    expect(page.locator("[data-bulk-input]:visible")).to_have_count(0)
    page.select_option("#bulk-action", "assign_owner")
    expect(page.locator("[data-bulk-input]:visible")).to_have_count(1)
    expect(page.locator("#bulk-assign_owner")).to_be_visible()
    if kind == "contacts":
        page.select_option("#bulk-action", "set_stage")
        expect(page.locator("[data-bulk-input]:visible")).to_have_count(1)
        expect(page.locator("#bulk-set_stage")).to_be_visible()
        page.select_option("#bulk-set_stage", "customer")
    else:
        page.select_option("#bulk-assign_owner", str(other.pk))
    screenshot(f"records-{kind}-{width}-bulk")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_text(f"Updated 2 {noun}.")).to_be_visible()
    if kind == "contacts":
        assert Contact.objects.filter(lifecycle_stage=LifecycleStage.CUSTOMER).count() == 2
    else:
        assert Company.objects.filter(owner=other).count() == 2

    # Every row of the page ticked offers the whole filter, acted on by the server.
    results.locator("input[data-select-all]").check()
    matching = page.locator("[data-bulk-matching]")
    expect(matching).to_have_text("Select all 55 matching")
    matching.click()
    expect(page.locator("[data-bulk-count]")).to_have_text("All 55 matching selected")
    page.select_option("#bulk-action", "assign_owner")
    page.select_option("#bulk-assign_owner", str(other.pk))
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_text(f"Updated {55 if kind == 'contacts' else 53} {noun}.")).to_be_visible()
    model = Contact if kind == "contacts" else Company
    assert model.objects.filter(owner=other).count() == 55

    # Sorting from a column header moves the form's sort with it; Back puts both back.
    page.goto(f"{live_server.url}/{kind}/")
    results.get_by_role("link", name="Name", exact=True).click()
    expect(page).to_have_url(re.compile(r"sort=name"))
    expect(page.locator("#filter-sort")).to_have_value("name")
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"sort=name"))
    expect(page.locator("#filter-sort")).to_have_value("newest")

    # Paging from the bottom of the list shows the top of the next page.
    next_link = results.get_by_role("link", name="Next →")
    next_link.scroll_into_view_if_needed()
    next_link.click()
    expect(results.get_by_text("5 on this page")).to_be_attached()
    page.wait_for_function(f"document.querySelector('{results_selector}').getBoundingClientRect().top >= -1")
    screenshot(f"records-{kind}-{width}-page-2")

    # Detail, then edit and save.
    results.locator("td.cell-primary a").first.click()
    expect(page.get_by_role("link", name="Edit", exact=True)).to_be_visible()
    screenshot(f"records-{kind}-{width}-detail")
    page.get_by_role("link", name="Edit", exact=True).click()
    if kind == "contacts":
        page.get_by_label("Job title").fill("Head of Testing")
    else:
        page.get_by_label("Industry").fill("Testing")
    screenshot(f"records-{kind}-{width}-edit")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("was saved.")).to_be_visible()
    if kind == "contacts":
        assert Contact.objects.filter(job_title="Head of Testing").count() == 1
    else:
        assert Company.objects.filter(industry="Testing").count() == 1
