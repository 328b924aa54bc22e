"""axe-core over every page of the app, in a real browser at 1280 and 390 px: no serious or critical violation.

Marked `axe` (and `browser`): `pytest -m axe` runs it alone. KNOWN_ELSEWHERE lists what is still to fix in
templates other helpers own (contacts' record pages, the API's pages), page by page: the test fails on any
violation not listed there, and on a listed one that has gone (so the list only shrinks). Empty it as the
fixes land.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from playwright.sync_api import expect

from tandem.contacts.models import Contact, LifecycleStage
from tandem.contacts.services.timeline import add_note
from tandem.contacts.tests.factories import PASSWORD, CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.bulkjobs.models import BulkJob
from tandem.core.bulkjobs.services import start_bulk_job
from tandem.core.models import Role
from tandem.imports.models import ImportJob

pytestmark = [pytest.mark.browser, pytest.mark.axe, pytest.mark.django_db(transaction=True)]

SEVERE = {"serious", "critical"}

# width → page name → rule ids still failing there because of a template this branch does not own (none left:
# the timeline title's p-as-heading was fixed in contacts/_timeline_item.html).
KNOWN_ELSEWHERE: dict[int, dict[str, set[str]]] = {1280: {}, 390: {}}


@dataclass
class Data:
    contact: Contact
    company_id: int
    trashed_contact_id: int
    duplicate_ids: tuple[int, int]
    company_duplicate_ids: tuple[int, int]
    import_id: int
    export_id: int
    user_id: int
    bulk_job_id: int
    waiting_bulk_job_id: int


def make_data(admin) -> Data:
    team = admin.team
    company = CompanyFactory(
        name="Northwind Analytics", domain="northwind.example", owner=admin, phone="+14155550100"
    )
    CompanyFactory(name="Northwind Analytics", domain="northwind2.example", owner=admin, phone="+14155550100")
    contact = ContactFactory(
        first_name="Ana",
        last_name="Lee",
        email="ana@northwind.example",
        company=company,
        owner=admin,
        phone="+14155550132",
        job_title="CTO",
        lifecycle_stage=LifecycleStage.MQL,
    )
    twin = ContactFactory(
        first_name="Ana", last_name="Lee", email="ana.lee@mail.example", phone="+14155550132"
    )
    ContactFactory.create_batch(3, company=company, owner=admin, lifecycle_stage=LifecycleStage.CUSTOMER)
    trashed = ContactFactory(first_name="Old", last_name="Record")
    Contact.objects.filter(pk=trashed.pk).update(deleted_at=trashed.created_at)
    add_note(actor=admin, body="Called about the renewal; see the notes from the call.", contact=contact)
    add_note(actor=admin, body="Quarterly review booked.", company=company)
    other = UserFactory(email="bob@example.com", role=Role.SALES, team=team, first_name="Bob")

    client = Client()
    client.force_login(admin)
    client.post(
        "/imports/new/",
        {
            "object_type": "contact",
            "file": SimpleUploadedFile(
                "people.csv",
                b"First Name,Email\nAda,ada@example.com\nBad,not-an-email\n",
                content_type="text/csv",
            ),
        },
    )
    job = ImportJob.objects.latest("pk")
    client.post(
        f"/imports/{job.pk}/mapping/",
        {"column_0": "first_name", "column_1": "email", "key": "email", "mode": "update"},
    )
    export_response = client.post(
        "/exports/contacts/new/", {"query": "", "columns": ["first_name", "email"], "file_format": "xlsx"}
    )
    export_id = int(re.search(r"/exports/(\d+)/", export_response["Location"]).group(1))
    companies = sorted(company.pk for company in type(company).objects.filter(name="Northwind Analytics"))
    # A finished bulk job (its task runs inline once the start commits) and one still waiting, which polls.
    finished_job = start_bulk_job(actor=admin, object_type="contact", action="add_tag", value="vip", query="")
    waiting_job = BulkJob.objects.create(
        object_type="contact",
        action="set_stage",
        value="sql",
        query="stage=mql",
        actor=admin,
        max_id=contact.pk,
    )
    return Data(
        contact=contact,
        company_id=company.pk,
        trashed_contact_id=trashed.pk,
        duplicate_ids=(contact.pk, twin.pk),
        company_duplicate_ids=(companies[0], companies[1]),
        import_id=job.pk,
        export_id=export_id,
        user_id=other.pk,
        bulk_job_id=finished_job.pk,
        waiting_bulk_job_id=waiting_job.pk,
    )


def signed_in_pages(data: Data) -> dict[str, str]:
    contact, company = data.contact.pk, data.company_id
    return {
        "home": "/",
        "contacts list": "/contacts/",
        "contact detail": f"/contacts/{contact}/",
        "contact form": f"/contacts/{contact}/edit/",
        "contact new": "/contacts/new/",
        "contacts trash": "/contacts/trash/",
        "trashed contact": f"/contacts/{data.trashed_contact_id}/",
        "companies list": "/companies/",
        "company detail": f"/companies/{company}/",
        "company form": f"/companies/{company}/edit/",
        "companies trash": "/companies/trash/",
        "contact duplicates": "/contacts/duplicates/?reason=phone",
        "company duplicates": "/companies/duplicates/?reason=name",
        "contact merge": f"/contacts/merge/?survivor={data.duplicate_ids[0]}&other={data.duplicate_ids[1]}",
        "company merge": (
            f"/companies/merge/?survivor={data.company_duplicate_ids[0]}&other={data.company_duplicate_ids[1]}"
        ),
        "imports": "/imports/",
        "import new": "/imports/new/?object_type=contact",
        "import mapping": f"/imports/{data.import_id}/mapping/",
        "import dry run": f"/imports/{data.import_id}/dry-run/",
        "import detail": f"/imports/{data.import_id}/",
        "exports": "/exports/",
        "export form": "/exports/contacts/new/",
        "export detail": f"/exports/{data.export_id}/",
        "bulk job done": f"/bulk-jobs/{data.bulk_job_id}/",
        "bulk job waiting": f"/bulk-jobs/{data.waiting_bulk_job_id}/",
        "bulk changes": "/bulk-jobs/",
        "audit log": "/settings/audit/",
        "users": "/settings/users/",
        "user new": "/settings/users/new/",
        "user edit": f"/settings/users/{data.user_id}/",
        "teams": "/settings/teams/",
        "properties": "/settings/properties/",
        "property new": "/settings/properties/new/",
        "api tokens": "/settings/api-tokens/",
        "api docs": "/api/v1/docs",
        "search": "/insights/search/?q=Ana",
        "two-factor": "/accounts/2fa/",
        "password change": "/accounts/password/change/",
        "log out": "/accounts/logout/",
        "404 signed in": "/no/such/page/",
    }


SIGNED_OUT_PAGES = {
    "login": "/accounts/login/",
    "password reset": "/accounts/password/reset/",
    "404 signed out": "/no/such/page/",
}


def severe_violations(page) -> set[str]:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    # The experimental rules too (label-content-name-mismatch is one), which axe leaves off by default; not
    # the AAA ones (enhanced contrast), which are not our bar.
    page.evaluate(axe.axe_script)
    experimental = page.evaluate(
        "axe.getRules().filter(rule => rule.tags.includes('experimental') && !rule.tags.includes('wcag2aaa'))"
        ".map(rule => rule.ruleId)"
    )
    results = axe.run(
        page,
        options={"resultTypes": ["violations"], "rules": {rule: {"enabled": True} for rule in experimental}},
    )
    return {
        f"{violation['id']} ({violation['impact']}): "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in SEVERE
    }


def visit_all(page, base: str, pages: dict[str, str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    # TANDEM_AXE_SCREENSHOTS=DIR keeps a full-page screenshot of every page checked, to look at them.
    keep = os.environ.get("TANDEM_AXE_SCREENSHOTS")
    for name, path in pages.items():
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        if keep:
            width = page.viewport_size["width"]
            page.screenshot(path=str(Path(keep) / f"{width}-{name.replace(' ', '-')}.png"), full_page=True)
        violations = severe_violations(page)
        if violations:
            found[name] = violations
    return found


def rule_ids(found: dict[str, set[str]]) -> dict[str, set[str]]:
    return {
        name: {violation.split(" ", 1)[0] for violation in violations} for name, violations in found.items()
    }


@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_has_no_serious_or_critical_axe_violation(live_server, browser, width):
    admin = UserFactory(
        email="admin@example.com",
        role=Role.ADMIN,
        team=TeamFactory(name="Sales East"),
        first_name="Ada",
        last_name="Admin",
    )
    data = make_data(admin)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        signed_out = visit_all(page, live_server.url, SIGNED_OUT_PAGES)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(admin.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{live_server.url}/")
        signed_in = visit_all(page, live_server.url, signed_in_pages(data))
    finally:
        context.close()
    found = {**signed_out, **signed_in}

    assert rule_ids(found) == KNOWN_ELSEWHERE[width], found
