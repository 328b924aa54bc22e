"""Global search: suggestions and the full page show only what the user may see, by name, with a limit."""

import pytest
from django.urls import reverse

from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Role
from tandem.insights import selectors


@pytest.mark.django_db
def test_search_finds_contacts_and_companies_the_user_may_see_up_to_the_limit():
    given_team, other_team = TeamFactory(name="Red"), TeamFactory(name="Blue")
    given_reader = UserFactory(role=Role.READ_ONLY, team=given_team)
    colleague = UserFactory(role=Role.SALES, team=given_team)
    outsider = UserFactory(role=Role.SALES, team=other_team)
    for number in range(7):
        ContactFactory(owner=colleague, first_name="Anna", last_name=f"Z{number}")
    ContactFactory(owner=outsider, first_name="Anna", last_name="Hidden")
    ContactFactory(owner=colleague, first_name="Anna", last_name="Trashed", deleted_at="2026-01-01T00:00Z")
    CompanyFactory(owner=colleague, name="Annapurna Tea")
    CompanyFactory(owner=outsider, name="Annals Ltd")

    results = selectors.search(given_reader, "  anna ", limit=5)

    assert results.query == "anna"
    assert [contact.last_name for contact in results.contacts] == ["Z0", "Z1", "Z2", "Z3", "Z4"]
    assert results.more_contacts is True
    assert [company.name for company in results.companies] == ["Annapurna Tea"]
    assert results.more_companies is False


@pytest.mark.django_db
def test_empty_search_returns_nothing_without_querying(django_assert_num_queries):
    given_user = UserFactory(role=Role.ADMIN)

    with django_assert_num_queries(0):
        results = selectors.search(given_user, "   ")

    assert results.is_empty


@pytest.mark.django_db
def test_suggest_partial_lists_matches_and_links_to_the_full_page(client):
    given_user = UserFactory(role=Role.ADMIN)
    ContactFactory(first_name="Grace", last_name="Hopper", email="grace@navy.example")
    CompanyFactory(name="Graceland Records", domain="graceland.example")
    client.force_login(given_user)

    response = client.get(reverse("insights:search_suggest"), {"q": "grace"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page
    assert [c.email for c in response.context["results"].contacts] == ["grace@navy.example"]
    assert [c.name for c in response.context["results"].companies] == ["Graceland Records"]
    assert "Grace Hopper" in page and "Graceland Records" in page
    assert f"{reverse('insights:search')}?q=grace" in page


@pytest.mark.django_db
def test_search_page_shows_results_and_an_empty_state(client):
    client.force_login(UserFactory(role=Role.ADMIN))
    ContactFactory(first_name="Linus", last_name="Pauling")

    found = client.get(reverse("insights:search"), {"q": "pauling"})
    missing = client.get(reverse("insights:search"), {"q": "nobody-here"})

    assert [c.last_name for c in found.context["results"].contacts] == ["Pauling"]
    assert "Linus Pauling" in found.content.decode()
    assert "No matches" in missing.content.decode()


@pytest.mark.django_db
def test_search_escapes_what_it_shows(client):
    client.force_login(UserFactory(role=Role.ADMIN))
    ContactFactory(first_name="<script>x</script>", last_name="Evil")

    page = client.get(reverse("insights:search"), {"q": "<script>"}).content.decode()

    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


@pytest.mark.django_db
def test_given_an_exact_name_and_a_job_title_match_when_searched_then_the_name_comes_first():
    given_user = UserFactory(role=Role.ADMIN)
    ContactFactory(first_name="Alex", last_name="Aaron", job_title="Designer")
    ContactFactory(first_name="Paula", last_name="Designer")
    ContactFactory(first_name="Dora", last_name="Designerova")

    results = selectors.search(given_user, "designer", limit=5)

    assert [(contact.first_name, contact.last_name) for contact in results.contacts] == [
        ("Paula", "Designer"),
        ("Dora", "Designerova"),
        ("Alex", "Aaron"),
    ]


@pytest.mark.django_db
def test_given_part_of_a_company_name_when_searched_then_companies_and_their_people_are_found_best_first():
    given_user = UserFactory(role=Role.ADMIN)
    swift = CompanyFactory(name="Swift Solar", domain="swiftsolar.example")
    CompanyFactory(name="Solar", domain="solar.example")
    ContactFactory(first_name="Ada", last_name="Lovelace", company=swift)

    results = selectors.search(given_user, "solar")

    assert [contact.first_name for contact in results.contacts] == ["Ada"]
    assert [company.name for company in results.companies] == ["Solar", "Swift Solar"]


@pytest.mark.django_db
def test_given_a_read_only_user_when_searching_globally_then_other_teams_contacts_are_not_found():
    given_team, other_team = TeamFactory(name="Red"), TeamFactory(name="Blue")
    given_reader = UserFactory(role=Role.READ_ONLY, team=given_team)
    colleague = UserFactory(role=Role.SALES, team=given_team)
    outsider = UserFactory(role=Role.SALES, team=other_team)
    ContactFactory(owner=colleague, first_name="Sol", last_name="Visible", job_title="Solar engineer")
    ContactFactory(owner=outsider, first_name="Sol", last_name="Hidden", job_title="Solar engineer")

    results = selectors.search(given_reader, "solar engineer")

    assert [contact.last_name for contact in results.contacts] == ["Visible"]
