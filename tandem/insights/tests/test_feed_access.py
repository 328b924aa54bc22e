"""The home feed is an aggregated timeline too: a note on a contact the reader may not see stays hidden even
when it also names a company the reader sees (issue 7, "every aggregated timeline")."""

import pytest

from tandem.contacts import services
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Role
from tandem.insights import selectors


@pytest.mark.django_db
def test_the_feed_leaves_out_touches_of_hidden_contacts_at_a_visible_company():
    south, north = TeamFactory(name="South"), TeamFactory(name="North")
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN, team=north)
    south_owner = UserFactory(email="sam@example.com", role=Role.SALES, team=south)
    north_owner = UserFactory(email="nina@example.com", role=Role.SALES, team=north)
    reader = UserFactory(email="reader@example.com", role=Role.READ_ONLY, team=south)
    company = CompanyFactory(name="Acme", owner=south_owner)
    seen = ContactFactory(owner=south_owner, company=company)
    hidden = ContactFactory(owner=north_owner, company=company)
    services.add_note(actor=admin, body="Company note", company=company)
    services.add_note(actor=admin, body="Sue: renewal in May", contact=seen)
    services.add_note(actor=admin, body="Ned: secret discount", contact=hidden)

    rows = selectors.recent_activity(reader)

    assert [row.body for row in rows] == ["Sue: renewal in May", "Company note"]
