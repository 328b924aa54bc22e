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
from django.utils import timezone
from playwright.sync_api import expect

from tandem.contacts.models import Contact, LifecycleStage
from tandem.contacts.services.timeline import add_note
from tandem.contacts.tests.factories import PASSWORD, CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.bulkjobs.models import BulkJob
from tandem.core.bulkjobs.services import start_bulk_job
from tandem.core.models import Role
from tandem.imports.models import ImportJob
from tandem.mail.models import Identity
from tandem.mail.services import compose
from tandem.mail.tests.compose_fixtures import verified_identity
from tandem.notifications.services import mark_read, notify

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
    mail_template_id: int
    inbound_mailbox_id: int
    conversation_id: int
    mail_message_id: int = 0
    identity_verify_path: str = ""
    product_id: int = 0
    objection_id: int = 0
    answer_id: int = 0
    battle_card_id: int = 0
    deal_id: int = 0
    pipeline_id: int = 0
    quote_id: int = 0
    quote_public_path: str = ""
    task_id: int = 0


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
    # Notifications on the bell and the list: one unread with a body and a link, one read.
    notify(
        user=admin,
        kind="imports.import_finished",
        title="Your import of people.csv has finished",
        body="1 created, 0 updated, 0 skipped, 1 failed.",
        url=f"/imports/{job.pk}/",
    )
    read = notify(
        user=admin,
        kind="exports.export_ready",
        title="Your export of contacts (XLSX) is ready",
        url=f"/exports/{export_id}/",
    )
    mark_read(actor=admin, notification_id=read.pk)
    waiting_job = BulkJob.objects.create(
        object_type="contact",
        action="set_stage",
        value="sql",
        query="stage=mql",
        actor=admin,
        max_id=contact.pk,
    )
    inbound_mailbox_id, conversation_id = make_conversation(admin, contact)
    mail_message_id, identity_verify_path = make_mail_data(admin)
    # 1:1 email: a verified sending identity, a saved template and a sent email on the contact's timeline.
    # Not the default: make_mail_data's sender already is, and only one identity may be.
    compose_identity = verified_identity(is_default=False)
    mail_template = compose.save_template(
        actor=admin,
        name="Demo follow-up",
        subject="Hi {{ contact.first_name }}",
        body="Thanks!",
        is_shared=True,
    )
    compose.send_one_to_one(
        actor=admin, contact=contact, identity=compose_identity, subject="Our call", body="Thanks for today."
    )
    product_id, objection_id, answer_id, battle_card_id = make_sales_data(admin)
    deal_id = make_deal(admin, contact)
    quote_id, quote_public_path = make_quote(admin, deal_id, product_id)
    task_id = make_engagements(admin, contact, deal_id)
    return Data(
        task_id=task_id,
        product_id=product_id, objection_id=objection_id, answer_id=answer_id, battle_card_id=battle_card_id,
        pipeline_id=deal_pipeline_id(deal_id),
        deal_id=deal_id, quote_id=quote_id, quote_public_path=quote_public_path,
        mail_message_id=mail_message_id, identity_verify_path=identity_verify_path,
        contact=contact, company_id=company.pk, trashed_contact_id=trashed.pk,
        duplicate_ids=(contact.pk, twin.pk), company_duplicate_ids=(companies[0], companies[1]),
        import_id=job.pk, export_id=export_id, user_id=other.pk,
        bulk_job_id=finished_job.pk, waiting_bulk_job_id=waiting_job.pk,
        inbound_mailbox_id=inbound_mailbox_id, conversation_id=conversation_id,
        mail_template_id=mail_template.pk,
    )


def make_sales_data(admin) -> tuple[int, int, int, int]:
    """A product, an objection with two answers (one used and helpful), and a battle card linking it."""
    from tandem.sales.catalog.services import create_product
    from tandem.sales.playbooks import services as playbooks

    product = create_product(
        actor=admin,
        values={"name": "Northwind Pro", "sku": "NW-PRO-Y", "price": "1990.00", "billing": "yearly",
                "value_proposition": "Know next quarter's number.", "key_features": "Forecasts\nAlerts"},
    )
    objection = playbooks.create_objection(
        actor=admin, values={"text": "It's too expensive", "category": "price", "tags": "budget"}
    )
    answer = playbooks.add_answer(
        actor=admin, objection=objection,
        values={"text": "Count the hours saved.", "proof_points": "9 hours a week", "resources": "https://a.example/"},
    )
    playbooks.add_answer(actor=admin, objection=objection, values={"text": "Try the monthly plan."})
    playbooks.record_answer_use(actor=admin, answer=answer, helped="yes")
    card = playbooks.create_battle_card(
        actor=admin, values={"competitor": "Acme", "how_we_win": "Support", "objection_ids": [objection.pk]}
    )
    return product.pk, objection.pk, answer.pk, card.pk
