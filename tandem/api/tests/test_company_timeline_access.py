"""GET /api/v1/companies/{id}/activities shows only touches of contacts the reader may see (issue 7)."""

import pytest

from tandem.api.tests.conftest import bearer, make_token
from tandem.contacts.tests.test_timeline_access import timeline_scene  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def test_company_activities_api_leaves_out_contacts_the_reader_may_not_see(client, timeline_scene):  # noqa: F811
    token = make_token(timeline_scene["reader"], ["activities:read"])

    response = client.get(f"/api/v1/companies/{timeline_scene['company'].pk}/activities", **bearer(token))

    assert response.status_code == 200
    assert [(row["kind"], row["body"]) for row in response.json()["results"]] == [
        ("note", "Sue: renewal in May"),
        ("note", "Company note"),
    ]
