"""User text with a right-to-left override (U+202E) is isolated on the shell's pages: the topbar, users,
teams and the audit log, and the flash messages that name it."""

import pytest
from django.urls import reverse

from tandem.core import services
from tandem.core.models import Role, Team, User
from tandem.core.testing import unisolated_bidi_text

RLO = "\u202e"
PASSWORD = "a long enough passphrase 42"


def test_the_checker_finds_unisolated_text_and_accepts_isolated_text():
    assert unisolated_bidi_text(f"<td>{RLO}gpj.exe</td>") == ["<td> '\\u202egpj.exe'"]
    assert unisolated_bidi_text(f"<td><bdi>{RLO}gpj.exe</bdi></td><title>{RLO}x</title>") == []


@pytest.mark.django_db
def test_names_with_a_bidi_override_are_isolated_on_the_shell_pages(client):
    admin = User.objects.create_user(
        "admin@example.com", PASSWORD, role=Role.ADMIN, first_name=f"Ada{RLO}", last_name="Admin"
    )
    client.force_login(admin)
    team = Team.objects.create(name=f"Sales {RLO}tseW")
    person = services.create_user(
        actor=admin, email="bob@example.com", role=Role.SALES, password=PASSWORD, first_name=f"{RLO}boB"
    )
    services.change_user_access(actor=admin, user=person, role=Role.SERVICE, team=team)

    pages = {
        name: client.get(url).content.decode()
        for name, url in [
            ("home", reverse("core:home")),
            ("users", reverse("core:user_list")),
            ("user", reverse("core:user_edit", args=[person.pk])),
            ("teams", reverse("core:team_list")),
            ("audit", reverse("core:audit_log")),
        ]
    }
    renamed = client.post(
        reverse("core:team_rename", args=[team.pk]), {"name": f"East {RLO}tsaE"}, follow=True
    )

    assert {name: unisolated_bidi_text(page) for name, page in pages.items()} == {name: [] for name in pages}
    assert f"Team renamed to “<bdi>East {RLO}tsaE</bdi>”." in renamed.content.decode()
    assert unisolated_bidi_text(renamed.content.decode()) == []
