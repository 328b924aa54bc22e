"""The first journey of issue 2, in a real browser: log in, create a contact, find it, add a note."""

import re

import pytest
from playwright.sync_api import expect

from tandem.contacts.models import Activity, ActivityKind, Contact
from tandem.contacts.tests.factories import PASSWORD, UserFactory
from tandem.core.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_create_a_contact_find_it_and_add_a_note(live_server, page, screenshot):
    given_user = UserFactory(email="mara@example.com", first_name="Mara", last_name="Lind", role=Role.SALES)

    # when: log in
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(given_user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in|log in", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts")).to_be_visible()

    # when: create a contact
    page.goto(f"{live_server.url}/contacts/new/")
    page.get_by_label("First name").fill("Juniper")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Email").fill("  Juniper.Okafor@Example.ORG ")
    page.get_by_label("Job title").fill("Head of Growth")
    page.get_by_role("button", name="Create contact").click()
    expect(page.get_by_role("heading", name="Juniper Okafor")).to_be_visible()

    # when: find it in the list by search (htmx updates the results as you type)
    page.goto(f"{live_server.url}/contacts/")
    page.get_by_label("Search contacts", exact=True).fill("junip")
    result_link = page.locator("#contact-results").get_by_role("link", name="Juniper Okafor")
    expect(result_link).to_be_visible()
    screenshot("contacts-search")
    result_link.click()

    # when: add a note; it appears on the timeline without a reload
    page.get_by_label("Add a note").fill("Met at the <b>Berlin</b> meetup.\nWants a demo in May.")
    page.get_by_role("button", name="Add note").click()
    note = page.locator(".timeline-item").filter(has_text="Wants a demo in May.")
    expect(note).to_be_visible()
    expect(note).to_contain_text("Met at the <b>Berlin</b> meetup.")
    screenshot("contact-detail")

    # then: what the browser did is in the database exactly once
    contact = Contact.objects.get()
    assert contact.email == "Juniper.Okafor@example.org"
    assert (contact.first_name, contact.last_name, contact.job_title) == (
        "Juniper",
        "Okafor",
        "Head of Growth",
    )
    assert contact.owner_id == given_user.pk
    notes = Activity.objects.filter(contact=contact, kind=ActivityKind.NOTE)
    assert [note.body for note in notes] == ["Met at the <b>Berlin</b> meetup.\nWants a demo in May."]
