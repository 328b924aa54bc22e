"""The 1:1 email pages through Django's test client: compose, preview, template picker, templates, signature."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.contacts.models import Activity
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, UserFactory
from tandem.core.models import Role
from tandem.mail.models import MailSignature, MailTemplate, Message
from tandem.mail.services import compose
from tandem.mail.tests.compose_fixtures import parsed, verified_identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(client):
    user = UserFactory(email="ana@tandem.example", first_name="Ana", last_name="Ruiz", role=Role.SALES)
    client.force_login(user)
    return user


@pytest.fixture
def identity():
    return verified_identity()


@pytest.fixture
def company():
    return CompanyFactory(name="Acme", domain="acme.example")


@pytest.fixture
def contact(company):
    return ContactFactory(first_name="Ben", last_name="Ode", email="ben@acme.example", company=company)


def compose_data(identity, contact, **changes) -> dict:
    data = {
        "form_token": str(uuid.uuid4()),
        "to": str(contact.pk),
        "identity": str(identity.pk),
        "template": "",
        "subject": "Hello {{ contact.first_name }}",
        "body": "Hi {{ contact.first_name }},\nSee you.",
        "when": "now",
        "send_after_at": "",
    }
    data.update(changes)
    return data


def test_the_contact_page_offers_send_email(client, user, contact):
    response = client.get(reverse("contacts:contact_detail", args=[contact.pk]))
    html = response.content.decode()
    assert f'href="/mail/compose/contact/{contact.pk}/">Send email</a>' in html
    assert "No 1:1 emails yet." in html


def test_sending_from_the_compose_page(client, user, identity, contact):
    # given the compose page
    page = client.get(reverse("mail:compose_contact", args=[contact.pk]))
    assert page.status_code == 200
    assert "Email <bdi>Ben Ode</bdi>" in page.content.decode()

    # when the form is sent
    response = client.post(
        reverse("mail:compose_contact", args=[contact.pk]), compose_data(identity, contact)
    )

    # then back on the contact page, with one ledger row and one timeline entry
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:contact_detail", args=[contact.pk])
    message = Message.objects.get()
    assert (message.subject, message.recipients) == ("Hello Ben", ["ben@acme.example"])
    assert parsed(message)["To"] == "ben@acme.example"
    detail = client.get(response["Location"]).content.decode()
    assert "Your email to Ben Ode is on its way." in detail
    assert "<bdi>Ana Ruiz</bdi> emailed <bdi>Ben Ode</bdi>: <bdi>Hello Ben</bdi>" in detail


def test_a_double_submitted_form_sends_once(client, user, identity, contact):
    data = compose_data(identity, contact)
    url = reverse("mail:compose_contact", args=[contact.pk])
    client.post(url, data)
    client.post(url, data)
    assert Message.objects.count() == 1
    assert Activity.objects.filter(kind="personal_email").count() == 1


def test_a_template_error_is_shown_and_the_input_kept(client, user, identity, contact):
    data = compose_data(identity, contact, body="Hi {{ contact.nickname }}")
    response = client.post(reverse("mail:compose_contact", args=[contact.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "The template cannot be used: Line 1: “nickname” is not one of the fields available here." in html
    assert "Hi {{ contact.nickname }}</textarea>" in html
    assert Message.objects.count() == 0


def test_an_empty_subject_is_refused_in_the_form(client, user, identity, contact):
    response = client.post(
        reverse("mail:compose_contact", args=[contact.pk]), compose_data(identity, contact, subject="")
    )
    assert "Write a subject." in response.content.decode()
    assert Message.objects.count() == 0


def test_schedule_needs_a_time(client, user, identity, contact):
    data = compose_data(identity, contact, when="later")
    response = client.post(reverse("mail:compose_contact", args=[contact.pk]), data)
    assert "Choose when to send it." in response.content.decode()
    assert Message.objects.count() == 0


def test_a_scheduled_email_is_listed_and_can_be_cancelled(client, user, identity, contact):
    # given an email scheduled for two days ahead at 09:30 in the user's time zone (UTC in the tests)
    when = timezone.localtime() + timedelta(days=2)
    data = compose_data(identity, contact, when="later", send_after_at=when.strftime("%Y-%m-%dT09:30"))
    client.post(reverse("mail:compose_contact", args=[contact.pk]), data)
    message = Message.objects.get()
    assert timezone.localtime(message.send_after_at).strftime("%H:%M") == "09:30"
    detail = client.get(reverse("contacts:contact_detail", args=[contact.pk])).content.decode()
    assert f"Scheduled for {when.day} {when:%b %Y}, 09:30" in detail
    assert f'action="/mail/compose/{message.pk}/cancel/"' in detail

    response = client.post(
        reverse("mail:compose_cancel", args=[message.pk]), {"next": f"/contacts/{contact.pk}/"}
    )

    assert response["Location"] == f"/contacts/{contact.pk}/"
    message.refresh_from_db()
    assert message.status == "cancelled"


def test_a_read_only_user_who_cannot_see_the_contact_is_refused_and_nothing_is_sent(
    client, identity, contact
):
    owner = UserFactory(role=Role.SALES)
    contact.owner, contact.team = owner, owner.team
    contact.save()
    reader = UserFactory(role=Role.READ_ONLY)
    client.force_login(reader)
    url = reverse("mail:compose_contact", args=[contact.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, compose_data(identity, contact)).status_code == 403
    assert Message.objects.count() == 0


def test_a_contact_without_email_gets_a_clear_message(client, user, identity):
    contact = ContactFactory(first_name="Ben", last_name="Ode", email=None)
    page = client.get(reverse("mail:compose_contact", args=[contact.pk])).content.decode()
    assert "<bdi>Ben Ode</bdi> has no email address." in page
    assert '<button class="button button--primary" type="submit" disabled>Send email</button>' in page
    response = client.post(
        reverse("mail:compose_contact", args=[contact.pk]), compose_data(identity, contact)
    )
    assert "Ben Ode has no email address. Add one on their page first." in response.content.decode()
    assert Message.objects.count() == 0


def test_from_a_company_page_a_contact_of_the_company_is_chosen(client, user, identity, company, contact):
    other = ContactFactory(email="zed@elsewhere.example")
    url = reverse("mail:compose_company", args=[company.pk])
    page = client.get(url).content.decode()
    assert f'<option value="{contact.pk}">Ben Ode &lt;ben@acme.example&gt;</option>' in page

    refused = client.post(url, compose_data(identity, other))
    assert "Select a valid choice." in refused.content.decode()
    assert Message.objects.count() == 0

    client.post(url, compose_data(identity, contact))
    message = Message.objects.get()
    assert (message.about_type, message.about_id, message.contact_id) == ("company", company.pk, contact.pk)
    company_page = client.get(reverse("contacts:company_detail", args=[company.pk])).content.decode()
    assert "Hello Ben" in company_page


def test_the_preview_is_merged_for_the_contact(client, user, contact):
    MailSignature.objects.create(user=user, text="Ana\n<Sales>")
    response = client.post(
        reverse("mail:compose_preview"),
        {
            "to": str(contact.pk),
            "subject": "Hi {{ contact.first_name }}",
            "body": "Dear {{ contact.first_name }}",
        },
    )
    html = response.content.decode()
    assert '<dd class="compose-preview-subject">Hi Ben</dd>' in html
    assert "<p>Dear Ben</p>" in html
    assert "Ana<br>&lt;Sales&gt;" in html


def test_the_preview_shows_a_template_error(client, user, contact):
    response = client.post(
        reverse("mail:compose_preview"), {"to": str(contact.pk), "subject": "{% if %}", "body": ""}
    )
    assert "The subject cannot be rendered: Line 1: Expected an expression" in response.content.decode()


def test_the_preview_of_a_contact_the_user_cannot_see_uses_the_sample(client, contact):
    owner = UserFactory(role=Role.SALES)
    contact.owner, contact.team = owner, owner.team
    contact.save()
    client.force_login(UserFactory(role=Role.READ_ONLY))
    response = client.post(
        reverse("mail:compose_preview"),
        {"to": str(contact.pk), "subject": "Hi {{ contact.first_name }}", "body": "x"},
    )
    html = response.content.decode()
    assert "Hi Alex" in html
    assert "Ben" not in html


def test_the_template_picker_fills_subject_and_body(client, user):
    template = compose.save_template(
        actor=user, name="Intro", subject="Hi {{ contact.first_name }}", body="Body", is_shared=False
    )
    response = client.get(reverse("mail:compose_template_fields"), {"template": template.pk})
    html = response.content.decode()
    assert 'value="Hi {{ contact.first_name }}"' in html
    assert ">\nBody</textarea>" in html
    assert response["HX-Trigger-After-Settle"] == "compose-filled"


def test_someone_elses_private_template_is_not_offered(client, user):
    owner = UserFactory()
    template = compose.save_template(
        actor=owner, name="Private", subject="Secret", body="Body", is_shared=False
    )
    response = client.get(reverse("mail:compose_template_fields"), {"template": template.pk})
    assert (response.status_code, response.content) == (204, b"")
    assert "Private" not in client.get(reverse("mail:compose_templates")).content.decode()


def test_creating_a_template_and_its_error_on_save(client, user):
    url = reverse("mail:compose_template_create")
    refused = client.post(url, {"name": "Intro", "subject": "Hi", "body": "{{ settings.SECRET_KEY }}"})
    assert "The template cannot be used: Line 1: “settings” is not a merge field." in refused.content.decode()
    assert MailTemplate.objects.count() == 0

    response = client.post(url, {"name": "Intro", "subject": "Hi", "body": "Hello", "is_shared": "on"})

    assert response["Location"] == reverse("mail:compose_templates")
    template = MailTemplate.objects.get()
    assert (template.name, template.owner_id, template.is_shared) == ("Intro", user.pk, True)


def test_only_the_owner_changes_or_deletes_a_shared_template(client, user):
    owner = UserFactory(role=Role.SALES)
    template = compose.save_template(actor=owner, name="Team", subject="Hi", body="Body", is_shared=True)
    assert client.get(reverse("mail:compose_template_edit", args=[template.pk])).status_code == 403
    assert client.post(reverse("mail:compose_template_delete", args=[template.pk])).status_code == 403
    assert MailTemplate.objects.filter(pk=template.pk, name="Team").exists()


def test_the_signature_page_saves(client, user):
    response = client.post(reverse("mail:compose_signature"), {"text": "Ana Ruiz\nSales"})
    assert response.status_code == 302
    assert MailSignature.objects.get(user=user).text == "Ana Ruiz\nSales"


def test_no_template_keeps_what_the_form_holds(client, user):
    response = client.get(reverse("mail:compose_template_fields"), {"template": ""})
    assert response.status_code == 204


def test_a_read_only_user_who_sees_the_contact_may_not_open_compose_and_nothing_is_sent(
    client, identity, contact
):
    owner = UserFactory(role=Role.SALES)
    contact.owner, contact.team = owner, owner.team
    contact.save()
    client.force_login(UserFactory(role=Role.READ_ONLY, team=owner.team))
    url = reverse("mail:compose_contact", args=[contact.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, compose_data(identity, contact)).status_code == 403
    assert Message.objects.count() == 0
    detail = client.get(reverse("contacts:contact_detail", args=[contact.pk])).content.decode()
    assert "Send email" not in detail


def test_the_company_panel_lists_only_emails_to_contacts_the_reader_may_see(client, identity, company):
    # given a sales owner in one team who emailed two contacts of the company, one of them in another team
    north = UserFactory(role=Role.SALES)
    south = UserFactory(role=Role.SALES)
    visible = ContactFactory(first_name="Vi", email="vi@acme.example", company=company, owner=north)
    hidden = ContactFactory(first_name="Hid", email="hid@acme.example", company=company, owner=south)
    compose.send_one_to_one(actor=north, contact=visible, identity=identity, subject="To Vi", body="x")
    compose.send_one_to_one(actor=south, contact=hidden, identity=identity, subject="To Hid", body="x")
    company.owner, company.team = north, north.team
    company.save()

    # when a read-only reader of the north team opens the company
    client.force_login(UserFactory(role=Role.READ_ONLY, team=north.team))
    html = client.get(reverse("contacts:company_detail", args=[company.pk])).content.decode()

    # then the panel shows the email to the contact they may see, not the other
    assert "To Vi" in html
    assert "To Hid" not in html


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example/"])
def test_the_signature_page_never_sends_elsewhere(client, user, next_url):
    response = client.post(reverse("mail:compose_signature"), {"text": "Ana", "next": next_url})
    assert response["Location"] == reverse("mail:compose_signature")


def test_the_signature_page_links_back_only_to_this_site(client, user):
    html = client.get(reverse("mail:compose_signature"), {"next": "javascript:alert(1)"}).content.decode()
    assert "javascript:" not in html
    html = client.get(reverse("mail:compose_signature"), {"next": "/contacts/1/"}).content.decode()
    assert 'href="/contacts/1/">Cancel</a>' in html
