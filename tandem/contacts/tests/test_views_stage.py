"""Quick stage change on the contact page: forward in one step, backward only after a confirmation."""

import pytest

from tandem.contacts import services
from tandem.contacts.models import Contact, StageChange
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role, Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMIN, team=Team.objects.create(name="North"))


@pytest.fixture
def contact(admin):
    return services.create_contact(actor=admin, values={"first_name": "Sam", "last_name": "Stage"})


def test_the_contact_page_offers_the_stages_and_marks_the_backward_ones(client, admin, contact):
    services.update_contact(actor=admin, contact=contact, values={"lifecycle_stage": "mql"})
    client.force_login(admin)

    content = client.get(f"/contacts/{contact.pk}/").content.decode()

    assert f'action="/contacts/{contact.pk}/stage/"' in content
    assert '<option value="lead" data-backwards>Lead</option>' in content
    assert '<option value="mql" selected>Marketing qualified lead</option>' in content
    assert '<option value="sql">Sales qualified lead</option>' in content


def test_a_forward_move_happens_at_once(client, admin, contact):
    client.force_login(admin)

    response = client.post(f"/contacts/{contact.pk}/stage/", {"lifecycle_stage": "sql"}, follow=True)

    contact.refresh_from_db()
    assert contact.lifecycle_stage == "sql"
    assert "Sam Stage is now at Sales qualified lead." in response.content.decode()
    assert list(StageChange.objects.filter(contact=contact).values_list("from_stage", "to_stage")) == [
        ("", "lead"),
        ("lead", "sql"),
    ]


def test_a_backward_move_asks_first_and_happens_only_when_confirmed(client, admin, contact):
    services.update_contact(actor=admin, contact=contact, values={"lifecycle_stage": "customer"})
    client.force_login(admin)

    asked = client.post(f"/contacts/{contact.pk}/stage/", {"lifecycle_stage": "lead"})
    contact.refresh_from_db()
    stage_after_asking = contact.lifecycle_stage
    confirmed = client.post(f"/contacts/{contact.pk}/stage/", {"lifecycle_stage": "lead", "confirmed": "1"})

    contact.refresh_from_db()
    assert asked.status_code == 200
    assert "Move Sam Stage back to Lead?" in asked.content.decode()
    assert stage_after_asking == "customer"
    assert confirmed["Location"] == f"/contacts/{contact.pk}/"
    assert contact.lifecycle_stage == "lead"


def test_a_bad_stage_or_a_reader_changes_nothing(client, admin, contact):
    reader = UserFactory(role=Role.READ_ONLY, team=admin.team)
    client.force_login(admin)
    bad = client.post(f"/contacts/{contact.pk}/stage/", {"lifecycle_stage": "wizard"}, follow=True)
    client.force_login(reader)
    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    denied = client.post(f"/contacts/{contact.pk}/stage/", {"lifecycle_stage": "customer"})

    assert "Choose one of the lifecycle stages." in bad.content.decode()
    assert "Change stage" not in page
    assert denied.status_code == 403
    assert Contact.objects.get().lifecycle_stage == "lead"