def deal_pipeline_id(deal_id: int) -> int:
    from tandem.sales.deals.models import Deal

    return Deal.objects.get(pk=deal_id).pipeline_id


def make_deal(admin, contact) -> int:
    """A deal with its primary contact, moved once, so its page shows a stage track and a history."""
    from tandem.sales.deals import services as deal_services
    from tandem.sales.deals.models import Pipeline
    from tandem.sales.deals.tests.factories import make_pipeline

    # This test's database is flushed after each test, which removes the migration's default pipeline.
    if not Pipeline.objects.filter(is_default=True).exists():
        pipeline, _ = make_pipeline("New business")
        Pipeline.objects.filter(pk=pipeline.pk).update(is_default=True)
    deal = deal_services.create_deal(
        actor=admin,
        values={
            "name": "Northwind rollout",
            "amount": "24000",
            "primary_contact": contact.pk,
            # this month, so the forecast page shows its tables
            "expected_close_date": timezone.localdate().isoformat(),
            "forecast_category": "commit",
        },
    )
    deal_services.move_deal(actor=admin, deal=deal, stage=list(deal.pipeline.stages.all())[1])
    from tandem.sales.forecast import periods
    from tandem.sales.forecast import services as forecast_services

    quarter = periods.quarter_of(timezone.localdate())
    forecast_services.create_quota(actor=admin, owner=admin, period=quarter.key, amount="60000", currency="EUR")
    return deal.pk


def make_quote(admin, deal_id: int, product_id: int) -> tuple[int, str]:
    """Lines on the deal (a catalog product and a free line) and a sent quote; returns its id and the buyer's
    link as a path."""
    from tandem.sales.catalog.models import Product
    from tandem.sales.deals.models import Deal
    from tandem.sales.quotes import services as quote_services

    deal = Deal.objects.get(pk=deal_id)
    product = Product.objects.get(pk=product_id)
    values = {"product": product.pk, "quantity": "3", "discount_percent": "10"}
    if product.currency != deal.currency:
        values = {"name": product.name, "quantity": "3", "unit_price": str(product.price), "discount_percent": "10"}
    quote_services.add_deal_line(actor=admin, deal=deal, values=values)
    quote_services.add_deal_line(actor=admin, deal=deal, values={"name": "Onboarding workshop", "unit_price": "1500"})
    quote = quote_services.create_quote(actor=admin, values={"deal": deal.pk, "tax_rate": "19"})
    shared = quote_services.share_quote(actor=admin, quote=quote)
    return quote.pk, re.sub(r"^https?://[^/]+", "", shared.url)


def make_engagements(admin, contact, deal_id: int) -> int:
    """Tasks (overdue, today, done) and a logged call and meeting, so My tasks, the task pages and the
    "Log activity" panels show something in each part."""
    import datetime

    from django.utils import timezone

    from tandem.engagements import services as engagement_services

    today = timezone.localdate()
    task = engagement_services.create_task(
        actor=admin,
        values={"title": "Send the proposal", "subject": f"deal:{deal_id}", "due_date": today, "priority": "high"},
    )
    engagement_services.create_task(
        actor=admin,
        values={"title": "Call back about pricing", "subject": f"contact:{contact.pk}",
                "due_date": today - datetime.timedelta(days=2), "task_type": "call"},
    )
    done = engagement_services.create_task(actor=admin, values={"title": "Book the demo", "due_date": today})
    engagement_services.complete_task(actor=admin, task=done)
    engagement_services.log_call(actor=admin, subject_type="contact", subject_id=contact.pk,
                                 outcome="left_voicemail", duration_minutes="2", notes="Will try Friday.")
    engagement_services.log_meeting(actor=admin, subject_type="deal", subject_id=deal_id,
                                    duration_minutes="30", attendee_ids=[contact.pk], notes="Walked through the plan.")
    return task.pk


