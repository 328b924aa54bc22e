"""The contact pages through Django's test client: list, filters, paging, forms, bulk, notes, access."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tandem.contacts import services
from tandem.contacts.models import (
    Activity,
    ActivityKind,
    Contact,
    LifecycleStage,
    PropertyDefinition,
    PropertyType,
)
from tandem.contacts.records import CONTACT
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, PropertyDefinitionFactory
from tandem.core.models import Role, Team, User
from tandem.core.records import columns as record_columns

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"
LIST_URL = "/contacts/"


@pytest.fixture
def team():
    return Team.objects.create(name="North")


@pytest.fixture
def other_team():
    return Team.objects.create(name="South")


@pytest.fixture
def admin(team):
    return User.objects.create_user("admin@example.com", "pw", role=Role.ADMIN, team=team, first_name="Ada")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def names_in(response) -> list[str]:
    """The contact names in the list's name column, in page order."""
    return re.findall(
        r'<td class="cell-primary"><a href="/contacts/\d+/"><bdi>([^<]*)</bdi></a>', response.content.decode()
    )


def test_urls_have_the_names_the_shell_links_to():
    assert reverse("contacts:contact_list") == "/contacts/"
    assert reverse("contacts:contact_create") == "/contacts/new/"
    assert reverse("contacts:contact_detail", args=[7]) == "/contacts/7/"
    assert reverse("contacts:contact_trash") == "/contacts/trash/"
    assert reverse("contacts:property_list") == "/settings/properties/"


def test_list_requires_login(client):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_list_filters_by_stage_and_sorts_by_name(admin_client, admin):
    ContactFactory(first_name="Cleo", last_name="Zed", lifecycle_stage=LifecycleStage.MQL, owner=admin)
    ContactFactory(first_name="Abe", last_name="Young", lifecycle_stage=LifecycleStage.MQL, owner=admin)
    ContactFactory(first_name="Bea", last_name="Xu", lifecycle_stage=LifecycleStage.LEAD, owner=admin)
    ContactFactory(first_name="Dan", last_name="Adams", lifecycle_stage=LifecycleStage.CUSTOMER, owner=admin)

    response = admin_client.get(LIST_URL, {"stage": ["mql", "customer"], "sort": "name"})

    assert response.status_code == 200
    assert names_in(response) == ["Dan Adams", "Abe Young", "Cleo Zed"]
    assert "3 contacts" in response.content.decode()


def test_list_search_owner_unowned_country_tag_and_created_range(admin_client, admin):
    old = timezone.now() - datetime.timedelta(days=40)
    ContactFactory(first_name="Ann", last_name="Old", owner=None, country="DE", created_at=old)
    ContactFactory(first_name="Ann", last_name="New", owner=None, country="DE")
    ContactFactory(first_name="Ann", last_name="Owned", owner=admin, country="DE")
    ContactFactory(first_name="Ann", last_name="French", owner=None, country="FR")
    tagged = services.create_contact(
        actor=admin, values={"first_name": "Tia", "last_name": "Tagged"}, tags=["vip"]
    )
    services.create_contact(actor=admin, values={"first_name": "Tom", "last_name": "Plain"})
    since = (timezone.now() - datetime.timedelta(days=7)).date().isoformat()

    by_search = admin_client.get(LIST_URL, {"q": "ann", "owner": "none", "country": "DE", "sort": "name"})
    by_range = admin_client.get(
        LIST_URL, {"q": "ann", "owner": "none", "country": "DE", "created_from": since, "sort": "name"}
    )
    by_tag = admin_client.get(LIST_URL, {"tag": "VIP"})

    assert names_in(by_search) == ["Ann New", "Ann Old"]
    assert names_in(by_range) == ["Ann New"]
    assert names_in(by_tag) == [tagged.display_name]


