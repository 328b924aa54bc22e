"""An export writes its rows in the order of the list it was started from (the list's sort, newest first by
default), read in keyset chunks over that sort key as the list's pages are, never by OFFSET."""

import datetime

import pytest

from tandem.contacts.models import Contact
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, UserFactory
from tandem.core.models import Role
from tandem.exports import selectors
from tandem.exports.tests.test_exports import (
    COMPANY_URL,
    downloaded,
    ids_in,
    post_export,
    read_csv,
    run_background,
    streamed,
)

pytestmark = pytest.mark.django_db

WHEN = datetime.datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def export_files(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def people():
    """Contacts created in an order that is neither their name order nor their creation time order, with
    ties on the last name and on the creation time (so a chunk boundary falls inside a tie)."""
    names = [
        ("Zed", "Young"),
        ("Ann", "Lee"),
        ("Bea", "Adams"),
        ("Cid", "Lee"),
        ("Dot", "Moss"),
        ("Eve", "Lee"),
    ]
    moments = [WHEN, WHEN - datetime.timedelta(days=2), WHEN, WHEN + datetime.timedelta(days=1), WHEN, WHEN]
    return [
        ContactFactory(first_name=first, last_name=last, created_at=moment)
        for (first, last), moment in zip(names, moments, strict=True)
    ]


def names(rows: list[list[str]]) -> list[str]:
    header = rows[0]
    first, last = header.index("First name"), header.index("Last name")
    return [f"{row[first]} {row[last]}" for row in rows[1:]]


def test_an_export_of_the_list_sorted_by_name_comes_in_name_order(client, people):
    client.force_login(UserFactory(role=Role.ADMIN))
    # the export page opened from the list sorted by name keeps the sort with the filter
    page = client.get("/exports/contacts/new/?sort=name&cursor=abc")
    assert page.context["form"].initial["query"] == "sort=name"

    rows = read_csv(streamed(post_export(client, query="sort=name")))

    assert names(rows) == ["Bea Adams", "Ann Lee", "Cid Lee", "Eve Lee", "Dot Moss", "Zed Young"]


@pytest.mark.parametrize(
    ("query", "order"),
    [
        ("sort=name", ["Bea Adams", "Ann Lee", "Cid Lee", "Eve Lee", "Dot Moss", "Zed Young"]),
        ("", ["Cid Lee", "Eve Lee", "Dot Moss", "Bea Adams", "Zed Young", "Ann Lee"]),
        ("sort=oldest", ["Ann Lee", "Zed Young", "Bea Adams", "Dot Moss", "Eve Lee", "Cid Lee"]),
    ],
)
def test_a_background_export_walks_the_lists_sort_in_chunks(
    client, django_capture_on_commit_callbacks, monkeypatch, people, query, order
):
    # chunks of 2 and straight to the background, so chunk boundaries fall inside ties
    monkeypatch.setattr(selectors, "DIRECT_DOWNLOAD_LIMIT", 1)
    monkeypatch.setattr(selectors.export_chunks, "__defaults__", (2,))
    client.force_login(UserFactory(role=Role.ADMIN))

    job = run_background(client, django_capture_on_commit_callbacks, query=query)

    job.refresh_from_db()
    assert (job.status, job.row_count) == ("finished", 6)
    assert names(read_csv(downloaded(client.get(f"/exports/{job.pk}/download/")))) == order
    # the same order as the list page shows
    listed = client.get("/contacts/", dict([query.split("=")]) if query else {})
    shown = [contact.pk for contact in listed.context["page"].rows]
    assert shown == list(
        Contact.objects.filter(pk__in=[person.pk for person in people])
        .order_by(*selectors.SORTS["contact"][query.split("=")[1] if query else "newest"][1].order_by())
        .values_list("pk", flat=True)
    )


def test_companies_export_in_the_lists_sort(client):
    client.force_login(UserFactory(role=Role.ADMIN))
    made = [CompanyFactory(name=name) for name in ("Umbra", "Acme", "Beta")]

    by_name = ids_in(read_csv(streamed(post_export(client, COMPANY_URL, query="sort=name"))))
    newest = ids_in(read_csv(streamed(post_export(client, COMPANY_URL))))

    assert by_name == [made[1].pk, made[2].pk, made[0].pk]
    assert newest == [made[2].pk, made[1].pk, made[0].pk]