def make_conversation(admin, contact) -> tuple[int, int]:
    """A 1:1 email to the contact and its reply, kept by an inbound mailbox (the poller's own service)."""
    from tandem.core import leases
    from tandem.mail.models import Category, InboundMailbox
    from tandem.mail.services.inbound import receive_message
    from tandem.mail.services.ledger import queue_message

    message = queue_message(
        key="personal:axe",
        category=Category.PERSONAL,
        to=[contact.email],
        subject="Your renewal",
        text="Hi Ana,\nhere is the renewal quote.",
        contact=contact,
        sender=admin,
    )
    mailbox = InboundMailbox.objects.create(
        name="Sales replies",
        host="127.0.0.1",
        port=10143,
        security="none",
        username="sales",
        password="secret",
    )
    leases.claim(InboundMailbox.objects.filter(pk=mailbox.pk), worker="axe")
    reply = (
        f"From: Ana Lee <{contact.email}>\r\nTo: ada@example.com\r\nSubject: Re: Your renewal\r\n"
        f"Message-ID: <axe-reply@northwind.example>\r\nIn-Reply-To: {message.message_id}\r\n\r\n"
        "Thanks, we will sign this week.\r\n"
    ).encode()
    receive_message(mailbox=mailbox, uidvalidity=1, uid=1, raw=reply, size=len(reply), worker="axe")
    # and a colleague in Tandem answering in the thread: an internal reply, marked so on the pages
    internal = (
        f"From: Ada <{admin.email}>\r\nTo: {contact.email}\r\nSubject: Re: Your renewal\r\n"
        "Message-ID: <axe-internal@northwind.example>\r\nIn-Reply-To: <axe-reply@northwind.example>\r\n"
        f"References: {message.message_id} <axe-reply@northwind.example>\r\n\r\n"
        "Great, I will send the contract.\r\n"
    ).encode()
    receive_message(mailbox=mailbox, uidvalidity=1, uid=2, raw=internal, size=len(internal), worker="axe")
    return mailbox.pk, message.pk


