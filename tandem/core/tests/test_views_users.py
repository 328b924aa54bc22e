"""Users and teams: the services (audit rows, events, the last-admin rule) and the settings pages."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tandem.core import services
from tandem.core.models import Event, Role, Team, User

PASSWORD = "a long enough passphrase 42"


def make_user(email: str, role: str = Role.ADMIN, team: Team | None = None, **fields) -> User:
    return User.objects.create_user(email, PASSWORD, role=role, team=team, **fields)


def audit_rows(target) -> list[tuple]:
    return list(
        LogEntry.objects.filter(object_pk=str(target.pk), content_type__model=target._meta.model_name)
        .order_by("id")
        .values_list("action", "actor__email", "changes", "additional_data")
    )


@pytest.mark.django_db
def test_create_user_creates_an_active_user_and_audits_it():
    given_admin = make_user("admin@example.com")
    given_team = Team.objects.create(name="Sales EMEA")

    created = services.create_user(
        actor=given_admin,
        email=" Ann@Example.COM ",
        first_name="Ann",
        last_name="Lee",
        role=Role.SALES,
        team=given_team,
        password=PASSWORD,
    )

    assert (created.email, created.role, created.team_id, created.is_active) == (
        "ann@example.com",
        Role.SALES,
        given_team.pk,
        True,
    )
    assert created.check_password(PASSWORD)
    assert audit_rows(created) == [
        (
            LogEntry.Action.CREATE,
            "admin@example.com",
            {
                "email": [None, "ann@example.com"],
                "first_name": [None, "Ann"],
                "last_name": [None, "Lee"],
                "role": [None, "sales"],
                "team": [None, "Sales EMEA"],
            },
            {"event": "user_created"},
        )
    ]


@pytest.mark.django_db
def test_create_user_refuses_a_duplicate_email_and_a_weak_password():
    given_admin = make_user("admin@example.com")

    with pytest.raises(ValidationError) as raised:
        services.create_user(actor=given_admin, email="ADMIN@example.com", role=Role.SALES, password="123")

    assert set(raised.value.message_dict) == {"email", "password"}
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_change_user_access_records_a_permission_change_and_publishes_the_team_change():
    given_admin = make_user("admin@example.com")
    given_old, given_new = Team.objects.create(name="Old"), Team.objects.create(name="New")
    given_user = make_user("bob@example.com", role=Role.SALES, team=given_old)

    services.change_user_access(actor=given_admin, user=given_user, role=Role.MARKETING, team=given_new)

    given_user.refresh_from_db()
    assert (given_user.role, given_user.team_id) == (Role.MARKETING, given_new.pk)
    assert audit_rows(given_user) == [
        (
            LogEntry.Action.UPDATE,
            "admin@example.com",
            {"role": ["sales", "marketing"], "team": ["Old", "New"]},
            {"event": "permission_changed"},
        )
    ]
    assert list(Event.objects.values_list("name", "payload")) == [
        ("core.user.team_changed", {"user_id": given_user.pk, "team_id": given_new.pk})
    ]


@pytest.mark.django_db
def test_change_user_access_role_only_publishes_no_team_event():
    given_admin = make_user("admin@example.com")
    given_user = make_user("bob@example.com", role=Role.SALES)

    services.change_user_access(actor=given_admin, user=given_user, role=Role.SERVICE, team=None)

    assert Event.objects.count() == 0
    assert audit_rows(given_user)[0][2] == {"role": ["sales", "service"]}


@pytest.mark.django_db
def test_the_last_active_admin_cannot_demote_or_deactivate_themselves():
    given_admin = make_user("admin@example.com")
    make_user("former@example.com", is_active=False)  # an inactive admin does not count

    with pytest.raises(ValidationError):
        services.change_user_access(actor=given_admin, user=given_admin, role=Role.SALES, team=None)
    with pytest.raises(ValidationError):
        services.set_user_active(actor=given_admin, user=given_admin, active=False)

    given_admin.refresh_from_db()
    assert (given_admin.role, given_admin.is_active) == (Role.ADMIN, True)
    assert audit_rows(given_admin) == []


@pytest.mark.django_db
def test_an_admin_can_step_down_when_another_admin_remains():
    given_admin = make_user("admin@example.com")
    make_user("other@example.com")

    services.change_user_access(actor=given_admin, user=given_admin, role=Role.SALES, team=None)

    given_admin.refresh_from_db()
    assert given_admin.role == Role.SALES


@pytest.mark.django_db
def test_deactivate_and_reactivate_are_audited():
    given_admin = make_user("admin@example.com")
    given_user = make_user("bob@example.com", role=Role.SALES)

    services.set_user_active(actor=given_admin, user=given_user, active=False)
    services.set_user_active(actor=given_admin, user=given_user, active=True)

    given_user.refresh_from_db()
    assert given_user.is_active is True
    assert [(row[2], row[3]) for row in audit_rows(given_user)] == [
        ({"is_active": ["True", "False"]}, {"event": "user_deactivated"}),
        ({"is_active": ["False", "True"]}, {"event": "user_reactivated"}),
    ]


@pytest.mark.django_db
def test_create_and_rename_team_are_audited_and_names_stay_unique():
    given_admin = make_user("admin@example.com")

    team = services.create_team(actor=given_admin, name="  Sales  ")
    services.rename_team(actor=given_admin, team=team, name="Sales EMEA")
    services.create_team(actor=given_admin, name="Support")
    with pytest.raises(ValidationError):
        services.rename_team(actor=given_admin, team=team, name="support")

    assert list(Team.objects.values_list("name", flat=True)) == ["Sales EMEA", "Support"]
    assert [(row[0], row[2], row[3]) for row in audit_rows(team)] == [
        (LogEntry.Action.CREATE, {"name": [None, "Sales"]}, {"event": "team_created"}),
        (LogEntry.Action.UPDATE, {"name": ["Sales", "Sales EMEA"]}, {"event": "team_renamed"}),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.MARKETING, Role.SALES, Role.SERVICE, Role.READ_ONLY])
def test_services_refuse_non_admins_and_change_nothing(role):
    given_actor = make_user("actor@example.com", role=role)
    given_user = make_user("bob@example.com", role=Role.SALES)
    given_team = Team.objects.create(name="Team")

    with pytest.raises(PermissionDenied):
        services.change_user_access(actor=given_actor, user=given_user, role=Role.ADMIN, team=given_team)
    with pytest.raises(PermissionDenied):
        services.set_user_active(actor=given_actor, user=given_user, active=False)
    with pytest.raises(PermissionDenied):
        services.create_team(actor=given_actor, name="Mine")

    given_user.refresh_from_db()
    assert (given_user.role, given_user.team_id, given_user.is_active) == (Role.SALES, None, True)
    assert list(Team.objects.values_list("name", flat=True)) == ["Team"]
    assert LogEntry.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.MARKETING, Role.SALES, Role.SERVICE, Role.READ_ONLY])
def test_non_admins_get_403_on_the_user_pages_and_nothing_changes(client, role):
    given_user = make_user("bob@example.com", role=Role.SALES)
    given_team = Team.objects.create(name="Team")
    client.force_login(make_user("actor@example.com", role=role))

    responses = [
        client.get(reverse("core:user_list")),
        client.get(reverse("core:team_list")),
        client.get(reverse("core:user_create")),
        client.post(
            reverse("core:user_create"),
            {"email": "new@example.com", "role": Role.ADMIN, "password": PASSWORD},
        ),
        client.post(
            reverse("core:user_edit", args=[given_user.pk]), {"role": Role.ADMIN, "team": given_team.pk}
        ),
        client.post(reverse("core:user_set_active", args=[given_user.pk]), {"active": "0"}),
        client.post(reverse("core:team_list"), {"name": "Mine"}),
        client.post(reverse("core:team_rename", args=[given_team.pk]), {"name": "Renamed"}),
    ]

    assert [response.status_code for response in responses] == [403] * 8
    given_user.refresh_from_db()
    assert (given_user.role, given_user.team_id, given_user.is_active) == (Role.SALES, None, True)
    assert User.objects.count() == 2
    assert list(Team.objects.values_list("name", flat=True)) == ["Team"]
    assert LogEntry.objects.filter(action__in=[0, 1, 2]).count() == 0


@pytest.mark.django_db
def test_user_list_shows_role_team_mfa_and_status(client):
    given_admin = make_user("admin@example.com", first_name="Ada", last_name="Admin")
    given_team = Team.objects.create(name="Sales EMEA")
    make_user("bob@example.com", role=Role.SALES, team=given_team, first_name="Bob", is_active=False)
    client.force_login(given_admin)

    response = client.get(reverse("core:user_list"))

    assert response.status_code == 200
    rows = [
        (u.email, u.get_role_display(), u.team, u.has_totp, u.is_active) for u in response.context["users"]
    ]
    assert rows == [
        ("admin@example.com", "Admin", None, False, True),
        ("bob@example.com", "Sales", given_team, False, False),
    ]
    assert "Deactivated" in response.content.decode()


@pytest.mark.django_db
def test_admin_creates_a_user_through_the_page(client):
    given_admin = make_user("admin@example.com")
    given_team = Team.objects.create(name="Support")
    client.force_login(given_admin)

    response = client.post(
        reverse("core:user_create"),
        {
            "email": "sam@example.com",
            "first_name": "Sam",
            "last_name": "Ray",
            "role": Role.SERVICE,
            "team": given_team.pk,
            "password": PASSWORD,
        },
    )

    assert response.status_code == 302
    created = User.objects.get(email="sam@example.com")
    assert (created.first_name, created.role, created.team_id) == ("Sam", Role.SERVICE, given_team.pk)


@pytest.mark.django_db
def test_the_page_shows_the_last_admin_rule_as_a_form_error(client):
    given_admin = make_user("admin@example.com")
    client.force_login(given_admin)

    response = client.post(reverse("core:user_edit", args=[given_admin.pk]), {"role": Role.SALES, "team": ""})

    assert response.status_code == 200
    assert response.context["form"].errors == {"role": [services.LAST_ADMIN_MESSAGE]}
    given_admin.refresh_from_db()
    assert given_admin.role == Role.ADMIN


@pytest.mark.django_db
def test_deactivate_through_the_page_and_the_user_cannot_log_in(client):
    given_admin = make_user("admin@example.com")
    given_user = make_user("bob@example.com", role=Role.SALES)
    client.force_login(given_admin)

    client.post(reverse("core:user_set_active", args=[given_user.pk]), {"active": "0"})

    given_user.refresh_from_db()
    assert given_user.is_active is False
    client.logout()
    assert client.login(email="bob@example.com", password=PASSWORD) is False


@pytest.mark.django_db
def test_admin_creates_and_renames_a_team_through_the_page(client):
    client.force_login(make_user("admin@example.com"))

    client.post(reverse("core:team_list"), {"name": "Field sales"})
    team = Team.objects.get()
    client.post(reverse("core:team_rename", args=[team.pk]), {"name": "Inside sales"})

    assert list(Team.objects.values_list("name", flat=True)) == ["Inside sales"]
    response = client.get(reverse("core:team_list"))
    assert [(t.name, t.member_count) for t in response.context["teams"]] == [("Inside sales", 0)]
