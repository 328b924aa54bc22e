"""The audit log page: admins only, newest first, keyset-paged, filtered, read-only."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from tandem.core import audit, services
from tandem.core.models import Role, Team, User

PASSWORD = "a long enough passphrase 42"


def make_user(email: str, role: str = Role.ADMIN, **fields) -> User:
    return User.objects.create_user(email, PASSWORD, role=role, **fields)


@pytest.fixture
def admin_client(client):
    admin = make_user("admin@example.com", first_name="Ada", last_name="Admin")
    client.force_login(admin)
    LogEntry.objects.all().delete()  # forget the login row so each test sees only its own entries
    return client, admin


@pytest.mark.django_db
def test_audit_page_shows_actor_action_object_diff_event_and_ip(admin_client):
    client, admin = admin_client
    given_user = make_user("bob@example.com", role=Role.SALES, first_name="Bob")
    services.change_user_access(actor=admin, user=given_user, role=Role.SERVICE, team=None)
    LogEntry.objects.update(remote_addr="203.0.113.7")

    response = client.get(reverse("core:audit_log"))

    assert response.status_code == 200
    rows = response.context["page"].rows
    assert [
        (
            row.entry.actor.email,
            row.entry.get_action_display(),
            row.entry.object_repr,
            row.changes,
            row.event,
            row.url,
        )
        for row in rows
    ] == [
        (
            "admin@example.com",
            "update",
            "Bob",
            [("Role", "Sales", "Service")],
            "permission_changed",
            reverse("core:user_edit", args=[given_user.pk]),
        )
    ]
    page = response.content.decode()
    assert "Role or team changed" in page and "permission_changed" not in page
    assert "203.0.113.7" in page and "<bdi>Ada Admin</bdi>" in page


@pytest.mark.django_db
def test_audit_rows_of_deleted_objects_have_no_link(admin_client):
    client, admin = admin_client
    team = services.create_team(actor=admin, name="Gone")
    team.delete()

    rows = client.get(reverse("core:audit_log")).context["page"].rows

    assert [(row.entry.object_repr, row.url) for row in rows] == [("Gone", "")]


@pytest.mark.django_db
def test_audit_page_is_newest_first_and_keyset_paged(admin_client, monkeypatch):
    client, admin = admin_client
    monkeypatch.setattr("tandem.core.selectors.AUDIT_PAGE_SIZE", 2)
    teams = [Team.objects.create(name=f"T{number}") for number in range(5)]
    for team in teams:
        audit.record(actor=admin, action=audit.Action.CREATE, target=team, event="team_created")

    first = client.get(reverse("core:audit_log")).context["page"]
    second = client.get(reverse("core:audit_log"), {"cursor": first.next_cursor}).context["page"]
    third = client.get(reverse("core:audit_log"), {"cursor": second.next_cursor}).context["page"]

    assert [[row.entry.object_repr for row in page.rows] for page in (first, second, third)] == [
        ["T4", "T3"],
        ["T2", "T1"],
        ["T0"],
    ]
    assert third.next_cursor is None


@pytest.mark.django_db
def test_audit_filters_by_actor_type_action_and_date(admin_client):
    client, admin = admin_client
    other_admin = make_user("other@example.com")
    team = services.create_team(actor=admin, name="Blue")
    services.rename_team(actor=other_admin, team=team, name="Navy")
    bob = services.create_user(actor=admin, email="bob@example.com", role=Role.SALES, password=PASSWORD)
    LogEntry.objects.filter(object_repr="Blue").update(
        timestamp=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC)
    )

    def shown(**params):
        response = client.get(reverse("core:audit_log"), params)
        return sorted(row.entry.additional_data["event"] for row in response.context["page"].rows)

    team_type = LogEntry.objects.get(object_repr="Blue").content_type_id
    assert shown(actor=other_admin.pk) == ["team_renamed"]
    assert shown(object_type=team_type) == ["team_created", "team_renamed"]
    assert shown(action=0) == ["team_created", "user_created"]
    assert shown(date_from="2026-01-01", date_to="2026-01-31") == ["team_created"]
    assert bob.pk


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.MARKETING, Role.SALES, Role.SERVICE, Role.READ_ONLY])
def test_non_admins_get_403_on_the_audit_page(client, role):
    client.force_login(make_user("someone@example.com", role=role))
    before = LogEntry.objects.count()

    response = client.get(reverse("core:audit_log"))

    assert response.status_code == 403
    assert LogEntry.objects.count() == before


@pytest.mark.django_db
def test_the_audit_page_has_no_write_path(admin_client):
    client, admin = admin_client
    audit.record(actor=admin, action=audit.Action.CREATE, target=admin, event="x")

    response = client.post(reverse("core:audit_log"), {"id": LogEntry.objects.get().pk})

    assert response.status_code == 405
    assert LogEntry.objects.count() == 1


@pytest.mark.django_db
def test_a_tampered_cursor_is_a_message_not_an_error(admin_client):
    client, _ = admin_client

    response = client.get(reverse("core:audit_log"), {"cursor": "not-a-cursor"}, follow=True)

    assert response.status_code == 200
    assert "no longer valid" in response.content.decode()


@pytest.mark.django_db
def test_audit_page_shows_field_labels_choice_labels_and_action_names_in_words(admin_client):
    client, admin = admin_client
    person = make_user("ana@example.com", role=Role.SALES, first_name="Ana")
    # The contacts app registers the words for its bulk events; the rows here are on a user (core's own
    # model) so that this test stays inside core.
    audit.record_many(
        actor=admin,
        action=audit.Action.UPDATE,
        model=User,
        targets=[(person.pk, "Ana", {"role": ["sales", "read_only"], "property:budget_band": ["", "High"]})],
        event="bulk_set_stage",
    )
    audit.record(actor=admin, action=audit.Action.UPDATE, target=person, event="some_new_event")

    response = client.get(reverse("core:audit_log"))
    page = response.content.decode()
    rows = response.context["page"].rows

    assert [(row.action_label, row.event_label, row.changes) for row in rows] == [
        ("Updated", "Some new event", []),
        (
            "Updated",
            "Stage set in bulk",
            [("Role", "Sales", "Read-only"), ("Budget band", "", "High")],
        ),
    ]
    assert "bulk_set_stage" not in page and "read_only" not in page
    assert "Stage set in bulk" in page and "Role:" in page


@pytest.mark.django_db
def test_the_object_type_filter_offers_every_registered_record_type_and_filters_by_it(admin_client):
    """Given a widget (a record type registered only by the tests) with an audit row, and a team's row."""
    from django.contrib.contenttypes.models import ContentType

    from tandem.core.tests.recordapp.models import Widget

    client, admin = admin_client
    widget = Widget.objects.create(name="Sprocket")
    audit.record(actor=admin, action=audit.Action.CREATE, target=widget, event="widget_made")
    services.create_team(actor=admin, name="Blue")

    # When the audit page is filtered by the widget's object type
    widget_type = ContentType.objects.get_for_model(Widget)
    response = client.get(reverse("core:audit_log"), {"object_type": widget_type.pk})

    # Then the filter offers widgets beside the record types and audited models, and shows only the widget
    labels = [label for value, label in response.context["form"].fields["object_type"].choices if value]
    assert {"Widget", "Contact", "Company", "User", "Team", "Bulk job"} <= set(labels)
    assert [row.entry.object_repr for row in response.context["page"].rows] == ["Sprocket"]