def test_list_filters_by_custom_property_of_each_kind(admin_client, admin):
    PropertyDefinitionFactory(
        name="plan", label="Plan", value_type=PropertyType.CHOICE, choices=["Free", "Pro"]
    )
    PropertyDefinitionFactory(name="seats", label="Seats", value_type=PropertyType.NUMBER)
    ContactFactory(first_name="Pro", last_name="Big", properties={"plan": "Pro", "seats": 50})
    ContactFactory(first_name="Pro", last_name="Small", properties={"plan": "Pro", "seats": 3})
    ContactFactory(first_name="Free", last_name="User", properties={"plan": "Free", "seats": 1})
    ContactFactory(first_name="No", last_name="Plan", properties={})

    by_choice = admin_client.get(LIST_URL, {"property": "plan", "property_value": "Pro", "sort": "name"})
    by_range = admin_client.get(LIST_URL, {"property": "seats", "property_from": "2", "sort": "name"})
    by_empty = admin_client.get(LIST_URL, {"property": "plan", "property_value": "__unset__"})

    assert names_in(by_choice) == ["Pro Big", "Pro Small"]
    assert names_in(by_range) == ["Pro Big", "Pro Small"]
    assert names_in(by_empty) == ["No Plan"]


def test_bad_filter_values_show_messages_not_errors(admin_client, admin):
    ContactFactory(first_name="Kept", last_name="Visible", owner=admin)

    response = admin_client.get(
        LIST_URL,
        {
            "stage": "wizard",
            "created_from": "yesterday",
            "owner": "bob",
            "sort": "random",
            "cursor": "garbage!",
        },
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "“wizard” is not a lifecycle stage; that filter was ignored." in content
    assert "Created from: “yesterday” is not a date (use YYYY-MM-DD); that filter was ignored." in content
    assert "“bob” is not a valid owner; that filter was ignored." in content
    assert "“random” is not a sort order; showing newest first." in content
    assert "This page link is no longer valid. Showing the first page." in content
    assert names_in(response) == ["Kept Visible"]


def test_keyset_pages_forward_and_back_through_the_view(admin_client):
    start = timezone.now() - datetime.timedelta(days=1)
    for number in range(55):
        ContactFactory(
            first_name="P", last_name=f"{number:02}", created_at=start + datetime.timedelta(minutes=number)
        )

    first = admin_client.get(LIST_URL, {"sort": "oldest"})
    next_cursor = first.context["page"].next_cursor
    second = admin_client.get(LIST_URL, {"sort": "oldest", "cursor": next_cursor})
    back = admin_client.get(LIST_URL, {"sort": "oldest", "cursor": second.context["page"].previous_cursor})

    assert names_in(first) == [f"P {number:02}" for number in range(50)]
    assert first.context["page"].previous_cursor is None
    assert names_in(second) == [f"P {number:02}" for number in range(50, 55)]
    assert second.context["page"].next_cursor is None
    assert names_in(back) == [f"P {number:02}" for number in range(50)]
    assert f"cursor={next_cursor}" in first.content.decode()


def test_htmx_request_gets_only_the_results(admin_client):
    ContactFactory(first_name="Only", last_name="Results")

    response = admin_client.get(LIST_URL, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="contact-results")

    content = response.content.decode()
    assert names_in(response) == ["Only Results"]
    assert "<html" not in content
    assert 'class="filter-bar"' not in content
    assert "HX-Request" in response["Vary"]


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL)
    assert response.status_code == 200
    return len(queries)


def _make_rich_contacts(count: int, owner: User) -> None:
    company = CompanyFactory(owner=owner)
    for number in range(count):
        contact = ContactFactory(owner=owner, company=company, country="DE", properties={"tier": "gold"})
        if number % 2:
            services.bulk_update_contacts(
                actor=owner, contact_ids=[contact.pk], action="add_tag", value="vip"
            )


@pytest.mark.parametrize("all_columns", [False, True], ids=["default-columns", "all-columns"])
def test_list_query_count_does_not_grow_with_rows(admin_client, admin, all_columns):
    PropertyDefinitionFactory(name="tier", label="Tier", value_type=PropertyType.TEXT)
    if all_columns:
        session = admin_client.session
        definitions = list(PropertyDefinition.objects.filter(object_type="contact"))
        keys = [column.key for column in record_columns.available(CONTACT, definitions)]
        session[record_columns.session_key("contact")] = keys
        session.save()
    _make_rich_contacts(5, admin)
    admin_client.get(LIST_URL)  # warm caches that are not per-request (content types, session)
    with_five = _list_queries(admin_client)

    _make_rich_contacts(55, admin)
    with_sixty = _list_queries(admin_client)

    assert with_five == with_sixty


