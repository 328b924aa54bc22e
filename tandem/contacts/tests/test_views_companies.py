"""The company pages through Django's test client."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.contacts import services
from tandem.contacts.models import Activity, Company, PropertyType
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, PropertyDefinitionFactory
from tandem.core.models import Role, Team, User
from tandem.core.records import columns as record_columns

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"
LIST_URL = "/companies/"


@pytest.fixture
def team():
    return Team.objects.create(name="North")


@pytest.fixture
def admin(team):
    return User.objects.create_user("admin@example.com", "pw", role=Role.ADMIN, team=team)


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def names_in(response) -> list[str]:
    return re.findall(
        r'<td class="cell-primary"><a href="/companies/\d+/"><bdi>([^<]*)</bdi></a>',
        response.content.decode(),
    )


def test_list_searches_filters_and_sorts(admin_client, admin):
    CompanyFactory(name="Tools Zeta", domain="zeta.example", industry="Software", country="DE", owner=admin)
    CompanyFactory(name="Tools Alpha", domain="alpha.example", industry="software", country="DE", owner=admin)
    CompanyFactory(name="Tools Beta", domain="beta.example", industry="Retail", country="DE", owner=admin)
    CompanyFactory(name="Gamma", domain="tools.example", industry="Software", country="FR", owner=admin)

    response = admin_client.get(
        LIST_URL, {"q": "tools", "industry": "Software", "country": "DE", "sort": "name"}
    )

    assert response.status_code == 200
    assert names_in(response) == ["Tools Alpha", "Tools Zeta"]
    assert "2 companies" in response.content.decode()


def test_list_filters_by_custom_property(admin_client):
    PropertyDefinitionFactory(
        object_type="company", name="partner", label="Partner", value_type=PropertyType.BOOLEAN
    )
    CompanyFactory(name="Yes Co", properties={"partner": True})
    CompanyFactory(name="No Co", properties={"partner": False})
    CompanyFactory(name="Unknown Co", properties={})

    response = admin_client.get(LIST_URL, {"property": "partner", "property_value": "yes"})

    assert names_in(response) == ["Yes Co"]


def test_keyset_next_and_previous(admin_client):
    for number in range(53):
        CompanyFactory(name=f"Co {number:02}")

    first = admin_client.get(LIST_URL, {"sort": "name"})
    second = admin_client.get(LIST_URL, {"sort": "name", "cursor": first.context["page"].next_cursor})
    back = admin_client.get(LIST_URL, {"sort": "name", "cursor": second.context["page"].previous_cursor})

    assert names_in(first) == [f"Co {number:02}" for number in range(50)]
    assert names_in(second) == ["Co 50", "Co 51", "Co 52"]
    assert names_in(back) == names_in(first)


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL)
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_rows(admin_client, admin):
    PropertyDefinitionFactory(object_type="company", name="tier", label="Tier", value_type=PropertyType.TEXT)
    session = admin_client.session
    session[record_columns.session_key("company")] = ["domain", "owner", "team", "country", "property:tier"]
    session.save()
    for _ in range(5):
        CompanyFactory(owner=admin, country="DE", properties={"tier": "gold"})
    admin_client.get(LIST_URL)
    with_five = _list_queries(admin_client)

    for _ in range(55):
        CompanyFactory(owner=admin, country="DE", properties={"tier": "gold"})
    with_sixty = _list_queries(admin_client)

    assert with_five == with_sixty


def test_create_with_bad_domain_and_phone_keeps_input(admin_client):
    response = admin_client.post(
        reverse("contacts:company_create"),
        {"name": "Acme", "domain": "nodot", "phone": "12", "industry": "Tools"},
    )

    content = response.content.decode()
    assert Company.objects.count() == 0
    assert "“nodot” is not a domain name (e.g. example.com)." in content
    assert 'id="id_domain_error"' in content
    assert 'id="id_phone_error"' in content
    assert 'value="Tools"' in content


def test_create_and_edit_with_mass_assignment_ignored(admin_client, admin):
    other = Team.objects.create(name="South")

    created = admin_client.post(
        reverse("contacts:company_create"),
        {
            "name": "Acme",
            "domain": "https://www.Acme.example/about",
            "owner": str(admin.pk),
            "team": str(other.pk),
        },
    )
    company = Company.objects.get()
    edited = admin_client.post(
        reverse("contacts:company_edit", args=[company.pk]),
        {"name": "Acme Inc", "domain": "acme.example", "owner": str(admin.pk), "team": str(other.pk)},
    )

    company.refresh_from_db()
    assert created["Location"] == f"/companies/{company.pk}/"
    assert edited["Location"] == f"/companies/{company.pk}/"
    assert (company.name, company.domain, company.team_id) == ("Acme Inc", "acme.example", admin.team_id)


def test_detail_shows_contacts_link_and_timeline_with_contact_notes(admin_client, admin):
    company = services.create_company(actor=admin, values={"name": f"{XSS} Corp", "domain": "corp.example"})
    person = services.create_contact(
        actor=admin, values={"first_name": "Ann", "last_name": "Lee", "company": company.pk}
    )
    services.add_note(actor=admin, body="Renewal in May", contact=person)

    response = admin_client.get(reverse("contacts:company_detail", args=[company.pk]))

    content = response.content.decode()
    assert XSS not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Corp" in content
    assert f'href="/contacts/?company={company.pk}"' in content
    assert f'<a href="/contacts/{person.pk}/"><bdi>Ann Lee</bdi></a>' in content
    assert "Renewal in May" in content
    assert [entry.contact_name for entry in response.context["timeline_entries"]] == [
        "Ann Lee",
        "Ann Lee",
        "",
    ]


def test_contacts_list_filtered_by_company_names_it(admin_client, admin):
    company = CompanyFactory(name="Acme")
    ContactFactory(first_name="In", last_name="Acme", company=company)
    ContactFactory(first_name="Not", last_name="Here")

    response = admin_client.get("/contacts/", {"company": str(company.pk)})

    content = response.content.decode()
    assert re.findall(
        r'<td class="cell-primary"><a href="/contacts/\d+/"><bdi>([^<]*)</bdi></a>', content
    ) == ["In Acme"]
    assert "Company: Acme" in content


def test_company_note_via_htmx(admin_client, admin):
    company = services.create_company(actor=admin, values={"name": "Noted"})

    response = admin_client.post(
        reverse("contacts:company_note", args=[company.pk]),
        {"body": "Met at the fair"},
        HTTP_HX_REQUEST="true",
    )

    assert "Met at the fair" in response.content.decode()
    assert Activity.objects.filter(company=company, kind="note").count() == 1


def test_bulk_by_user_without_permission_changes_nothing(client, admin):
    # Service may change companies of its own team only, and delete none.
    elsewhere = Team.objects.create(name="Elsewhere")
    service_user = User.objects.create_user("help@example.com", "pw", role=Role.SERVICE, team=elsewhere)
    companies = [CompanyFactory(owner=admin) for _ in range(2)]
    client.force_login(service_user)

    client.post(
        reverse("contacts:company_bulk"),
        {"ids": [str(company.pk) for company in companies], "action": "delete"},
    )
    client.post(
        reverse("contacts:company_bulk"),
        {
            "ids": [str(company.pk) for company in companies],
            "action": "assign_owner",
            "owner": str(service_user.pk),
        },
    )

    assert list(Company.objects.values_list("deleted_at", "owner_id")) == [(None, admin.pk), (None, admin.pk)]


def test_bulk_assign_owner(admin_client, admin, team):
    seller = User.objects.create_user("seller@example.com", "pw", role=Role.SALES, team=team)
    companies = [CompanyFactory(owner=admin) for _ in range(2)]

    response = admin_client.post(
        reverse("contacts:company_bulk"),
        {
            "ids": [str(company.pk) for company in companies],
            "action": "assign_owner",
            "owner": str(seller.pk),
        },
        follow=True,
    )

    assert list(Company.objects.values_list("owner_id", flat=True)) == [seller.pk, seller.pk]
    assert "Updated 2 companies." in response.content.decode()


def test_read_only_user_cannot_edit_or_delete(client, admin, team):
    reader = User.objects.create_user("reader@example.com", "pw", role=Role.READ_ONLY, team=team)
    company = services.create_company(actor=admin, values={"name": "Steady"})
    client.force_login(reader)

    edit = client.post(reverse("contacts:company_edit", args=[company.pk]), {"name": "Changed"})
    delete = client.post(reverse("contacts:company_delete", args=[company.pk]))

    company.refresh_from_db()
    assert (edit.status_code, delete.status_code) == (403, 403)
    assert (company.name, company.deleted_at) == ("Steady", None)


def test_delete_and_restore(admin_client, admin):
    company = services.create_company(actor=admin, values={"name": "Phoenix", "domain": "phoenix.example"})

    admin_client.post(reverse("contacts:company_delete", args=[company.pk]))
    trash = admin_client.get(reverse("contacts:company_trash"))
    restored = admin_client.post(reverse("contacts:company_restore", args=[company.pk]))

    company.refresh_from_db()
    assert "Phoenix" in trash.content.decode()
    assert restored["Location"] == f"/companies/{company.pk}/"
    assert company.deleted_at is None
