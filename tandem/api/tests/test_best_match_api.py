"""Search in the API is ranked like the list page (issue 7): a searched list defaults to Best match (exact
name or email, then starts with, then the rest), pages through it with the same cursors, and is newest first
when asked for Best match with nothing to rank."""

import pytest

from tandem.api.tests.conftest import bearer
from tandem.contacts import services
from tandem.contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(admin):
    """Added in this order (so ids grow): a substring match, an exact first name, a prefix, another exact
    last name, an email starting with the word, a contact whose company holds the word, a non-match."""
    hanna = services.create_company(actor=admin, values={"name": "Hanna Tools"})
    for first, last, email, company in [
        ("Joanna", "Meyer", "jm@example.org", None),
        ("Ann", "Lee", "lee@example.org", None),
        ("Annabel", "Ross", "ross@example.org", None),
        ("Zoe", "Ann", "zoe@example.org", None),
        ("Bo", "Kim", "anna.kim@example.org", None),
        ("Cy", "Park", "cy@example.org", hanna),
        ("Dee", "Fox", "dee@example.org", None),
    ]:
        ContactFactory(first_name=first, last_name=last, email=email, company=company, owner=admin)


def first_names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["first_name"] for row in response.json()["results"]]


def test_a_searched_list_is_best_match_by_default_and_newest_first_when_asked(client, admin_token, people):
    ranked = client.get("/api/v1/contacts", {"q": "ann"}, **bearer(admin_token))
    newest = client.get("/api/v1/contacts", {"q": "ann", "sort": "newest"}, **bearer(admin_token))

    assert first_names(ranked) == ["Zoe", "Ann", "Bo", "Annabel", "Cy", "Joanna"]
    assert first_names(newest) == ["Cy", "Bo", "Zoe", "Annabel", "Ann", "Joanna"]


def test_a_ranked_search_pages_with_its_cursor_and_every_row_comes_once(client, admin_token, people):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"q": "ann", "limit": 2, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/contacts", params, **bearer(admin_token))
        seen += first_names(response)
        pages += 1
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break

    assert (seen, pages) == (["Zoe", "Ann", "Bo", "Annabel", "Cy", "Joanna"], 3)


def test_best_match_without_a_search_is_newest_first(client, admin_token, people):
    response = client.get("/api/v1/contacts", {"sort": "relevance"}, **bearer(admin_token))

    assert first_names(response) == ["Dee", "Cy", "Bo", "Zoe", "Annabel", "Ann", "Joanna"]


def test_a_forged_ranked_cursor_is_a_400_in_the_one_error_format(client, admin_token, people):
    first = client.get("/api/v1/contacts", {"q": "ann", "limit": 2}, **bearer(admin_token)).json()
    newest_cursor = client.get(
        "/api/v1/contacts", {"q": "ann", "limit": 2, "sort": "newest"}, **bearer(admin_token)
    ).json()["next_cursor"]

    # a newest-first cursor (a date where the group score belongs) handed to the ranked list
    response = client.get(
        "/api/v1/contacts", {"q": "ann", "limit": 2, "cursor": newest_cursor}, **bearer(admin_token)
    )

    assert first["next_cursor"] is not None
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"cursor": "This page link is no longer valid."}


def test_companies_are_ranked_too(client, admin, admin_token):
    for name in ["Hannover Re", "Ann Arbor Labs", "Ann", "Joann Fabrics"]:
        services.create_company(actor=admin, values={"name": name})

    response = client.get("/api/v1/companies", {"q": "ann"}, **bearer(admin_token))

    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == [
        "Ann",
        "Ann Arbor Labs",
        "Joann Fabrics",
        "Hannover Re",
    ]
