"""When a user's team changes, the contacts and companies they own follow them (core -> event -> contacts)."""

import pytest

from tandem.contacts.handlers import move_owned_records_to_team
from tandem.contacts.models import Company, Contact
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core import events, services
from tandem.core.models import Event, Role


@pytest.mark.django_db
def test_changing_a_users_team_moves_their_records_through_the_event(django_capture_on_commit_callbacks):
    given_old, given_new = TeamFactory(name="Old"), TeamFactory(name="New")
    given_admin = UserFactory(role=Role.ADMIN, team=None)
    given_user = UserFactory(role=Role.SALES, team=given_old)
    someone_else = UserFactory(role=Role.SALES, team=given_old)
    owned_contacts = ContactFactory.create_batch(2, owner=given_user)
    owned_company = CompanyFactory(owner=given_user)
    trashed = ContactFactory(owner=given_user, deleted_at="2026-01-01T00:00Z")
    other_contact = ContactFactory(owner=someone_else)

    with django_capture_on_commit_callbacks() as after_commit:
        services.change_user_access(actor=given_admin, user=given_user, role=Role.SALES, team=given_new)
    # The worker's job, run here directly: deliver the outbox through config/subscriptions.py.
    delivered = events.deliver_pending()

    assert (len(after_commit), delivered) == (1, 1)

    assert sorted(Contact.objects.filter(team=given_new).values_list("pk", flat=True)) == sorted(
        [owned_contacts[0].pk, owned_contacts[1].pk, trashed.pk]
    )
    assert list(Company.objects.filter(team=given_new).values_list("pk", flat=True)) == [owned_company.pk]
    assert Contact.objects.get(pk=other_contact.pk).team_id == given_old.pk
    assert Event.objects.get().processed_at is not None


@pytest.mark.django_db
def test_handler_is_idempotent_and_follows_the_users_current_team():
    given_team = TeamFactory(name="Now")
    given_user = UserFactory(role=Role.SALES, team=given_team)
    contact = ContactFactory(owner=given_user, team=None)
    company = CompanyFactory(owner=given_user, team=None)

    move_owned_records_to_team(user_id=given_user.pk, team_id=999)  # a stale payload
    move_owned_records_to_team(user_id=given_user.pk, team_id=999)  # re-delivered

    contact.refresh_from_db()
    company.refresh_from_db()
    assert (contact.team_id, company.team_id) == (given_team.pk, given_team.pk)


@pytest.mark.django_db
def test_handler_moves_records_to_no_team_when_the_user_leaves_every_team():
    given_user = UserFactory(role=Role.SALES, team=None)
    contact = ContactFactory(owner=given_user, team=TeamFactory(name="Left"))

    move_owned_records_to_team(user_id=given_user.pk, team_id=None)

    contact.refresh_from_db()
    assert contact.team_id is None
