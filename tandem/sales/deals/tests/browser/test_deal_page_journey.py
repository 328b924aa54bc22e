"""The deal page in a real browser: search the playbook for what the buyer asked, mark an answer used (it is
recorded with the deal), send a 1:1 email from the deal's Emails panel and find it on the deal's timeline,
fill in the qualification inline; then an admin edits the pipeline's stages in Settings → Pipelines.
Screenshots at 1280 and 390 px of the deal page and the pipeline settings (under /tmp/dealpage)."""

import re
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tandem.contacts.tests.browser_session import log_in
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Role
from tandem.mail.models import Message
from tandem.mail.tests.compose_fixtures import verified_identity
from tandem.sales.deals import services
from tandem.sales.deals.models import Qualification, Stage
from tandem.sales.deals.tests.factories import make_pipeline
from tandem.sales.playbooks.models import AnswerUse
from tandem.sales.playbooks.tests.factories import objection_with_answers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir()) / "dealpage"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_playbook_email_and_qualification_on_the_deal_page_then_edit_the_stages(live_server, page):
    # given a rep's deal with two contacts at a company, a verified sending address and a price objection
    pipeline, stages = make_pipeline()
    team = TeamFactory(name="North")
    admin = UserFactory(
        email="ada@example.com", first_name="Ada", last_name="Lovel", role=Role.ADMIN, team=team
    )
    company = CompanyFactory(name="Acme Ltd")
    ben = ContactFactory(first_name="Ben", last_name="Ode", email="ben@acme.example", company=company)
    deal = services.create_deal(
        actor=admin,
        values={
            "name": "Acme rollout",
            "amount": "24000",
            "stage": stages["Lead"].pk,
            "primary_contact": ben.pk,
        },
    )
    services.update_deal(actor=admin, deal=deal, values={"next_step": "Send the proposal"})
    verified_identity()
    _, (answer, _) = objection_with_answers(
        admin,
        "Your price is too high",
        "price",
        ["Count the hours saved each week.", "Start with the monthly plan."],
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, admin)
    page.goto(f"{live_server.url}/sales/deals/{deal.pk}/")

    # when the rep types what the buyer asked, the ranked answers appear; "I used this" records it with the deal
    page.get_by_label("What did the buyer ask?").fill("the price is too high")
    first = page.locator("#playbook-results .answer-result").first
    expect(first).to_contain_text("Count the hours saved each week.")
    first.get_by_label("Did this answer help?").select_option("yes")
    first.get_by_role("button", name="I used this").click()
    expect(first.get_by_text("Recorded. Thanks!")).to_be_visible()
    assert list(AnswerUse.objects.values_list("answer_id", "deal_id", "helped")) == [
        (answer.pk, deal.pk, "yes")
    ]

    # and fills in the qualification inline
    page.locator("#qualification").get_by_role("link", name="Edit").click()
    page.get_by_label("Budget: status").select_option("confirmed")
    page.get_by_label("Budget: note").fill("€40k approved for Q3")
    page.get_by_role("button", name="Save qualification").click()
    expect(page.locator("#qualification")).to_contain_text("€40k approved for Q3")
    expect(page.locator("#qualification")).to_contain_text("1 of 6 confirmed")
    assert Qualification.objects.get(deal=deal).budget_status == "confirmed"

    # and sends a 1:1 email from the deal's Emails panel (to the primary contact, chosen first)
    page.reload()
    shoot(page, "deal-page")
    page.get_by_role("link", name="Send email").click()
    expect(page.get_by_role("heading", name=re.compile("Email someone on the deal"))).to_be_visible()
    page.get_by_label("Subject").fill("Our proposal, {{ contact.first_name }}")
    page.get_by_label("Message").fill("Hi Ben,\n\nthe proposal is attached.")
    page.get_by_role("button", name="Send email").click()

    # then the deal's page is back, with the email on its timeline and in its Emails panel
    expect(page).to_have_url(re.compile(f"/sales/deals/{deal.pk}/"))
    expect(page.get_by_text("Your email to Ben Ode is on its way.")).to_be_visible()
    expect(page.locator("#timeline-list")).to_contain_text("Our proposal, Ben")
    message = Message.objects.get(category="personal")
    assert (message.about_type, message.about_id, message.contact_id) == ("deal", deal.pk, ben.pk)

    # when the admin edits the pipeline: renames Proposal, adds Negotiation after it, removes Lead (its deal
    # moves to Proposal in the same save)
    page.goto(f"{live_server.url}/sales/pipelines/")
    shoot(page, "pipeline-settings")
    page.get_by_role("link", name="Edit Test pipeline").click()
    shoot(page, "pipeline-form")
    page.get_by_label("Name", exact=True).first.fill("New business")
    page.locator("#stage-1-name").fill("Offer")
    page.locator("#stage-4-name").fill("Negotiation")
    page.locator("#stage-4-position").fill("2")
    page.locator("#stage-4-probability").fill("70")
    page.locator("input[name='stage-0-remove']").check()
    page.get_by_role("button", name="Save pipeline").click()
    expect(page.get_by_role("alert")).to_contain_text("The pipeline was not saved.")
    expect(page.locator("#stage-0-move-error")).to_have_text(
        "Lead holds 1 deal: choose the stage they move to."
    )
    # nothing typed is lost; the rows come back in the order their Position numbers gave
    expect(page.locator("#stage-2-name")).to_have_value("Negotiation")
    expect(page.locator("#stage-1-name")).to_have_value("Offer")
    shoot(page, "pipeline-form-error")
    page.get_by_label("Move its 1 deal to").select_option(label="Offer")
    page.get_by_role("button", name="Save pipeline").click()
    expect(page.get_by_text("New business saved.")).to_be_visible()
    names = list(
        Stage.objects.filter(pipeline=pipeline, archived_at__isnull=True)
        .order_by("order")
        .values_list("name", flat=True)
    )
    assert names == ["Offer", "Negotiation", "Won", "Lost"]
    deal.refresh_from_db()
    assert deal.stage.name == "Offer" and deal.amount == Decimal("24000.00")
