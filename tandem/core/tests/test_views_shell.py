"""The app shell: the sidebar and the New menu show only what exists and what the user may open."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import resolve, reverse

from tandem.core.models import Role, User


def page_for(client, role: str) -> str:
    user = User.objects.create_user(f"{role}@example.com", "a long enough passphrase 42", role=role)
    client.force_login(user)
    return client.get(reverse("insights:home")).content.decode()


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
