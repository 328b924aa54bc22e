"""The home dashboard: funnel counts, the user's recent contacts and recent activity, scoped by access."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tandem.contacts.models import Activity, ActivityKind, LifecycleStage
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Role
from tandem.insights import selectors

NOW = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def activity(kind, minutes_ago, contact=None, company=None, actor=None, body=""):
    return Activity.objects.create(
        kind=kind,
        contact=contact,
        company=company,
        actor=actor,
        body=body,
        occurred_at=NOW - datetime.timedelta(minutes=minutes_ago),
    )


def data_query(captured: dict) -> str:
    sql = captured["sql"]
    return "" if "tandem_cache" in sql or "SAVEPOINT" in sql else sql


@pytest.mark.django_db
def test_funnel_counts_live_visible_contacts_per_stage_in_one_query_and_caches_them():
    given_admin = UserFactory(role=Role.ADMIN)
    ContactFactory.create_batch(3, lifecycle_stage=LifecycleStage.LEAD)
    ContactFactory(lifecycle_stage=LifecycleStage.CUSTOMER)
    ContactFactory(lifecycle_stage=LifecycleStage.CUSTOMER, deleted_at=timezone.now())

    with CaptureQueriesContext(connection) as first:
        result = selectors.funnel(given_admin)
    with CaptureQueriesContext(connection) as second:
        again = selectors.funnel(given_admin)

    assert [(step.stage, step.count) for step in result.steps] == [
        ("subscriber", 0),
        ("lead", 3),
        ("mql", 0),
        ("sql", 0),
        ("opportunity", 0),
        ("customer", 1),
        ("evangelist", 0),
        ("other", 0),
    ]
    assert (result.total, result.largest) == (4, 3)
    # Without Redis the shared cache is a table (settings.CACHES): its reads and writes (and the savepoint
    # around a write) are not contact queries.
    contact_queries = [query for query in map(data_query, first.captured_queries) if query]
    assert len(contact_queries) == 1
    assert "GROUP BY" in contact_queries[0]
    assert [query for query in map(data_query, second.captured_queries) if query] == []
    assert again == result


@pytest.mark.django_db
def test_funnel_of_a_team_scoped_user_counts_only_their_team():
    given_team, other_team = TeamFactory(name="Red"), TeamFactory(name="Blue")
    given_reader = UserFactory(role=Role.READ_ONLY, team=given_team)
    colleague = UserFactory(role=Role.SALES, team=given_team)
    outsider = UserFactory(role=Role.SALES, team=other_team)
    ContactFactory(owner=colleague, lifecycle_stage=LifecycleStage.MQL)
    ContactFactory(owner=outsider, lifecycle_stage=LifecycleStage.MQL)
    selectors.funnel(UserFactory(role=Role.ADMIN))  # another scope's cache entry must not leak

    result = selectors.funnel(given_reader)

    assert {step.stage: step.count for step in result.steps if step.count} == {"mql": 1}


@pytest.mark.django_db
def test_recent_activity_is_the_latest_fifteen_on_records_the_user_may_see():
    given_team, other_team = TeamFactory(name="Red"), TeamFactory(name="Blue")
    given_reader = UserFactory(role=Role.READ_ONLY, team=given_team)
    colleague = UserFactory(role=Role.SALES, team=given_team, first_name="Cole")
    outsider = UserFactory(role=Role.SALES, team=other_team)
    visible_contact = ContactFactory(owner=colleague, first_name="Vera", last_name="Visible")
    hidden_contact = ContactFactory(owner=outsider)
    visible_company = CompanyFactory(owner=colleague, name="Acme")
    trashed_contact = ContactFactory(owner=colleague, deleted_at=NOW)
    for minute in range(20):
        activity(ActivityKind.NOTE, minutes_ago=100 + minute, contact=visible_contact, body=f"old {minute}")
    activity(ActivityKind.NOTE, minutes_ago=1, contact=hidden_contact, body="hidden")
    activity(ActivityKind.NOTE, minutes_ago=2, contact=trashed_contact, body="trashed")
    activity(ActivityKind.CREATED, minutes_ago=3, company=visible_company)
    activity(ActivityKind.STAGE_CHANGED, minutes_ago=4, contact=visible_contact, actor=colleague)

    rows = selectors.recent_activity(given_reader)

    assert [(row.kind, row.body) for row in rows] == [
        ("created", ""),
        ("stage_changed", ""),
        *[("note", f"old {minute}") for minute in range(13)],
    ]


@pytest.mark.django_db
def test_recent_activity_reads_the_occurred_at_index():
    given_admin = UserFactory(role=Role.ADMIN)
    queryset = selectors.recent_activity_queryset(given_admin)[:15]

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            plan = queryset.explain()
    else:
        plan = queryset.explain()

    assert "insights_activity_recent" in plan


@pytest.mark.django_db
def test_recent_contacts_are_the_users_own_by_last_update():
    given_user = UserFactory(role=Role.SALES)
    someone_else = UserFactory(role=Role.SALES)
    older = ContactFactory(owner=given_user, first_name="Older", updated_at=NOW - datetime.timedelta(days=2))
    newer = ContactFactory(owner=given_user, first_name="Newer", updated_at=NOW - datetime.timedelta(days=1))
    ContactFactory(owner=someone_else, updated_at=NOW)
    ContactFactory(owner=given_user, updated_at=NOW, deleted_at=NOW)

    assert selectors.recent_contacts(given_user) == [newer, older]


@pytest.mark.django_db
def test_home_page_renders_the_three_panels(client):
    given_user = UserFactory(role=Role.ADMIN, first_name="Ada")
    contact = ContactFactory(owner=given_user, first_name="Vera", last_name="Visible")
    activity(ActivityKind.NOTE, minutes_ago=5, contact=contact, actor=given_user, body="Called about pricing")
    client.force_login(given_user)

    response = client.get(reverse("core:home"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Welcome back, <bdi>Ada</bdi>" in page
    assert [step.count for step in response.context["funnel"].steps] == [0, 1, 0, 0, 0, 0, 0, 0]
    assert response.context["recent_contacts"] == [contact]
    assert [row.body for row in response.context["recent_activity"]] == ["Called about pricing"]
    assert "Vera Visible" in page and "Called about pricing" in page


@pytest.mark.django_db
def test_home_page_with_no_data_says_what_to_do(client):
    client.force_login(UserFactory(role=Role.ADMIN))

    page = client.get(reverse("core:home")).content.decode()

    assert "No contacts yet" in page
    assert "Nothing has happened yet" in page


@pytest.mark.django_db
def test_the_dashboard_is_home_at_the_root_and_old_links_land_there(client):
    client.force_login(UserFactory(role=Role.SALES))

    response = client.get(reverse("core:home"))
    old_link = client.get("/insights/?from=bookmark")

    assert reverse("core:home") == "/"
    assert response.status_code == 200
    assert "Funnel by lifecycle stage" in response.content.decode()
    assert old_link.status_code == 302
    assert old_link["Location"] == "/?from=bookmark"


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get(reverse("core:home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
