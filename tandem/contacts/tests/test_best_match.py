"""The "Best match" sort (issue 7: search "ranked, in the list, global search and the API"): the default
order of a searched list, exact name or email first, then names or emails starting with the word, then
every other match, the most recently added first within each group. Runs on SQLite and PostgreSQL."""

import re

import pytest

from tandem.contacts import services
from tandem.contacts.selectors import (
    RELEVANCE,
    CompanyFilters,
    ContactFilters,
    company_list,
    contact_list,
)
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, UserFactory
from tandem.core.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMIN)


@pytest.fixture
def people(admin):
    """Added in this order (so ids grow): a substring match, an exact first name, a prefix, another exact
    last name, an email starting with the word, a contact whose company holds the word, a non-match."""
    anvil = services.create_company(actor=admin, values={"name": "Hanna Tools"})
    made = [
        ContactFactory(first_name="Joanna", last_name="Meyer", email="jm@example.org"),
        ContactFactory(first_name="Ann", last_name="Lee", email="lee@example.org"),
        ContactFactory(first_name="Annabel", last_name="Ross", email="ross@example.org"),
        ContactFactory(first_name="Zoe", last_name="Ann", email="zoe@example.org"),
        ContactFactory(first_name="Bo", last_name="Kim", email="anna.kim@example.org"),
        ContactFactory(first_name="Cy", last_name="Park", email="cy@example.org", company=anvil),
        ContactFactory(first_name="Dee", last_name="Fox", email="dee@example.org"),
    ]
    return {contact.first_name: contact for contact in made}


def first_names(page) -> list[str]:
    return [contact.first_name for contact in page.rows]


def test_given_a_search_when_sorted_by_best_match_then_exact_then_starts_with_then_the_rest(admin, people):
    listed = contact_list(admin, ContactFilters(search="ann"), sort=RELEVANCE)

    assert first_names(listed.page) == ["Zoe", "Ann", "Bo", "Annabel", "Cy", "Joanna"]
    assert [contact.search_score for contact in listed.page.rows] == [2, 2, 1, 1, 0, 0]
    assert (listed.count, listed.count_is_capped) == (6, False)


def test_given_a_ranked_list_when_paged_one_by_one_forwards_and_back_then_every_row_comes_once_in_order(
    admin, people
):
    forwards, cursor = [], None
    for _ in range(10):
        page = contact_list(admin, ContactFilters(search="ann"), sort=RELEVANCE, cursor=cursor, limit=2).page
        forwards += first_names(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    backwards, cursor = [], page.previous_cursor
    while cursor:
        page = contact_list(admin, ContactFilters(search="ann"), sort=RELEVANCE, cursor=cursor, limit=2).page
        backwards = first_names(page) + backwards
        cursor = page.previous_cursor

    assert forwards == ["Zoe", "Ann", "Bo", "Annabel", "Cy", "Joanna"]
    assert backwards == ["Zoe", "Ann", "Bo", "Annabel"]


def test_given_a_whole_name_when_sorted_by_best_match_then_that_person_comes_first(admin, people):
    # Newer, and only starting with "ann": the person named exactly still comes first.
    ContactFactory(first_name="Lee", last_name="Annlee", email="other@example.org")

    listed = contact_list(admin, ContactFilters(search="Ann Lee"), sort=RELEVANCE)

    assert first_names(listed.page)[0] == "Ann"


def test_given_no_search_when_best_match_is_asked_then_the_list_is_newest_first(admin, people):
    listed = contact_list(admin, ContactFilters(), sort=RELEVANCE)

    assert first_names(listed.page) == ["Dee", "Cy", "Bo", "Zoe", "Annabel", "Ann", "Joanna"]


def test_given_a_forged_ranked_cursor_when_asked_then_the_list_says_the_link_is_no_longer_valid(
    client, admin, people
):
    from tandem.core.pagination import encode_cursor

    client.force_login(admin)
    forged = encode_cursor([7, 1])

    response = client.get("/contacts/", {"q": "ann", "cursor": forged})

    assert response.status_code == 200
    assert "This page link is no longer valid. Showing the first page." in response.content.decode()


def test_given_the_list_page_when_searched_then_best_match_is_the_default_and_offered_only_then(
    client, admin, people
):
    client.force_login(admin)

    searched = client.get("/contacts/", {"q": "ann"}).content.decode()
    plain = client.get("/contacts/").content.decode()

    assert '<option value="relevance" selected>Best match</option>' in searched
    assert re.findall(r'<td class="cell-primary"><a href="/contacts/\d+/"><bdi>([^<]*)</bdi>', searched) == [
        "Zoe Ann",
        "Ann Lee",
        "Bo Kim",
        "Annabel Ross",
        "Cy Park",
        "Joanna Meyer",
    ]
    assert 'value="relevance"' not in plain
    assert '<option value="newest" selected>Newest first</option>' in plain


def test_given_companies_when_sorted_by_best_match_then_the_name_then_its_start_then_the_rest(admin):
    for name, domain in [
        ("Swift Solar", "swift.example"),
        ("Solar", ""),
        ("Solaris", ""),
        ("Sun", "solarsun.example"),
    ]:
        CompanyFactory(name=name, domain=domain)

    listed = company_list(admin, CompanyFilters(search="solar"), sort=RELEVANCE)

    assert [company.name for company in listed.page.rows] == ["Solar", "Sun", "Solaris", "Swift Solar"]
    assert [company.search_score for company in listed.page.rows] == [2, 1, 1, 0]
