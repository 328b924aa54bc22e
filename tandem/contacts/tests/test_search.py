"""Search by any word or part of a word (issue 7): the list's search condition, its index kept in sync by
every write path, ranking in global search, hostile input. Runs on SQLite (FTS5 trigram) and PostgreSQL
(pg_trgm)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tandem.contacts import services
from tandem.contacts.models import Contact
from tandem.contacts.search import search_words
from tandem.contacts.selectors import (
    CompanyFilters,
    ContactFilters,
    filter_companies,
    filter_contacts,
    visible_contacts,
)
from tandem.contacts.services.bulk import upsert_contacts
from tandem.contacts.services.merge import merge_contacts
from tandem.contacts.services.trash import purge_trash
from tandem.contacts.tests.factories import ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMIN)


@pytest.fixture
def people(admin):
    """Ada at Swift Solar (an engineer), Ben at another company, and Chloé of Société Générale."""
    swift = services.create_company(
        actor=admin, values={"name": "Swift Solar", "domain": "swiftsolar.example"}
    )
    other = services.create_company(actor=admin, values={"name": "Northwind", "domain": "northwind.example"})
    societe = services.create_company(
        actor=admin, values={"name": "Société Générale", "domain": "sg.example"}
    )
    ada = services.create_contact(
        actor=admin,
        values={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.org",
            "phone": "+1 202 555 0147",
            "job_title": "Chief Engineer",
            "company": swift.pk,
        },
    )
    ben = services.create_contact(
        actor=admin,
        values={
            "first_name": "Ben",
            "last_name": "Okafor",
            "email": "ben@northwind.example",
            "job_title": "Buyer",
            "company": other.pk,
        },
    )
    chloe = services.create_contact(
        actor=admin,
        values={
            "first_name": "Chloé",
            "last_name": "Dupré",
            "email": "chloe@sg.example",
            "company": societe.pk,
        },
    )
    return {"ada": ada, "ben": ben, "chloe": chloe, "swift": swift, "societe": societe}


def found(user, text: str) -> list[str]:
    queryset = filter_contacts(visible_contacts(user), ContactFilters(search=text))
    return sorted(queryset.values_list("first_name", flat=True))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Swift Solar", ["Ada"]),
        ("solar", ["Ada"]),
        ("SOLAR", ["Ada"]),
        ("swift sol", ["Ada"]),
        ("ada solar", ["Ada"]),
        ("example.org", ["Ada"]),
        ("@example.org", ["Ada"]),
        ("5550", ["Ada"]),
        ("555-0147", ["Ada"]),
        ("+1 (202) 555-0147", ["Ada"]),
        ("engineer", ["Ada"]),
        ("ngine", ["Ada"]),
        ("love", ["Ada"]),
        ("okafor", ["Ben"]),
        ("northwind", ["Ben"]),
        ("Société", ["Chloé"]),
        ("societe", ["Chloé"]),
        ("SOCIETE generale", ["Chloé"]),
        ("chloe dupre", ["Chloé"]),
        ("Chloé", ["Chloé"]),
        ("ex", []),
        ("solar buyer", []),
        ("nobody", []),
    ],
)
def test_given_contacts_when_searched_by_any_part_of_a_word_then_exactly_the_matching_ones_are_found(
    admin, people, text, expected
):
    assert found(admin, text) == expected


def test_given_companies_when_searched_by_part_of_a_word_then_they_are_found(admin, people):
    def companies(text):
        queryset = filter_companies(services_visible_companies(admin), CompanyFilters(search=text))
        return sorted(queryset.values_list("name", flat=True))

    assert companies("solar") == ["Swift Solar"]
    assert companies("generale") == ["Société Générale"]
    assert companies("wind.exam") == ["Northwind"]
    assert companies("SW") == ["Swift Solar"]


def services_visible_companies(user):
    from tandem.contacts.selectors import visible_companies

    return visible_companies(user)


def test_given_an_idn_address_when_stored_then_it_is_kept_in_unicode_and_found_by_either_form(admin):
    contact = services.create_contact(
        actor=admin, values={"first_name": "Ana", "email": "ana@Bücher.example"}
    )

    contact.refresh_from_db()
    assert contact.email == "ana@bücher.example"
    assert contact.email_domain == "xn--bcher-kva.example"
    assert found(admin, "bücher") == ["Ana"]
    assert found(admin, "bucher.example") == ["Ana"]
    assert found(admin, "xn--bcher-kva.example") == ["Ana"]
    assert found(admin, "ana@xn--bcher-kva.example") == ["Ana"]
    assert found(admin, "ana@bücher.example") == ["Ana"]


def test_given_an_idn_address_when_the_punycode_form_is_added_again_then_it_is_refused(admin):
    services.create_contact(actor=admin, values={"email": "ana@bücher.example"})

    with pytest.raises(ValidationError) as error:
        services.create_contact(actor=admin, values={"email": "ana@xn--bcher-kva.example"})

    assert error.value.message_dict == {"email": ["Another contact already has this email address."]}
    assert list(Contact.objects.values_list("email", flat=True)) == ["ana@bücher.example"]


def test_given_an_idn_address_when_shown_then_the_page_shows_it_as_written(client, admin):
    contact = services.create_contact(
        actor=admin, values={"first_name": "Ana", "email": "ana@xn--bcher-kva.example"}
    )
    client.force_login(admin)

    page = client.get(reverse("contacts:contact_detail", args=[contact.pk])).content.decode()

    assert "ana@bücher.example" in page
    assert "xn--" not in page


def test_given_a_read_only_user_when_searching_then_other_teams_contacts_are_not_found():
    team, other_team = TeamFactory(name="Red"), TeamFactory(name="Blue")
    reader = UserFactory(role=Role.READ_ONLY, team=team)
    colleague = UserFactory(role=Role.SALES, team=team)
    outsider = UserFactory(role=Role.SALES, team=other_team)
    ContactFactory(owner=colleague, first_name="Sol", last_name="Visible", job_title="Solar engineer")
    ContactFactory(owner=outsider, first_name="Sol", last_name="Hidden", job_title="Solar engineer")

    assert sorted(
        filter_contacts(visible_contacts(reader), ContactFilters(search="solar")).values_list(
            "last_name", flat=True
        )
    ) == ["Visible"]


def test_given_a_contact_when_updated_trashed_restored_and_purged_then_search_follows(admin, people):
    ada = people["ada"]

    services.update_contact(actor=admin, contact=ada, values={"last_name": "Byron", "job_title": "Poet"})
    assert found(admin, "lovelace") == []
    assert found(admin, "byron") == ["Ada"]
    assert found(admin, "engineer") == []
    assert found(admin, "poet") == ["Ada"]

    services.delete_contact(actor=admin, contact=ada)
    assert found(admin, "byron") == []
    assert found(admin, "5550") == []

    services.restore_contact(actor=admin, contact=Contact.objects.get(pk=ada.pk))
    assert found(admin, "byron") == ["Ada"]

    services.delete_contact(actor=admin, contact=Contact.objects.get(pk=ada.pk))
    Contact.objects.filter(pk=ada.pk).update(deleted_at=timezone.now() - datetime.timedelta(days=400))
    purge_trash()
    assert not Contact.objects.filter(pk=ada.pk).exists()
    assert found(admin, "byron") == []


def test_given_a_company_renamed_when_searched_then_its_contacts_are_found_by_the_new_name(admin, people):
    services.update_company(
        actor=admin, company=people["swift"], values={"name": "Bright Photon", "domain": "photon.example"}
    )

    assert found(admin, "photon") == ["Ada"]
    assert found(admin, "solar") == []


def test_given_two_contacts_merged_when_searched_then_only_the_survivor_is_found(admin, people):
    other = services.create_contact(
        actor=admin, values={"first_name": "Augusta", "last_name": "Lovelace", "email": "augusta@example.net"}
    )

    merge_contacts(actor=admin, survivor=people["ada"], other=other, choices={"first_name": "other"})

    assert found(admin, "augusta") == ["Augusta"]
    assert sorted(
        filter_contacts(visible_contacts(admin), ContactFilters(search="lovelace")).values_list(
            "pk", flat=True
        )
    ) == [people["ada"].pk]
    assert found(admin, "example.net") == []


def test_given_an_import_when_it_creates_and_updates_contacts_then_search_finds_the_new_values(admin, people):
    with transaction.atomic():
        upsert_contacts(
            rows=[
                (2, {"email": "ada@example.org", "job_title": "Astronomer"}),
                (3, {"email": "grace@navy.example", "first_name": "Grace", "job_title": "Rear Admiral"}),
            ],
            key="email",
            mode="update",
            actor=admin,
        )

    assert found(admin, "astronom") == ["Ada"]
    assert found(admin, "engineer") == []
    assert found(admin, "admiral") == ["Grace"]
    assert found(admin, "navy.example") == ["Grace"]


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "'",
        '"solar',
        "solar*",
        "*",
        "NEAR(solar swift)",
        "solar NEAR swift",
        "-solar",
        "solar OR ben",
        "document:solar",
        "^solar",
        "{document}: solar",
        "\\",
        "%",
        "_",
        "a" * 200,
        "sol" * 70,
        "!!! ??? ...",
        "— – ・",
        "\x00solar",
        "so\x00lar",
        "🙂 solar",
        "' OR 1=1 --",
        'sol"ar',
    ],
)
def test_given_hostile_input_when_searched_then_every_page_answers(client, admin, people, text):
    client.force_login(admin)

    responses = [
        client.get(reverse("contacts:contact_list"), {"q": text}),
        client.get(reverse("contacts:company_list"), {"q": text}),
        client.get(reverse("insights:search"), {"q": text}),
        client.get(reverse("insights:search_suggest"), {"q": text}, HTTP_HX_REQUEST="true"),
    ]

    assert [response.status_code for response in responses] == [200, 200, 200, 200]
    # The FTS operators are characters to find, not syntax: nothing holds them.
    if text in ('"solar', "solar*", "-solar", "^solar", "\x00solar", "🙂 solar"):
        assert found(admin, text) == ["Ada"]


def test_given_only_punctuation_when_searched_then_nothing_is_found(admin, people):
    assert search_words("!!! -- ** ...") == []
    assert found(admin, "!!! -- **") == []


def test_given_a_search_when_the_list_page_is_asked_then_the_matches_are_shown(client, admin, people):
    client.force_login(admin)

    page = client.get(reverse("contacts:contact_list"), {"q": "swift solar"}).content.decode()

    assert "Lovelace" in page
    assert "Okafor" not in page


def test_given_an_idn_address_when_exported_then_the_file_holds_it_as_written(
    client, admin, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    services.create_contact(actor=admin, values={"first_name": "Ana", "email": "ana@xn--bcher-kva.example"})
    client.force_login(admin)

    response = client.post("/exports/contacts/new/", {"file_format": "csv", "columns": [], "query": ""})

    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "ana@bücher.example" in content
    assert "xn--" not in content


def test_given_an_idn_address_when_imported_in_the_other_form_then_the_contact_is_updated_not_duplicated(
    admin,
):
    existing = services.create_contact(
        actor=admin, values={"first_name": "Ana", "email": "ana@bücher.example"}
    )

    with transaction.atomic():
        upsert_contacts(
            rows=[(2, {"email": "ana@XN--BCHER-KVA.example", "job_title": "Bookseller"})],
            key="email",
            mode="update",
            actor=admin,
        )

    assert list(Contact.objects.values_list("pk", "email", "job_title")) == [
        (existing.pk, "ana@bücher.example", "Bookseller")
    ]
    assert found(admin, "bookseller") == ["Ana"]


def test_given_a_long_list_of_matches_when_a_page_is_asked_then_it_walks_the_sort_and_finds_the_same_rows(
    admin, people, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.contacts import search
    from tandem.contacts.selectors import contact_list

    expected = contact_list(admin, ContactFilters(search="example"), sort="name")
    monkeypatch.setattr(search, "MANY", 1)  # every list counts as long

    with CaptureQueriesContext(connection) as queries:
        walked = contact_list(admin, ContactFilters(search="example"), sort="name")

    assert [contact.pk for contact in walked.page.rows] == [contact.pk for contact in expected.page.rows]
    assert (walked.count, expected.count) == (3, 3)
    page_sql = next(
        query["sql"] for query in queries if "ORDER BY" in query["sql"] and "LIMIT 51" in query["sql"]
    )
    count_sql = next(query["sql"] for query in queries if "LIMIT 10001" in query["sql"])
    walks = '+"contacts_contact"."id" IN' in page_sql
    # The count is driven from the index on SQLite (it streams the list and stops at the cap).
    driven = count_sql.startswith("WITH listed(id)")
    assert (walks, driven, '+"contacts_contact"."id"' in count_sql) == (
        connection.vendor == "sqlite",
        connection.vendor == "sqlite",
        False,
    )


@pytest.mark.parametrize(
    ("cap", "expected"), [(1, (1, True)), (2, (2, True)), (3, (3, False)), (50, (3, False))]
)
def test_given_a_search_with_a_filter_when_the_list_is_counted_then_the_capped_count_is_exact(
    admin, people, monkeypatch, cap, expected
):
    """The count driven from the index (SQLite) or written for a count (PostgreSQL) counts each contact
    once (Finn is found by his own job title and by his company), applies the other filters, leaves the
    trash out, and stops at the cap."""
    from tandem.contacts import selectors
    from tandem.contacts.models import LifecycleStage

    swift = people["ada"].company
    ContactFactory(first_name="Eve", company=swift, lifecycle_stage=LifecycleStage.LEAD)
    ContactFactory(first_name="Finn", company=swift, job_title="Solar fitter", lifecycle_stage="lead")
    ContactFactory(first_name="Gus", company=swift, lifecycle_stage=LifecycleStage.CUSTOMER)
    trashed = ContactFactory(first_name="Hal", company=swift, lifecycle_stage=LifecycleStage.LEAD)
    services.delete_contact(actor=admin, contact=trashed)
    Contact.objects.filter(pk=people["ada"].pk).update(lifecycle_stage=LifecycleStage.LEAD)
    monkeypatch.setattr(selectors, "COUNT_CAP", cap)

    listed = selectors.contact_list(admin, ContactFilters(search="solar", stages=["lead"]))

    assert (listed.count, listed.count_is_capped) == expected
    assert sorted(
        filter_contacts(visible_contacts(admin), ContactFilters(search="solar", stages=["lead"])).values_list(
            "first_name", flat=True
        )
    ) == ["Ada", "Eve", "Finn"]
