"""The deal page: its own timeline (one entry per event, keyset paged, emails about the deal, entries of
hidden contacts left out), 1:1 email through mail's compose, the playbook panel, objections met when lost,
and the qualification checklist on deals and contacts (merge of two editors, refusals that change nothing)."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tandem.contacts.models import Activity
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Role
from tandem.mail.models import Identity, Message
from tandem.mail.tests.compose_fixtures import verified_identity
from tandem.sales.deals import services
from tandem.sales.deals.models import Deal, DealContact, LossReason, Qualification
from tandem.sales.deals.tests.factories import make_pipeline
from tandem.sales.deals.timeline import deal_timeline
from tandem.sales.playbooks.models import AnswerUse, Objection
from tandem.sales.playbooks.tests.factories import objection_with_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    _, stages = make_pipeline()
    team = TeamFactory(name="North")
    rep = UserFactory(role=Role.SALES, team=team, first_name="Ana", last_name="Ruiz")
    company = CompanyFactory(name="Acme")
    primary = ContactFactory(
        first_name="Ben", last_name="Ode", email="ben@acme.example", company=company, owner=rep, team=team
    )
    second = ContactFactory(first_name="Cleo", last_name="Vance", email="cleo@acme.example", company=company)
    deal = services.create_deal(
        actor=rep,
        values={
            "name": "Acme rollout",
            "amount": "1000",
            "stage": stages["Lead"].pk,
            "primary_contact": primary.pk,
        },
    )
    DealContact.objects.create(deal=deal, contact=second, role="user")
    return {
        "stages": stages,
        "rep": rep,
        "company": company,
        "primary": primary,
        "second": second,
        "deal": deal,
    }


def kinds(page) -> list[str]:
    return [row.kind for row in page.rows]


def test_the_deal_timeline_shows_each_event_once_newest_first_and_pages_by_keyset(setup):
    deal, rep, stages = setup["deal"], setup["rep"], setup["stages"]
    services.move_deal(actor=rep, deal=deal, stage=stages["Proposal"])
    # the move is written for the deal alone, on the company and on both contacts: four rows, one event
    moved = Activity.objects.filter(subject_type="deal", subject_id=deal.pk, kind="deal_moved").order_by("id")
    assert [(row.contact_id, row.company_id) for row in moved] == [
        (None, None),
        (None, setup["company"].pk),
        (setup["primary"].pk, None),
        (setup["second"].pk, None),
    ]
    # (the contact's lifecycle change the deal caused is about the deal too)
    page = deal_timeline(reader=rep, deal=deal)
    assert kinds(page) == ["deal_moved", "stage_changed", "deal_created"]
    first = deal_timeline(reader=rep, deal=deal, limit=2)
    assert kinds(first) == ["deal_moved", "stage_changed"]
    second = deal_timeline(reader=rep, deal=deal, cursor=first.next_cursor, limit=2)
    assert kinds(second) == ["deal_created"]
    assert second.next_cursor is None


def test_a_note_on_the_deal_lands_on_its_timeline_and_its_company(setup, client):
    deal, rep = setup["deal"], setup["rep"]
    client.force_login(rep)
    response = client.post(reverse("deals:deal_note", args=[deal.pk]), {"body": "Called Ben: budget in Q3 ✓"})
    assert response.status_code == 302
    note = Activity.objects.get(kind="note", subject_type="deal", subject_id=deal.pk)
    assert (note.company_id, note.contact_id, note.body) == (
        setup["company"].pk,
        None,
        "Called Ben: budget in Q3 ✓",
    )
    page = client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()
    assert "Called Ben: budget in Q3 ✓" in page
    assert 'id="timeline"' in page


def test_entries_of_a_contact_the_reader_may_not_see_are_left_out(setup):
    deal = setup["deal"]
    other_team = TeamFactory(name="South")
    hidden_owner = UserFactory(role=Role.SALES, team=other_team)
    lone = ContactFactory(first_name="Dee", email="dee@else.example", owner=hidden_owner, team=other_team)
    reader = UserFactory(role=Role.READ_ONLY, team=setup["rep"].team)
    Activity.objects.create(
        contact=lone, kind="deal_moved", occurred_at=timezone.now(), subject_type="deal", subject_id=deal.pk
    )
    assert kinds(deal_timeline(reader=setup["rep"], deal=deal)) == [
        "deal_moved",
        "stage_changed",
        "deal_created",
    ]
    assert kinds(deal_timeline(reader=reader, deal=deal)) == ["stage_changed", "deal_created"]


def test_an_email_from_the_deal_page_goes_to_the_primary_contact_and_shows_on_the_deal(setup, client):
    verified_identity()
    deal, rep, primary = setup["deal"], setup["rep"], setup["primary"]
    client.force_login(rep)
    page = client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()
    compose_url = reverse("mail:compose_about", args=["deal", deal.pk])
    assert f'href="{compose_url}"' in page
    form = client.get(compose_url).content.decode()
    assert "Email someone on the deal" in form
    assert f'<option value="{primary.pk}" selected>' in form  # primary first and chosen
    token = "6f0b6a4e-6f0c-4c43-9d4c-2b7f3a0d9e11"
    response = client.post(
        compose_url,
        {
            "to": str(setup["second"].pk),
            "identity": "",
            "subject": "Next steps, Cleo",
            "body": "Hi {{ contact.first_name }}",
            "form_token": token,
            "when": "now",
        },
    )
    assert response.status_code == 200  # no identity chosen: the form comes back
    identity = str(Identity.objects.get().pk)
    response = client.post(
        compose_url,
        {
            "to": str(setup["second"].pk),
            "identity": identity,
            "subject": "Next steps, Cleo",
            "body": "Hi {{ contact.first_name }}",
            "form_token": token,
            "when": "now",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert response["Location"] == reverse("deals:deal_detail", args=[deal.pk])
    message = Message.objects.get()
    assert (message.about_type, message.about_id, message.contact_id) == ("deal", deal.pk, setup["second"].pk)
    entry = Activity.objects.get(kind="personal_email")
    assert (entry.contact_id, entry.company_id) == (setup["second"].pk, setup["company"].pk)
    assert kinds(deal_timeline(reader=rep, deal=deal)) == ["personal_email", "stage_changed", "deal_created"]
    page = client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()
    assert "Next steps, Cleo" in page


def test_compose_about_an_unknown_kind_or_a_hidden_deal_is_refused(setup, client):
    outsider = UserFactory(role=Role.READ_ONLY, team=TeamFactory(name="Elsewhere"))
    client.force_login(outsider)
    assert client.get(reverse("mail:compose_about", args=["deal", setup["deal"].pk])).status_code == 403
    client.force_login(setup["rep"])
    assert client.get(reverse("mail:compose_about", args=["widget", 1])).status_code == 404
    assert Message.objects.count() == 0


def test_losing_a_deal_records_the_objections_met_and_the_playbook_counts_them(setup, client):
    deal, rep = setup["deal"], setup["rep"]
    price, _ = objection_with_answers(rep, "It's too expensive", "price", ["Count the hours saved."])
    timing, _ = objection_with_answers(rep, "Not this quarter", "timing", ["Start small."])
    reason = LossReason.objects.filter(active=True).first()
    client.force_login(rep)
    page = client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()
    assert f'<option value="{price.pk}">It&#x27;s too expensive</option>' in page
    # a bad id is refused, nothing moves
    client.post(
        reverse("deals:deal_close", args=[deal.pk]),
        {"outcome": "lost", "reason": reason.pk, "objections": [str(price.pk), "abc"]},
    )
    deal.refresh_from_db()
    assert deal.status == "open" and not deal.objections_met.exists()
    client.post(
        reverse("deals:deal_close", args=[deal.pk]),
        {
            "outcome": "lost",
            "reason": reason.pk,
            "objections": [str(price.pk), str(timing.pk), str(price.pk)],
        },
    )
    deal.refresh_from_db()
    assert deal.status == "lost"
    assert sorted(deal.objections_met.values_list("text", flat=True)) == [
        "It's too expensive",
        "Not this quarter",
    ]
    page = client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()
    assert "Objections met" in page
    detail = client.get(reverse("playbooks:objection_detail", args=[price.pk])).content.decode()
    assert "Met in 1 lost deal" in detail
    listing = client.get(reverse("playbooks:objection_list")).content.decode()
    assert '<span title="Lost deals that met this objection">1</span>' in listing
    # reopening clears them: they belong to the loss
    services.move_deal(actor=rep, deal=deal, stage=setup["stages"]["Lead"])
    assert not deal.objections_met.exists()
    assert (
        "Not met in any lost deal yet"
        in client.get(reverse("playbooks:objection_detail", args=[price.pk])).content.decode()
    )


def test_the_playbook_panel_embeds_the_search_with_the_deal(setup, client):
    deal, rep = setup["deal"], setup["rep"]
    _, (answer,) = objection_with_answers(rep, "It's too expensive", "price", ["Count the hours saved."])
    client.force_login(rep)
    page = client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()
    assert "What did the buyer ask?" in page
    assert f'<input type="hidden" name="deal" value="{deal.pk}">' in page
    client.post(reverse("playbooks:answer_use", args=[answer.pk]), {"helped": "yes", "deal": str(deal.pk)})
    assert list(AnswerUse.objects.values_list("deal_id", "helped")) == [(deal.pk, "yes")]
    page = client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()
    assert "Answers used on this deal" in page and "Count the hours saved." in page


def test_qualification_keeps_both_editors_text_and_refuses_a_clash(setup):
    deal, rep = setup["deal"], setup["rep"]
    colleague = UserFactory(role=Role.ADMIN)
    blank = {"budget_status": "unknown", "budget_note": "", "authority_note": "", "needs": ""}
    # both open the empty checklist; Ana writes the budget, the colleague the authority
    services.save_qualification(
        actor=rep, deal=deal, values={"budget_status": "confirmed", "budget_note": "€40k, Q3"}, seen=blank
    )
    services.save_qualification(
        actor=colleague, deal=deal, values={"authority_note": "CFO signs", "budget_note": ""}, seen=blank
    )
    row = Qualification.objects.get(deal=deal)
    assert (row.budget_status, row.budget_note, row.authority_note) == ("confirmed", "€40k, Q3", "CFO signs")
    # the colleague then changes the budget note Ana changed since they loaded it: refused, nothing written
    with pytest.raises(ValidationError) as error:
        services.save_qualification(
            actor=colleague, deal=deal, values={"budget_note": "€35k", "needs": "SSO"}, seen=blank
        )
    assert error.value.message_dict == {
        "budget_note": ["Someone else changed this to “€40k, Q3” meanwhile; your text is kept, save again."]
    }
    row.refresh_from_db()
    assert (row.budget_note, row.needs) == ("€40k, Q3", "")
    assert LogEntry.objects.filter(additional_data__event="qualification").count() == 2


def test_qualification_refuses_bad_values_and_people_who_may_not_change(setup):
    deal = setup["deal"]
    with pytest.raises(ValidationError) as error:
        services.save_qualification(
            actor=setup["rep"], deal=deal, values={"pains_status": "maybe", "goals_note": "x" * 501}, seen={}
        )
    assert error.value.message_dict == {
        "pains_status": ["Choose unknown, partly or confirmed."],
        "goals_note": ["At most 500 characters (this is 501)."],
    }
    reader = UserFactory(role=Role.READ_ONLY, team=setup["rep"].team)
    with pytest.raises(PermissionDenied):
        services.save_qualification(actor=reader, deal=deal, values={"pains_note": "x"}, seen={})
    assert Qualification.objects.count() == 0


def test_qualification_panel_edits_inline_on_the_deal_and_the_contact(setup, client):
    deal, rep, primary = setup["deal"], setup["rep"], setup["primary"]
    client.force_login(rep)
    page = client.get(reverse("deals:deal_detail", args=[deal.pk])).content.decode()
    assert "0 of 6 confirmed" in page
    url = reverse("deals:qualification", args=["deal", deal.pk])
    form = client.get(url, {"edit": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="seen_pains_note"' in form
    response = client.post(
        url,
        {
            "pains_status": "partly",
            "pains_note": "Invoices by hand <b>",
            "seen_pains_status": "unknown",
            "seen_pains_note": "",
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Invoices by hand &lt;b&gt;" in html and "<form" not in html
    # a refused save keeps what was typed
    response = client.post(url, {"goals_note": "ü" * 600, "seen_goals_note": ""}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "At most 500 characters (this is 600)." in html and "ü" * 600 in html
    contact_url = reverse("deals:qualification", args=["contact", primary.pk])
    client.post(contact_url, {"needs": "SSO and SCIM", "seen_needs": ""})
    assert Qualification.objects.get(contact=primary).needs == "SSO and SCIM"
    assert (
        "SSO and SCIM" in client.get(reverse("contacts:contact_detail", args=[primary.pk])).content.decode()
    )
    # someone who may only read gets a 403 and nothing changes
    reader = UserFactory(role=Role.READ_ONLY, team=rep.team)
    client.force_login(reader)
    assert client.post(url, {"pains_note": "changed", "seen_pains_note": ""}).status_code == 403
    assert Qualification.objects.get(deal=deal).pains_note == "Invoices by hand <b>"
    assert client.get(reverse("deals:qualification", args=["widget", 1])).status_code == 404
    assert Deal.objects.count() == 1
    assert Objection.objects.count() == 0


def test_a_deal_without_company_or_contact_shows_its_own_events_and_notes(setup, client):
    # given a deal created with no company and no contact, moved, then won
    rep, stages = setup["rep"], setup["stages"]
    lone = services.create_deal(
        actor=rep, values={"name": "Lonely", "amount": "10", "stage": stages["Lead"].pk}
    )
    services.move_deal(actor=rep, deal=lone, stage=stages["Proposal"])
    services.close_deal(actor=rep, deal=lone, outcome="won", reason="", competitor="", note="")
    client.force_login(rep)

    # when a note is written on it and its page is read
    response = client.post(
        reverse("deals:deal_note", args=[lone.pk]), {"body": "Hello"}, HTTP_HX_REQUEST="true"
    )
    page = client.get(reverse("deals:deal_detail", args=[lone.pk]))

    # then every event is one row of the deal's own (no contact, no company) and shows on its page
    assert response.status_code == 200
    rows = Activity.objects.filter(subject_type="deal", subject_id=lone.pk).order_by("id")
    assert [(row.kind, row.contact_id, row.company_id, row.actor_id) for row in rows] == [
        ("deal_created", None, None, rep.pk),
        ("deal_moved", None, None, rep.pk),
        ("deal_won", None, None, rep.pk),
        ("note", None, None, rep.pk),
    ]
    assert [row.details for row in rows] == [
        {"deal": "Lonely", "to": "Lead"},
        {"deal": "Lonely", "from": "Lead", "to": "Proposal"},
        {"deal": "Lonely", "from": "Proposal", "to": "Won"},
        {"deal": "Lonely"},
    ]
    assert kinds(deal_timeline(reader=rep, deal=lone)) == ["note", "deal_won", "deal_moved", "deal_created"]
    html = page.content.decode()
    assert html.count('<li class="timeline-item">') == 4
    assert "Deal <bdi>Lonely</bdi> created in Lead" in html
    assert "Deal <bdi>Lonely</bdi> moved Lead → Proposal" in html
    assert "Deal <bdi>Lonely</bdi> won" in html
    # and nobody's timeline elsewhere gained a row: the company's and contacts' stay as they were
    assert Activity.objects.filter(subject_id=lone.pk, subject_type="deal").exclude(contact=None).count() == 0
    assert Activity.objects.filter(subject_id=lone.pk, subject_type="deal").exclude(company=None).count() == 0


def test_a_deal_keeps_its_events_when_its_only_contact_goes_to_the_trash(setup):
    rep, stages = setup["rep"], setup["stages"]
    contact = ContactFactory(first_name="Solo", owner=rep, team=rep.team)
    deal = services.create_deal(
        actor=rep,
        values={
            "name": "Solo deal",
            "amount": "5",
            "stage": stages["Lead"].pk,
            "primary_contact": contact.pk,
        },
    )
    services.move_deal(actor=rep, deal=deal, stage=stages["Proposal"])
    contact.deleted_at = timezone.now()
    contact.save(update_fields=["deleted_at"])

    page = deal_timeline(reader=rep, deal=deal)

    # the deal's own rows stay; the contact's lifecycle change (a row on the contact alone) goes with it
    assert [(row.kind, row.contact_id) for row in page.rows] == [("deal_moved", None), ("deal_created", None)]


def test_an_activity_row_needs_a_record_or_a_subject(setup):
    from django.db import IntegrityError, transaction

    before = Activity.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(kind="note", occurred_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(kind="note", occurred_at=timezone.now(), subject_type="", subject_id=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(kind="note", occurred_at=timezone.now(), subject_type="deal")
    assert Activity.objects.count() == before
