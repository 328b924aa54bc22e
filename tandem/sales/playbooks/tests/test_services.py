"""The playbooks' writes: cleaning with one sentence per field, order of answers, audit rows, access refusals
that change nothing."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError

from tandem.core.models import Role
from tandem.sales.deals.tests.factories import DealFactory, make_pipeline
from tandem.sales.playbooks import services
from tandem.sales.playbooks.models import Answer, AnswerUse, BattleCard, Objection
from tandem.sales.playbooks.tests.factories import make_user, objection_with_answers


@pytest.fixture
def rep(db):
    return make_user("rep@example.com", Role.SALES)


@pytest.mark.django_db
def test_an_objection_is_cleaned_and_audited(rep):
    objection = services.create_objection(
        actor=rep,
        values={"text": "  Too expensive\x07 ", "category": "price", "tags": "Budget, ROI , budget"},
    )
    assert (objection.text, objection.category, objection.tags) == (
        "Too expensive",
        "price",
        ["budget", "roi"],
    )
    (entry,) = LogEntry.objects.filter(object_id=objection.pk, content_type__model="objection")
    assert (entry.actor, entry.additional_data) == (rep, {"event": "objection_created"})


@pytest.mark.django_db
def test_bad_input_gets_one_sentence_per_field(rep):
    with pytest.raises(ValidationError) as error:
        services.create_objection(actor=rep, values={"text": " ", "category": "weather", "tags": "x" * 31})
    assert error.value.message_dict == {
        "text": ["Write the objection."],
        "category": ["Choose one of the categories offered."],
        "tags": [f"A tag can be at most 30 characters: “{'x' * 30}…”."],
    }
    objection = services.create_objection(actor=rep, values={"text": "Too slow", "category": "feature"})
    with pytest.raises(ValidationError) as error:
        services.add_answer(
            actor=rep, objection=objection, values={"text": "Fast now", "resources": "javascript:alert(1)"}
        )
    assert error.value.message_dict == {
        "resources": ["“javascript:alert(1)” is not a web address starting with https:// or http://."]
    }
    assert Objection.objects.count() == 1 and Answer.objects.count() == 0


@pytest.mark.django_db
def test_answers_keep_their_order_and_move(rep):
    objection, (first, second, third) = objection_with_answers(
        rep, "Too slow", "feature", ["one", "two", "three"]
    )
    assert [a.position for a in (first, second, third)] == [0, 1, 2]
    services.move_answer(actor=rep, answer=third, direction="up")
    assert list(objection.answers.order_by("position").values_list("text", flat=True)) == [
        "one",
        "three",
        "two",
    ]
    services.move_answer(actor=rep, answer=first, direction="up")  # already first: nothing changes
    assert list(objection.answers.order_by("position").values_list("text", flat=True)) == [
        "one",
        "three",
        "two",
    ]
    with pytest.raises(ValidationError):
        services.move_answer(actor=rep, answer=first, direction="sideways")


@pytest.mark.django_db
def test_a_read_only_user_cannot_write_and_nothing_is_written(rep):
    reader = make_user("reader@example.com", Role.READ_ONLY)
    objection, (answer,) = objection_with_answers(rep, "Too slow", "feature", ["Fast now"])
    before = LogEntry.objects.count()
    with pytest.raises(PermissionDenied):
        services.create_objection(actor=reader, values={"text": "Nope", "category": "other"})
    with pytest.raises(PermissionDenied):
        services.add_answer(actor=reader, objection=objection, values={"text": "Nope"})
    with pytest.raises(PermissionDenied):
        services.update_answer(actor=reader, answer=answer, values={"text": "Changed"})
    with pytest.raises(PermissionDenied):
        services.create_battle_card(actor=reader, values={"competitor": "Acme"})
    with pytest.raises(PermissionDenied):
        services.record_answer_use(actor=reader, answer=answer, helped="yes")
    assert Objection.objects.count() == 1
    assert list(Answer.objects.values_list("text", flat=True)) == ["Fast now"]
    assert BattleCard.objects.count() == 0 and AnswerUse.objects.count() == 0
    assert LogEntry.objects.count() == before


@pytest.mark.django_db
def test_marketing_reads_and_marks_answers_used_but_does_not_write_playbooks(rep):
    marketer = make_user("marketing@example.com", Role.MARKETING)
    _, (answer,) = objection_with_answers(rep, "Too slow", "feature", ["Fast now"])
    use = services.record_answer_use(actor=marketer, answer=answer, helped="no")
    assert (use.user, use.helped, use.deal_id) == (marketer, "no", None)
    with pytest.raises(PermissionDenied):
        services.update_answer(actor=marketer, answer=answer, values={"text": "Changed"})


@pytest.mark.django_db
def test_an_answer_use_is_recorded_with_its_deal_and_audited(rep):
    _, (answer,) = objection_with_answers(rep, "Too slow", "feature", ["Fast now"])
    _, stages = make_pipeline()
    deal = DealFactory(stage=stages["Lead"], owner=rep)
    use = services.record_answer_use(actor=rep, answer=answer, helped="yes", deal_id=deal.pk)
    assert (use.answer, use.user, use.deal, use.helped) == (answer, rep, deal, "yes")
    entry = LogEntry.objects.get(object_id=use.pk, content_type__model="answeruse")
    assert entry.additional_data["event"] == "answer_used"
    with pytest.raises(ValidationError) as error:
        services.record_answer_use(actor=rep, answer=answer, helped="maybe")
    assert error.value.message_dict == {"helped": ["Say whether the answer helped: yes, no or not sure yet."]}
    assert AnswerUse.objects.count() == 1
    # A deal that does not exist, or one in the trash, is refused and nothing is written.
    for missing in (deal.pk + 1000, -3):
        with pytest.raises(ValidationError) as error:
            services.record_answer_use(actor=rep, answer=answer, helped="yes", deal_id=missing)
        assert error.value.message_dict == {"deal_id": ["That deal does not exist, or you cannot see it."]}
    assert AnswerUse.objects.count() == 1
    # The use outlives its deal (SET_NULL).
    deal.delete()
    use.refresh_from_db()
    assert use.deal_id is None


@pytest.mark.django_db
def test_a_battle_card_links_objections_and_refuses_a_second_card_for_a_competitor(rep):
    objection, _ = objection_with_answers(rep, "We use Acme", "competitor", ["Switch in a day"])
    card = services.create_battle_card(
        actor=rep,
        values={"competitor": "Acme", "how_we_win": "Price and support", "objection_ids": [objection.pk]},
    )
    assert list(card.objections.all()) == [objection]
    with pytest.raises(ValidationError) as error:
        services.create_battle_card(actor=rep, values={"competitor": "ACME"})
    assert error.value.message_dict == {"competitor": ["There is already a battle card for ACME."]}
    with pytest.raises(ValidationError) as error:
        services.update_battle_card(
            actor=rep, card=card, values={"competitor": "Acme", "objection_ids": [999]}
        )
    assert error.value.message_dict == {
        "objection_ids": ["One of the objections chosen no longer exists. Choose again."]
    }
    assert list(BattleCard.objects.get().objections.all()) == [objection]
