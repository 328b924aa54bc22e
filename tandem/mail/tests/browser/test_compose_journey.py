"""1:1 email in a real browser: from a contact's page, pick a template, see the merged preview, send."""

import re

import pytest
from playwright.sync_api import expect

from tandem.contacts.models import Activity
from tandem.contacts.tests.factories import PASSWORD, CompanyFactory, ContactFactory, UserFactory
from tandem.core.models import Role
from tandem.mail.models import Message
from tandem.mail.services import compose
from tandem.mail.tests.compose_fixtures import parsed, verified_identity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_send_a_templated_email_from_a_contact_page(live_server, page, screenshot):
    # given a sales user with a template, a verified identity and a contact at a company
    user = UserFactory(email="mara@example.com", first_name="Mara", last_name="Lind", role=Role.SALES)
    verified_identity()
    compose.save_template(
        actor=user,
        name="Demo follow-up",
        subject="Your demo, {{ contact.first_name }}",
        body="Hi {{ contact.first_name | default('there') }},\n\nThanks for your time.",
        is_shared=False,
    )
    company = CompanyFactory(name="Acme", domain="acme.example")
    contact = ContactFactory(
        first_name="Juniper", last_name="Okafor", email="juniper@acme.example", company=company
    )

    # when: log in and open the contact
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in|log in", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))
    page.goto(f"{live_server.url}/contacts/{contact.pk}/")

    # when: Send email, pick the template
    page.get_by_role("link", name="Send email").click()
    expect(page.get_by_role("heading", name="Email Juniper Okafor")).to_be_visible()
    page.get_by_label("Start from a template").select_option(label="Demo follow-up")
    expect(page.get_by_label("Subject")).to_have_value("Your demo, {{ contact.first_name }}")

    # then: the preview shows the merged first name
    preview = page.locator("#compose-preview")
    expect(preview.locator(".compose-preview-subject")).to_have_text("Your demo, Juniper")
    expect(preview).to_contain_text("Hi Juniper,")

    # when: a merge field is inserted and the email sent
    page.get_by_label("Message").click()
    page.get_by_label("Message").press("End")
    page.locator(".compose-merge summary").click()
    page.get_by_role("button", name="Your first name").click()
    expect(preview).to_contain_text("Thanks for your time.Mara")
    screenshot("compose-email")
    page.get_by_role("button", name="Send email").click()

    # then: back on the contact, the timeline shows the entry
    expect(page.get_by_text("Your email to Juniper Okafor is on its way.")).to_be_visible()
    entry = page.locator(".timeline-item").filter(
        has_text="Mara Lind emailed Juniper Okafor: Your demo, Juniper"
    )
    expect(entry).to_be_visible()
    expect(entry).to_contain_text("Sent")  # tests run the worker inline: kept in the mailbox at once
    screenshot("compose-sent-timeline")

    # and one ledger row with the exact subject and recipient
    message = Message.objects.get()
    assert (message.subject, message.recipients, message.category) == (
        "Your demo, Juniper",
        ["juniper@acme.example"],
        "personal",
    )
    assert parsed(message)["To"] == "juniper@acme.example"
    assert Activity.objects.filter(kind="personal_email", contact=contact, company=company).count() == 1