def make_mail_data(admin) -> tuple[int, str]:
    """A verified identity with a DKIM key, an unverified one (its link), and a message with an HTML part."""
    from tandem.mail.models import Category
    from tandem.mail.services import identities
    from tandem.mail.services.ledger import queue_message
    from tandem.public import services as public_services

    sender = identities.create_identity(
        actor=admin, from_name="Northwind Sales", address="sales@northwind.example"
    )
    Identity.objects.filter(pk=sender.pk).update(verified_at=sender.created_at, is_default=True)
    identities.generate_dkim_key(actor=admin, identity=sender)
    pending = identities.create_identity(
        actor=admin, from_name="Support", address="support@northwind.example"
    )
    pending.refresh_from_db()
    _, token = public_services.create_link(purpose="identity_verification", target=pending, single_use=True)
    message = queue_message(
        key="axe:newsletter",
        category=Category.MARKETING,
        to=["ana@northwind.example"],
        subject="April news",
        text="Hi Ana,\n\nOur April news.",
        html="<h1 style='color:#3d4fd1'>April news</h1><p>Hi Ana.</p>",
        identity=sender,
        sender=admin,
    )
    return message.pk, public_services.link_url("identity_verification", token, absolute=False)


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
        "brand kit": "/brand/",
        "api docs": "/api/v1/docs",
        "inbound mailboxes": "/mail/inbound/",
        "inbound mailbox": f"/mail/inbound/{data.inbound_mailbox_id}/",
        "conversation": f"/mail/conversations/{data.conversation_id}/",
        "search": "/insights/search/?q=Ana",
        "notifications": "/notifications/",
        "notifications unread": "/notifications/?show=unread",
        "notification emails": "/notifications/preferences/",
        "two-factor": "/accounts/2fa/",
        "password change": "/accounts/password/change/",
        "log out": "/accounts/logout/",
        "404 signed in": "/no/such/page/",
        "mailbox": "/mail/mailbox/",
        "mail message": f"/mail/mailbox/{data.mail_message_id}/",
        "mail settings": "/mail/settings/",
        "mail identities": "/mail/identities/",
        "mail identity new": "/mail/identities/new/",
        # A public page, visited signed in: it shows the same anonymous page (tandem/public).
        "mail identity verify": data.identity_verify_path,
        "compose to contact": f"/mail/compose/contact/{contact}/",
        "compose to company": f"/mail/compose/company/{company}/",
        "mail templates": "/mail/templates/",
        "mail template new": "/mail/templates/new/",
        "mail template edit": f"/mail/templates/{data.mail_template_id}/",
        "mail signature": "/mail/signature/",
        "products": "/sales/products/",
        "product detail": f"/sales/products/{data.product_id}/",
        "product form": f"/sales/products/{data.product_id}/edit/",
        "product new": "/sales/products/new/",
        "products trash": "/sales/products/trash/",
        "answer search": "/sales/playbooks/search/?q=too+expensive",
        "answer search empty": "/sales/playbooks/search/",
        "objections": "/sales/playbooks/",
        "objection detail": f"/sales/playbooks/objections/{data.objection_id}/",
        "objection form": f"/sales/playbooks/objections/{data.objection_id}/edit/",
        "objection new": "/sales/playbooks/objections/new/",
        "answer form": f"/sales/playbooks/answers/{data.answer_id}/edit/",
        "battle cards": "/sales/playbooks/battle-cards/",
        "battle card": f"/sales/playbooks/battle-cards/{data.battle_card_id}/",
        "battle card form": f"/sales/playbooks/battle-cards/{data.battle_card_id}/edit/",
        "battle card new": "/sales/playbooks/battle-cards/new/",
        "deal board": "/sales/deals/board/",
        "deals list": "/sales/deals/",
        # The close-month filter: the board's month input with a message, the list's panel opened by its chip.
        "deal board by month": "/sales/deals/board/?close_month=2026-13",
        "deals list by month": "/sales/deals/?close_month=2026-03",
        "deal detail": f"/sales/deals/{data.deal_id}/",
        "deal form": f"/sales/deals/{data.deal_id}/edit/",
        "deal new": "/sales/deals/new/",
        "deals trash": "/sales/deals/trash/",
        "loss reasons": "/sales/deals/loss-reasons/",
        "deals without next step": "/sales/deals/no-next-step/",
        "compose about deal": f"/mail/compose/deal/{data.deal_id}/",
        "deal qualification form": f"/sales/qualification/deal/{data.deal_id}/?edit=1",
        "pipelines": "/sales/pipelines/",
        "pipeline edit": f"/sales/pipelines/{data.pipeline_id}/",
        "pipeline new": "/sales/pipelines/new/",
        "quotes list": "/sales/quotes/",
        "quote detail": f"/sales/quotes/{data.quote_id}/",
        "quote form": f"/sales/quotes/{data.quote_id}/edit/",
        "quote new": "/sales/quotes/new/",
        "quotes trash": "/sales/quotes/trash/",
        # The buyer's page behind the quote's link (tandem/public): the same anonymous page when signed in.
        "quote public page": data.quote_public_path,
        "my tasks": "/tasks/mine/?view=today",
        "my tasks overdue": "/tasks/mine/?view=overdue",
        "my tasks done": "/tasks/mine/?view=done",
        "tasks list": "/tasks/",
        "task detail": f"/tasks/{data.task_id}/",
        "task form": f"/tasks/{data.task_id}/edit/",
        "task new": "/tasks/new/",
        "tasks trash": "/tasks/trash/",
        "log call": f"/activities/log/call/?subject=contact:{data.contact.pk}",
        "log meeting": f"/activities/log/meeting/?subject=deal:{data.deal_id}",
        "log email": f"/activities/log/email/?subject=company:{data.company_id}",
        "add task": f"/activities/log/task/?subject=deal:{data.deal_id}",
        "forecast": "/sales/forecast/",
        "quotas": "/sales/quotas/",
    }


SIGNED_OUT_PAGES = {
    "login": "/accounts/login/",
    "password reset": "/accounts/password/reset/",
    "404 signed out": "/no/such/page/",
    # The public area (tandem/public): its 404 and the page for a link that does not work.
    "public 404": "/p/no/such/page/",
    "public unknown link": "/p/identity_verification/not-a-token/",
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
