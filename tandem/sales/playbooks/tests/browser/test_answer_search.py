"""Answer search in a real browser, at 1280 and 390 px: a rep types what the buyer said, sees the matched words
marked, marks an answer used (htmx swaps in the new count), and the page never scrolls sideways."""

import re

import pytest
from playwright.sync_api import expect

from tandem.core.models import Role
from tandem.sales.playbooks.models import AnswerUse
from tandem.sales.playbooks.tests.factories import PASSWORD, make_user, objection_with_answers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_a_rep_finds_an_answer_and_marks_it_helpful(live_server, page, screenshot, width):
    # Given a rep and a price objection with two answers
    page.set_viewport_size({"width": width, "height": 900})
    rep = make_user("rep@example.com", Role.SALES)
    _, (first, _) = objection_with_answers(
        rep, "It's too expensive for us", "price", ["Count the hours you save.", "Start on the monthly plan."]
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(rep.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))

    # When they search for what the buyer said
    page.goto(f"{live_server.url}/sales/playbooks/search/")
    page.get_by_label("The buyer's question or objection").fill("that's way too expensive")
    page.get_by_role("button", name="Find answers").click()

    # Then both answers show, in order, with the matched word marked
    results = page.locator(".answer-result")
    expect(results).to_have_count(2)
    expect(results.first).to_contain_text("Count the hours you save.")
    expect(results.first.locator("mark")).to_have_text("expensive")
    screenshot(f"playbooks-search-{width}")

    # And when they mark the first one as helpful, its line updates in place
    results.first.get_by_label("Did this answer help?").select_option("yes")
    results.first.get_by_role("button", name="I used this answer").click()
    expect(results.first.locator(".answer-use-count")).to_have_text("Used 1 time, helped 1")
    expect(results.first.get_by_role("status")).to_have_text("Recorded. Thanks!")
    assert list(AnswerUse.objects.values_list("answer_id", "helped")) == [(first.pk, "yes")]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
