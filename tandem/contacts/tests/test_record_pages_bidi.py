"""Names with a right-to-left override (U+202E) do not reorder the record pages: the list, the record page,
the edit form, the trash, a trashed record's page, the timeline and search show them isolated."""

import pytest
from django.urls import reverse

from tandem.contacts.services import companies as company_services
from tandem.contacts.services import contacts as contact_services
from tandem.contacts.services.timeline import add_note
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.core.testing import unisolated_bidi_text

pytestmark = pytest.mark.django_db

RLO = "\u202e"


def test_names_with_a_bidi_override_are_isolated_on_every_record_page(client):
    admin = UserFactory(role=Role.ADMIN, first_name=f"Ada{RLO}", last_name="Admin")
    company = company_services.create_company(
        actor=admin, values={"name": f"Zephyr {RLO}dtL", "domain": "zephyr.example"}
    )
    contact = contact_services.create_contact(
        actor=admin,
        values={
            "first_name": f"Zephyr{RLO}",
            "last_name": "Lee",
            "email": "z@zephyr.example",
            "company": company,
        },
    )
    contact_services.update_contact(actor=admin, contact=contact, values={"job_title": f"Head {RLO}selaS"})
    company_services.update_company(actor=admin, company=company, values={"industry": f"Tea {RLO}aeT"})
    add_note(actor=admin, body=f"Called {RLO}kcab", contact=contact)
    add_note(actor=admin, body=f"Visited {RLO}tisiv", company=company)
    gone_contact = contact_services.create_contact(
        actor=admin, values={"first_name": f"Gone{RLO}", "last_name": "Lee", "email": "gone@zephyr.example"}
    )
    gone_company = company_services.create_company(
        actor=admin, values={"name": f"Gone {RLO}oC", "domain": "gone.example"}
    )
    contact_services.delete_contact(actor=admin, contact=gone_contact)
    company_services.delete_company(actor=admin, company=gone_company)
    client.force_login(admin)

    urls = {
        "contact list": "/contacts/",
        "contact page": f"/contacts/{contact.pk}/",
        "contact form": f"/contacts/{contact.pk}/edit/",
        "contact timeline": f"/contacts/{contact.pk}/timeline/",
        "contact trash": "/contacts/trash/",
        "trashed contact": f"/contacts/{gone_contact.pk}/",
        "company list": "/companies/",
        "company page": f"/companies/{company.pk}/",
        "company form": f"/companies/{company.pk}/edit/",
        "company timeline": f"/companies/{company.pk}/timeline/",
        "company trash": "/companies/trash/",
        "trashed company": f"/companies/{gone_company.pk}/",
        "search": reverse("insights:search") + "?q=zephyr",
        "search suggestions": reverse("insights:search_suggest") + "?q=zephyr",
    }
    # The timeline's older pages are an htmx fragment; every other page is asked for as a whole page.
    pages = {
        name: client.get(url, headers={"HX-Request": "true"} if "timeline" in name else {})
        for name, url in urls.items()
    }

    assert {name: response.status_code for name, response in pages.items()} == {
        name: 404 if name.startswith("trashed") else 200 for name in urls
    }
    for name in ("contact page", "company page", "contact trash", "company trash", "search"):
        assert RLO in pages[name].content.decode(), name
    assert {name: unisolated_bidi_text(response.content.decode()) for name, response in pages.items()} == {
        name: [] for name in urls
    }