def test_columns_choice_is_remembered_in_the_session(admin_client):
    PropertyDefinitionFactory(name="tier", label="Tier", value_type=PropertyType.TEXT)
    ContactFactory(first_name="Col", last_name="Umns", phone="+4930123456", properties={"tier": "gold"})

    saved = admin_client.post(
        reverse("contacts:contact_columns"),
        {"columns": ["phone", "property:tier", "nonsense"], "query": "q=col"},
    )
    response = admin_client.get(LIST_URL)

    assert saved.status_code == 302
    assert saved["Location"] == "/contacts/?q=col"
    assert [column.key for column in response.context["columns"]] == ["phone", "property:tier"]
    content = response.content.decode()
    assert "<td><bdi>+49 30 123456</bdi></td>" in content  # shown as written; stored and linked as E.164
    assert "<td><bdi>gold</bdi></td>" in content


def test_create_with_bad_email_and_phone_shows_messages_and_keeps_input(admin_client):
    response = admin_client.post(
        reverse("contacts:contact_create"),
        {"first_name": "Greta", "email": "not-an-address", "phone": "12", "job_title": "Buyer"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert Contact.objects.count() == 0
    assert 'id="id_email_error"' in content
    assert "“not-an-address” is not a valid email address" in content
    assert 'id="id_phone_error"' in content
    assert "“12” does not have the right number of digits for a phone number." in content
    assert 'value="Greta"' in content
    assert 'value="Buyer"' in content
    assert re.search(r'<input[^>]*name="email"[^>]*aria-invalid="true"', content)
    assert re.search(r'<input[^>]*name="email"[^>]*aria-describedby="id_email_error"', content)


def test_create_saves_fields_tags_properties_and_redirects(admin_client, admin):
    PropertyDefinitionFactory(
        name="plan", label="Plan", value_type=PropertyType.CHOICE, choices=["Free", "Pro"]
    )
    PropertyDefinitionFactory(name="vip", label="VIP", value_type=PropertyType.BOOLEAN)
    company = CompanyFactory(name="Acme")

    response = admin_client.post(
        reverse("contacts:contact_create"),
        {
            "first_name": "Greta",
            "last_name": "Lind",
            "email": "Greta@Example.COM",
            "company": str(company.pk),
            "lifecycle_stage": "mql",
            "owner": str(admin.pk),
            "tags": "webinar, Partner ,",
            "property:plan": "Pro",
            "property:vip": "on",
        },
    )

    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{contact.pk}/"
    assert (contact.email, contact.company_id, contact.lifecycle_stage) == (
        "Greta@example.com",
        company.pk,
        "mql",
    )
    assert sorted(contact.tags.values_list("name", flat=True)) == ["partner", "webinar"]
    assert contact.properties == {"plan": "Pro", "vip": True}
    assert contact.owner_id == admin.pk


def test_mass_assignment_of_team_and_score_is_ignored(admin_client, admin, other_team):
    contact = services.create_contact(actor=admin, values={"first_name": "Mass", "last_name": "Assign"})

    response = admin_client.post(
        reverse("contacts:contact_edit", args=[contact.pk]),
        {
            "first_name": "Mass",
            "last_name": "Assign",
            "owner": str(admin.pk),
            "lifecycle_stage": "lead",
            "team": str(other_team.pk),
            "score": "999",
            "deleted_at": "2020-01-01T00:00:00Z",
        },
    )

    contact.refresh_from_db()
    assert response.status_code == 302
    assert contact.team_id == admin.team_id
    assert contact.score == 0
    assert contact.deleted_at is None


def test_property_error_is_shown_next_to_the_property(admin_client):
    PropertyDefinitionFactory(name="seats", label="Seats", value_type=PropertyType.NUMBER)

    response = admin_client.post(
        reverse("contacts:contact_create"), {"first_name": "Num", "property:seats": "lots"}
    )

    content = response.content.decode()
    assert 'id="id_property:seats_error"' in content
    assert "Seats: “lots” is not a number." in content
    assert 'value="lots"' in content
    assert Contact.objects.count() == 0


def test_xss_in_first_name_is_escaped_on_list_and_detail(admin_client, admin):
    contact = services.create_contact(actor=admin, values={"first_name": XSS, "last_name": "Evil"})
    services.add_note(actor=admin, body=f"{XSS}\nsecond line", contact=contact)

    listing = admin_client.get(LIST_URL).content.decode()
    detail = admin_client.get(reverse("contacts:contact_detail", args=[contact.pk])).content.decode()

    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert XSS not in listing
    assert f"{escaped} Evil" in listing
    assert XSS not in detail
    assert f"{escaped} Evil" in detail
    assert f"{escaped}<br>second line" in detail


def test_detail_shows_facts_timeline_stage_history_and_consent(admin_client, admin):
    PropertyDefinitionFactory(name="plan", label="Plan tier", value_type=PropertyType.CHOICE, choices=["Pro"])
    contact = services.create_contact(
        actor=admin,
        values={"first_name": "Dee", "last_name": "Tail", "email": "dee@example.com", "country": "DE"},
    )
    services.update_contact(
        actor=admin,
        contact=contact,
        values={"job_title": "CTO", "lifecycle_stage": "mql", "properties": {"plan": "Pro"}},
    )
    services.record_consent(
        actor=admin,
        contact=contact,
        purpose="marketing_email",
        status="granted",
        method="form",
        source="Webinar",
    )

    response = admin_client.get(reverse("contacts:contact_detail", args=[contact.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "<dt>Country</dt><dd><bdi>Germany</bdi></dd>" in content
    assert "<dt>Plan tier</dt><dd><bdi>Pro</bdi></dd>" in content
    assert "Job title: <bdi>—</bdi> → <bdi>CTO</bdi>" in content
    assert "Plan tier: <bdi>—</bdi> → <bdi>Pro</bdi>" in content
    assert "Stage: Lead → MQL" in content
    assert "Marketing email consent: — → Granted" in content
    assert "Webinar" in content
    assert [entry.kind for entry in response.context["timeline_entries"]] == [
        "consent_changed",
        "updated",
        "stage_changed",
        "stage_changed",
        "created",
    ]


def test_timeline_loads_older_entries_by_cursor(admin_client, admin):
    contact = services.create_contact(actor=admin, values={"first_name": "Long", "last_name": "History"})
    for number in range(30):
        services.add_note(actor=admin, body=f"note {number}", contact=contact)

    first = admin_client.get(reverse("contacts:contact_detail", args=[contact.pk]))
    older = admin_client.get(first.context["timeline_next_url"], HTTP_HX_REQUEST="true")

    assert len(first.context["timeline_entries"]) == 25
    assert [entry.body for entry in older.context["timeline_entries"]] == [
        "note 4",
        "note 3",
        "note 2",
        "note 1",
        "note 0",
        "",
        "",
    ]
    assert older.context["timeline_next_url"] == ""
    assert "<html" not in older.content.decode()


def test_note_via_htmx_returns_the_new_item(admin_client, admin):
    contact = services.create_contact(actor=admin, values={"first_name": "Note", "last_name": "Taker"})

    response = admin_client.post(
        reverse("contacts:contact_note", args=[contact.pk]),
        {"body": "Called <b>them</b>\nback tomorrow"},
        HTTP_HX_REQUEST="true",
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert 'hx-swap-oob="afterbegin:#timeline-list"' in content
    assert '<li class="timeline-item">' in content
    assert "Called &lt;b&gt;them&lt;/b&gt;<br>back tomorrow" in content
    assert Activity.objects.filter(contact=contact, kind=ActivityKind.NOTE).count() == 1


def test_empty_note_without_javascript_shows_the_message(admin_client, admin):
    contact = services.create_contact(actor=admin, values={"first_name": "Empty", "last_name": "Note"})

    response = admin_client.post(reverse("contacts:contact_note", args=[contact.pk]), {"body": "   "})

    assert response.status_code == 200
    assert "Write something before adding the note." in response.content.decode()
    assert Activity.objects.filter(contact=contact, kind=ActivityKind.NOTE).count() == 0


def test_read_only_user_gets_403_on_edit_and_nothing_changes(client, admin, team):
    reader = User.objects.create_user("reader@example.com", "pw", role=Role.READ_ONLY, team=team)
    contact = services.create_contact(actor=admin, values={"first_name": "Stay", "last_name": "Same"})
    client.force_login(reader)

    page = client.get(reverse("contacts:contact_edit", args=[contact.pk]))
    post = client.post(reverse("contacts:contact_edit", args=[contact.pk]), {"first_name": "Changed"})
    note = client.post(reverse("contacts:contact_note", args=[contact.pk]), {"body": "sneaky"})
    delete = client.post(reverse("contacts:contact_delete", args=[contact.pk]))
    create = client.post(reverse("contacts:contact_create"), {"first_name": "New"})

    contact.refresh_from_db()
    assert [page.status_code, post.status_code, note.status_code, delete.status_code, create.status_code] == [
        403,
        403,
        403,
        403,
        403,
    ]
    assert (contact.first_name, contact.deleted_at) == ("Stay", None)
    assert Contact.objects.count() == 1
    assert Activity.objects.filter(contact=contact, kind=ActivityKind.NOTE).count() == 0
    detail = client.get(reverse("contacts:contact_detail", args=[contact.pk])).content.decode()
    assert "Add note" not in detail
    assert "/edit/" not in detail


def test_bulk_without_permission_changes_nothing(client, admin, team, other_team):
    outsider = User.objects.create_user("sales@example.com", "pw", role=Role.SALES, team=other_team)
    contacts = [ContactFactory(owner=admin, lifecycle_stage=LifecycleStage.LEAD) for _ in range(3)]
    ids = [str(contact.pk) for contact in contacts]
    client.force_login(outsider)

    stage = client.post(
        reverse("contacts:contact_bulk"), {"ids": ids, "action": "set_stage", "stage": "customer"}
    )
    delete = client.post(reverse("contacts:contact_bulk"), {"ids": ids, "action": "delete"}, follow=True)

    assert stage.status_code == 302
    assert list(Contact.objects.order_by("pk").values_list("lifecycle_stage", "deleted_at")) == [
        ("lead", None),
        ("lead", None),
        ("lead", None),
    ]
    assert Activity.objects.filter(kind__in=["stage_changed", "deleted"]).count() == 0
    assert "Moved 0 contacts to the trash. 3 skipped: you may not change them." in (delete.content.decode())


def test_bulk_set_stage_reports_updated_and_skipped(client, admin, team):
    seller = User.objects.create_user("seller@example.com", "pw", role=Role.SALES, team=team)
    mine = [ContactFactory(owner=seller) for _ in range(2)]
    elsewhere = ContactFactory(owner=None)
    client.force_login(seller)

    response = client.post(
        reverse("contacts:contact_bulk"),
        {
            "ids": [str(c.pk) for c in [*mine, elsewhere]],
            "action": "set_stage",
            "stage": "sql",
            "query": "stage=lead",
        },
    )
    page = client.get(response["Location"])

    assert response["Location"] == "/contacts/?stage=lead"
    assert sorted(Contact.objects.values_list("lifecycle_stage", flat=True)) == ["lead", "sql", "sql"]
    assert "Updated 2 contacts. 1 skipped: you may not change them." in page.content.decode()


def test_delete_then_restore_from_trash(admin_client, admin):
    contact = services.create_contact(actor=admin, values={"first_name": "Come", "last_name": "Back"})

    deleted = admin_client.post(reverse("contacts:contact_delete", args=[contact.pk]))
    trash = admin_client.get(reverse("contacts:contact_trash"))
    restored = admin_client.post(reverse("contacts:contact_restore", args=[contact.pk]))

    contact.refresh_from_db()
    assert deleted["Location"] == "/contacts/"
    assert "Come Back" in trash.content.decode()
    assert "deleted for good 30 days after" in trash.content.decode()
    assert restored["Location"] == f"/contacts/{contact.pk}/"
    assert contact.deleted_at is None


def test_get_on_write_urls_is_refused(admin_client, admin):
    contact = services.create_contact(actor=admin, values={"first_name": "Get", "last_name": "Only"})

    responses = [
        admin_client.get(reverse("contacts:contact_delete", args=[contact.pk])),
        admin_client.get(reverse("contacts:contact_bulk")),
        admin_client.get(reverse("contacts:contact_note", args=[contact.pk])),
    ]

    contact.refresh_from_db()
    assert [response.status_code for response in responses] == [405, 405, 405]
    assert contact.deleted_at is None


def test_company_options_search_returns_matching_options(admin_client):
    CompanyFactory(name="Acme Corp", domain="acme.example")
    CompanyFactory(name="Bolt Ltd", domain="bolt.example")

    response = admin_client.get(reverse("contacts:company_options"), {"company_search": "acm"})

    content = response.content.decode()
    assert "Acme Corp (acme.example)" in content
    assert "Bolt" not in content


def test_phones_are_shown_as_written_and_linked_as_stored(admin_client, admin):
    contact = services.create_contact(
        actor=admin, values={"first_name": "Pho", "last_name": "Ne", "phone": "+4930123456"}
    )

    content = admin_client.get(reverse("contacts:contact_detail", args=[contact.pk])).content.decode()

    assert contact.phone == "+4930123456"
    assert (
        '<dt>Phone</dt><dd><a class="link" href="tel:+4930123456"><bdi>+49 30 123456</bdi></a></dd>'
        in content
    )


def test_a_stale_contact_form_warns_keeps_the_input_and_changes_nothing(admin_client, admin):
    contact = ContactFactory(owner=admin, first_name="Ana", last_name="Lima", job_title="Buyer")
    opened = admin_client.get(f"/contacts/{contact.pk}/edit/").content.decode()
    version = re.search(r'name="record_version" value="([^"]+)"', opened).group(1)
    services.update_contact(
        actor=admin, contact=Contact.objects.get(pk=contact.pk), values={"job_title": "CFO"}
    )

    stale = admin_client.post(
        f"/contacts/{contact.pk}/edit/",
        {
            "email": contact.email,
            "first_name": "Anabel",
            "last_name": "Lima",
            "lifecycle_stage": contact.lifecycle_stage,
            "owner": str(admin.pk),
            "record_version": version,
        },
    )

    contact.refresh_from_db()
    content = stale.content.decode()
    assert stale.status_code == 200
    assert "Someone else changed this record while you were editing; review their changes." in content
    assert 'value="Anabel"' in content
    assert (contact.first_name, contact.job_title) == ("Ana", "CFO")
    assert re.search(r'name="record_version" value="([^"]+)"', content).group(1) == services.record_version(
        contact
    )


def test_the_list_the_record_page_and_the_duplicates_page_write_a_phone_alike(admin_client, admin):
    """A number of the default region (US here) in national format, any other in international format."""
    home = services.create_contact(
        actor=admin, values={"first_name": "Ho", "last_name": "Me", "phone": "+14155550132"}
    )
    services.create_contact(
        actor=admin, values={"first_name": "Tw", "last_name": "In", "phone": "+14155550132"}
    )
    abroad = services.create_contact(
        actor=admin, values={"first_name": "Ab", "last_name": "Road", "phone": "+4930123456"}
    )

    admin_client.post(reverse("contacts:contact_columns"), {"columns": ["phone"], "query": ""})
    listed = admin_client.get(LIST_URL).content.decode()
    record = admin_client.get(f"/contacts/{home.pk}/").content.decode()
    other_record = admin_client.get(f"/contacts/{abroad.pk}/").content.decode()
    duplicates = admin_client.get("/contacts/duplicates/?reason=phone").content.decode()

    assert "<td><bdi>(415) 555-0132</bdi></td>" in listed and "<td><bdi>+49 30 123456</bdi></td>" in listed
    assert '<dd><a class="link" href="tel:+14155550132"><bdi>(415) 555-0132</bdi></a></dd>' in record
    assert '<dd><a class="link" href="tel:+4930123456"><bdi>+49 30 123456</bdi></a></dd>' in other_record
    assert " · (415) 555-0132" in duplicates
