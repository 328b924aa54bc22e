"""The playbooks' pages: who sees what, forms that keep bad input with a message, the search page and its
htmx partial (what the deal page embeds), and "I used this"."""

import pytest
from django.urls import reverse

from tandem.core.models import Role
from tandem.sales.deals.tests.factories import DealFactory, make_pipeline
from tandem.sales.playbooks.models import Answer, AnswerUse, BattleCard, Objection
from tandem.sales.playbooks.tests.factories import make_user, objection_with_answers


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def rep(db):
    return make_user("rep@example.com", Role.SALES)


@pytest.fixture
def price(rep):
    return objection_with_answers(
        rep,
        "It's too expensive",
        "price",
        ["Count the hours saved.", "Try the monthly plan."],
        tags=["budget"],
    )


@pytest.mark.django_db
def test_every_page_opens_for_a_rep(client, rep, price):
    objection, (answer, _) = price
    card = BattleCard.objects.create(competitor="Acme", how_we_win="Support")
    card.objections.add(objection)
    client.force_login(rep)
    for url in (
        reverse("playbooks:objection_list"),
        reverse("playbooks:objection_list") + "?category=price&q=expensive",
        reverse("playbooks:objection_list") + "?category=nonsense",
        reverse("playbooks:objection_create"),
        reverse("playbooks:objection_detail", args=[objection.pk]),
        reverse("playbooks:objection_edit", args=[objection.pk]),
        reverse("playbooks:answer_edit", args=[answer.pk]),
        reverse("playbooks:search"),
        reverse("playbooks:search") + "?q=" + "x" * 5000,
        reverse("playbooks:battle_card_list"),
        reverse("playbooks:battle_card_create"),
        reverse("playbooks:battle_card_detail", args=[card.pk]),
        reverse("playbooks:battle_card_edit", args=[card.pk]),
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_the_sidebar_has_the_sales_section(client, rep):
    client.force_login(rep)
    page = text(client.get(reverse("playbooks:objection_list")))
    assert ">Sales<" in page and 'href="/sales/playbooks/battle-cards/"' in page


@pytest.mark.django_db
def test_the_search_page_ranks_and_highlights(client, rep, price):
    client.force_login(rep)
    page = text(client.get(reverse("playbooks:search"), {"q": "expensive"}))
    assert "It&#x27;s too <mark>expensive</mark>" in page
    assert page.index("Count the hours saved.") < page.index("Try the monthly plan.")
    assert "No answer matches" in text(client.get(reverse("playbooks:search"), {"q": "zebra"}))


@pytest.mark.django_db
def test_the_partial_carries_the_deal_into_each_use(client, rep, price):
    _, (answer, _) = price
    _, stages = make_pipeline()
    deal = DealFactory(stage=stages["Lead"], owner=rep)
    client.force_login(rep)
    partial = text(client.get(reverse("playbooks:search_results"), {"q": "budget", "deal": str(deal.pk)}))
    assert "<html" not in partial
    assert f'<input type="hidden" name="deal" value="{deal.pk}">' in partial
    response = client.post(
        reverse("playbooks:answer_use", args=[answer.pk]),
        {"helped": "yes", "deal": str(deal.pk)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Used 1 time, helped 1" in text(response)
    assert list(AnswerUse.objects.values_list("answer_id", "user_id", "deal_id", "helped")) == [
        (answer.pk, rep.pk, deal.pk, "yes")
    ]


@pytest.mark.django_db
def test_a_bad_verdict_is_refused_with_a_message(client, rep, price):
    _, (answer, _) = price
    client.force_login(rep)
    response = client.post(
        reverse("playbooks:answer_use", args=[answer.pk]), {"helped": "maybe"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400 and "Choose whether the answer helped." in text(response)
    assert AnswerUse.objects.count() == 0


@pytest.mark.django_db
def test_a_rep_creates_an_objection_and_adds_an_answer(client, rep):
    client.force_login(rep)
    response = client.post(
        reverse("playbooks:objection_create"),
        {"text": "We have no time", "category": "timing", "tags": "busy"},
    )
    objection = Objection.objects.get()
    assert response.url == reverse("playbooks:objection_detail", args=[objection.pk])
    response = client.post(
        response.url,
        {"text": "Setup takes an hour.", "proof_points": "", "resources": "https://example.com/guide"},
    )
    assert list(Answer.objects.values_list("text", "resources")) == [
        ("Setup takes an hour.", ["https://example.com/guide"])
    ]
    response = client.post(
        reverse("playbooks:objection_detail", args=[objection.pk]), {"text": "x", "resources": "ftp://nope"}
    )
    assert response.status_code == 200
    assert "is not a web address starting with https:// or http://." in text(response)
    assert Answer.objects.count() == 1


@pytest.mark.django_db
def test_a_read_only_user_reads_but_cannot_create(client, rep, price):
    objection, (answer, _) = price
    reader = make_user("reader@example.com", Role.READ_ONLY)
    client.force_login(reader)
    detail = text(client.get(reverse("playbooks:objection_detail", args=[objection.pk])))
    assert (
        "Count the hours saved." in detail and "Add an answer" not in detail and "I used this" not in detail
    )
    assert client.get(reverse("playbooks:objection_create")).status_code == 403
    assert (
        client.post(reverse("playbooks:objection_create"), {"text": "X", "category": "other"}).status_code
        == 403
    )
    assert (
        client.post(reverse("playbooks:objection_detail", args=[objection.pk]), {"text": "X"}).status_code
        == 403
    )
    assert client.post(reverse("playbooks:battle_card_create"), {"competitor": "Acme"}).status_code == 403
    assert client.post(reverse("playbooks:answer_delete", args=[answer.pk])).status_code == 403
    assert (
        client.post(reverse("playbooks:answer_use", args=[answer.pk]), {"helped": "yes"}).status_code == 403
    )
    assert Objection.objects.count() == 1 and Answer.objects.count() == 2
    assert BattleCard.objects.count() == 0 and AnswerUse.objects.count() == 0


@pytest.mark.django_db
def test_unknown_records_are_404(client, rep):
    client.force_login(rep)
    assert client.get(reverse("playbooks:objection_detail", args=[999])).status_code == 404
    assert client.get(reverse("playbooks:battle_card_detail", args=[999])).status_code == 404
    assert client.post(reverse("playbooks:answer_use", args=[999]), {"helped": "yes"}).status_code == 404


@pytest.mark.django_db
def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("playbooks:search"))
    assert response.status_code == 302 and "/accounts/login/" in response.url
