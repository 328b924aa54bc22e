"""The app shell: the sidebar and the New menu show only what exists and what the user may open."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import resolve, reverse

from tandem.core.models import Role, User


def page_for(client, role: str) -> str:
    user = User.objects.create_user(f"{role}@example.com", "a long enough passphrase 42", role=role)
    client.force_login(user)
    return client.get(reverse("core:home")).content.decode()


@pytest.mark.django_db
def test_admin_sees_the_settings_pages_and_the_new_menu(client):
    page = page_for(client, Role.ADMIN)

    assert f'href="{reverse("core:user_list")}"' in page
    assert f'href="{reverse("core:audit_log")}"' in page
    assert f'href="{reverse("mfa_index")}"' in page
    assert f'href="{reverse("contacts:contact_create")}"' in page


@pytest.mark.django_db
def test_read_only_user_sees_no_admin_pages_and_no_new_menu(client):
    page = page_for(client, Role.READ_ONLY)

    assert f'href="{reverse("core:user_list")}"' not in page
    assert f'href="{reverse("core:audit_log")}"' not in page
    assert f'href="{reverse("contacts:contact_create")}"' not in page
    assert f'href="{reverse("contacts:contact_list")}"' in page


def test_url_or_empty_hides_pages_that_do_not_exist_yet():
    template = Template(
        "{% load tandem_shell %}[{% url_or_empty 'nowhere:page' %}][{% url_or_empty 'core:home' %}]"
    )

    assert template.render(Context({})) == "[][/]"


@pytest.mark.parametrize(
    ("value", "total", "expected"),
    [(0, 0, "w0"), (0, 10, "w0"), (1, 1000, "w5"), (9, 17, "w55"), (17, 17, "w100"), ("x", 3, "w0")],
)
def test_percent_class_rounds_to_steps_of_five(value, total, expected):
    template = Template("{% load tandem_shell %}{{ value|percent_class:total }}")

    assert template.render(Context({"value": value, "total": total})) == expected


@pytest.mark.django_db
def test_current_if_marks_the_current_section():
    request = RequestFactory().get(reverse("core:user_list"))
    request.resolver_match = resolve(reverse("core:user_list"))
    template = Template(
        "{% load tandem_shell %}<a {% current_if 'core:user' %}></a><a {% current_if 'core:audit' %}></a>"
    )

    assert template.render(Context({"request": request})) == '<a aria-current="page"></a><a ></a>'


@pytest.mark.django_db
def test_login_lands_on_home_at_the_root_which_is_the_dashboard(client):
    User.objects.create_user("ana@example.com", "a long enough passphrase 42", role=Role.SALES)

    response = client.post(
        reverse("account_login"), {"login": "ana@example.com", "password": "a long enough passphrase 42"}
    )
    home = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert home.status_code == 200
    assert "Funnel by lifecycle stage" in home.content.decode()
    assert client.get("/insights/")["Location"] == "/"


@pytest.mark.django_db
def test_the_sidebar_links_exports_for_whoever_sees_a_list(client):
    page = page_for(client, Role.READ_ONLY)

    assert f'href="{reverse("exports:export_list")}"' in page
    assert 'data-nav="home"' in page and 'aria-current="page" data-nav="home"' in page


@pytest.fixture
def hub_navigation():
    """A hub's section and entries, removed again after the test."""
    from tandem.core import navigation

    navigation.register_section("test_hub", "Test hub", order=50)
    navigation.register_section("test_empty_hub", "Empty hub", order=51)
    navigation.register(
        navigation.NavEntry(
            key="test_visible",
            label="Visible page",
            url_name="core:team_list",
            section="test_hub",
            icon="book",
            order=1,
            current=("core:team",),
        )
    )
    navigation.register(
        navigation.NavEntry(
            key="test_refused",
            label="Refused page",
            url_name="core:audit_log",
            section="test_hub",
            icon="book",
            order=2,
            allowed=lambda user: False,
        )
    )
    navigation.register(
        navigation.NavEntry(
            key="test_missing",
            label="Missing page",
            url_name="nowhere:page",
            section="test_empty_hub",
            icon="book",
            order=1,
        )
    )
    yield navigation
    for key in ("test_visible", "test_refused", "test_missing"):
        navigation._entries.pop(key)
    for key in ("test_hub", "test_empty_hub"):
        navigation._sections.pop(key)


@pytest.mark.django_db
def test_apps_contribute_navigation_and_empty_sections_are_not_shown(client, hub_navigation):
    user = User.objects.create_user("admin@example.com", "a long enough passphrase 42", role=Role.ADMIN)
    client.force_login(user)

    page = client.get(reverse("core:team_list")).content.decode()
    sections = hub_navigation.sections_for(user, "core:team_list")

    # The installed hubs' own sections (sales) stand between; the test hub's is found by its key.
    keys = [section.key for section in sections]
    assert [key for key in keys if key in ("main", "crm", "test_hub", "settings")] == [
        "main",
        "crm",
        "test_hub",
        "settings",
    ]
    test_hub = sections[keys.index("test_hub")]
    assert [entry.key for entry in test_hub.entries] == ["test_visible"]
    assert test_hub.entries[0].current is True
    assert ">Test hub</p>" in page
    assert "Visible page" in page
    assert "Refused page" not in page
    assert "Empty hub" not in page and "Missing page" not in page


@pytest.mark.django_db
def test_the_export_page_tells_htmx_its_own_address(client):
    page_for(client, Role.SALES)

    response = client.get(
        reverse("exports:contact_export_create") + "?stage=customer", headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response["HX-Push-Url"] == "/exports/contacts/new/?stage=customer"
