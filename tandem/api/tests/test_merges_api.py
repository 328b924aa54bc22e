"""/api/v1/{contacts,companies}/duplicates, …/merge and /merges/{id}/undo: pairs, merges and undo through the
services, with the token's scopes and its user's rights."""

import pytest
from django.core.cache import cache

from tandem.api import services as token_services
from tandem.api.models import ApiScope
from tandem.contacts.models import Company, Contact, MergeRecord
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def isolated():
    cache.clear()  # rate-limit counters outlive the test's transaction
    yield
    cache.clear()


def token_for(user, scopes=None) -> dict:
    _token, plain = token_services.create_token(
        actor=user, name="test", scopes=scopes or list(ApiScope.values)
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def state(record) -> tuple:
    record.refresh_from_db()
    if isinstance(record, Contact):
        return (record.first_name, record.phone, record.job_title, record.deleted_at)
    return (record.name, record.industry, record.deleted_at)


def merge(client, headers, survivor, other, choices=None, plural="contacts"):
    return client.post(
        f"/api/v1/{plural}/merge",
        {"survivor_id": survivor.pk, "other_id": other.pk, "choices": choices or {}},
        content_type="application/json",
        **headers,
    )


def test_duplicate_pairs_by_phone_page_with_a_cursor(client):
    # Given 26 groups of two contacts sharing a phone (a page holds 25 groups), and a contact alone
    admin = UserFactory(role=Role.ADMIN)
    headers = token_for(admin, scopes=["contacts:read"])
    groups = [
        (ContactFactory(phone=f"+4930{number:04d}"), ContactFactory(phone=f"+4930{number:04d}"))
        for number in range(26)
    ]
    ContactFactory(phone="+4930999999")

    first_page = client.get("/api/v1/contacts/duplicates?reason=phone", **headers).json()
    second_page = client.get(
        f"/api/v1/contacts/duplicates?reason=phone&cursor={first_page['next_cursor']}", **headers
    ).json()

    pairs = [(pair["first"]["id"], pair["second"]["id"]) for pair in first_page["results"]]
    assert pairs == [(first.pk, second.pk) for first, second in groups[:25]]
    assert first_page["results"][0] == {
        "reason": "phone",
        "first": {"id": groups[0][0].pk, "name": str(groups[0][0])},
        "second": {"id": groups[0][1].pk, "name": str(groups[0][1])},
    }
    assert [(pair["first"]["id"], pair["second"]["id"]) for pair in second_page["results"]] == [
        (groups[25][0].pk, groups[25][1].pk)
    ]
    assert second_page["next_cursor"] is None


def test_a_forged_cursor_or_unknown_reason_is_a_bad_request(client):
    headers = token_for(UserFactory(role=Role.ADMIN))

    forged = client.get("/api/v1/contacts/duplicates?reason=phone&cursor=eyJ2IjpbMV19", **headers)
    unknown = client.get("/api/v1/contacts/duplicates?reason=email", **headers)

    assert (forged.status_code, forged.json()["error"]["code"]) == (400, "bad_request")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (400, "validation_error")


def test_duplicate_companies_by_name(client):
    headers = token_for(UserFactory(role=Role.ADMIN), scopes=["companies:read"])
    first, second = CompanyFactory(name="Acme"), CompanyFactory(name="ACME")
    CompanyFactory(name="Other")

    body = client.get("/api/v1/companies/duplicates?reason=name", **headers).json()

    assert [(pair["first"]["id"], pair["second"]["id"]) for pair in body["results"]] == [
        (first.pk, second.pk)
    ]


def test_merge_then_undo_contacts(client):
    # Given two contacts of the same person
    admin = UserFactory(role=Role.ADMIN)
    headers = token_for(admin, scopes=["contacts:write"])
    survivor = ContactFactory(first_name="Ada", phone="", job_title="CTO")
    other = ContactFactory(first_name="Ada L.", phone="+49301234", job_title="Engineer")

    # When they are merged, keeping the other's first name
    response = merge(client, headers, survivor, other, {"first_name": "other"})

    # Then the survivor has the chosen and the filled values, and the other is in the trash
    record = MergeRecord.objects.get()
    body = response.json()
    assert response.status_code == 201
    assert (body["id"], body["object_type"], body["survivor_id"], body["other_id"], body["undone_at"]) == (
        record.pk,
        "contact",
        survivor.pk,
        other.pk,
        None,
    )
    assert body["choices"]["first_name"] == "other"
    assert body["choices"]["phone"] == "other"  # the survivor had none
    assert state(survivor)[:3] == ("Ada L.", "+49301234", "CTO")
    assert state(other)[3] is not None

    # When the merge is undone
    undone = client.post(f"/api/v1/merges/{record.pk}/undo", **headers)

    # Then both are back as they were
    assert undone.status_code == 200
    assert undone.json()["undone_at"] is not None
    assert state(survivor) == ("Ada", "", "CTO", None)
    assert state(other) == ("Ada L.", "+49301234", "Engineer", None)


def test_merge_and_undo_companies_need_companies_write(client):
    admin = UserFactory(role=Role.ADMIN)
    survivor = CompanyFactory(name="Acme", industry="")
    other = CompanyFactory(name="Acme GmbH", industry="Software")

    refused = merge(client, token_for(admin, scopes=["contacts:write"]), survivor, other, plural="companies")
    assert refused.status_code == 403
    assert MergeRecord.objects.count() == 0

    merged = merge(client, token_for(admin, scopes=["companies:write"]), survivor, other, plural="companies")
    record_id = merged.json()["id"]
    assert merged.status_code == 201
    assert state(survivor) == ("Acme", "Software", None)

    undo_refused = client.post(
        f"/api/v1/merges/{record_id}/undo", **token_for(admin, scopes=["contacts:write"])
    )
    assert (undo_refused.status_code, undo_refused.json()["error"]["message"]) == (
        403,
        "This token does not have the companies:write scope.",
    )
    assert Company.objects.get(pk=other.pk).deleted_at is not None

    undone = client.post(f"/api/v1/merges/{record_id}/undo", **token_for(admin, scopes=["companies:write"]))
    assert undone.status_code == 200
    assert (state(survivor), state(other)) == (("Acme", "", None), ("Acme GmbH", "Software", None))


def test_a_merge_the_user_may_not_make_changes_nothing(client):
    # Given a sales user of another team (may change, but not delete, contacts they do not own)
    survivor = ContactFactory(first_name="Ada")
    other = ContactFactory(first_name="Bob", phone="+49301234")
    sales = UserFactory(role=Role.SALES, team=TeamFactory(name="Elsewhere"))
    before = (state(survivor), state(other))

    response = merge(client, token_for(sales), survivor, other, {"first_name": "other"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert (state(survivor), state(other)) == before
    assert MergeRecord.objects.count() == 0


def test_a_token_without_contacts_write_cannot_merge_or_undo(client):
    admin = UserFactory(role=Role.ADMIN)
    survivor, other = ContactFactory(first_name="Ada"), ContactFactory(first_name="Bob")
    read_only_token = token_for(admin, scopes=["contacts:read"])

    refused = merge(client, read_only_token, survivor, other)
    assert refused.status_code == 403
    assert MergeRecord.objects.count() == 0

    record_id = merge(client, token_for(admin), survivor, other).json()["id"]
    undo_refused = client.post(f"/api/v1/merges/{record_id}/undo", **read_only_token)
    assert undo_refused.status_code == 403
    assert MergeRecord.objects.get().undone_at is None
    assert state(other)[3] is not None


def test_an_undo_the_user_may_not_make_changes_nothing(client):
    admin = UserFactory(role=Role.ADMIN)
    survivor, other = ContactFactory(first_name="Ada"), ContactFactory(first_name="Bob")
    record_id = merge(client, token_for(admin), survivor, other, {"first_name": "other"}).json()["id"]
    sales = UserFactory(role=Role.SALES, team=TeamFactory(name="Elsewhere"))

    response = client.post(f"/api/v1/merges/{record_id}/undo", **token_for(sales))

    assert response.status_code == 403
    assert MergeRecord.objects.get().undone_at is None
    assert (state(survivor)[0], state(other)[3] is not None) == ("Bob", True)


@pytest.mark.parametrize(
    ("choices", "status", "fields"),
    [
        ({"score": "other"}, 400, {"score": "“score” cannot be chosen in a merge."}),
        ({"first_name": "both"}, 400, {"choices.first_name": "Input should be 'survivor' or 'other'"}),
    ],
)
def test_invalid_choices_are_refused_and_change_nothing(client, choices, status, fields):
    admin = UserFactory(role=Role.ADMIN)
    survivor, other = ContactFactory(first_name="Ada"), ContactFactory(first_name="Bob")
    before = (state(survivor), state(other))

    response = merge(client, token_for(admin), survivor, other, choices)

    assert response.status_code == status
    assert response.json()["error"]["fields"] == fields
    assert (state(survivor), state(other)) == before
    assert MergeRecord.objects.count() == 0


def test_merging_a_record_with_itself_or_an_unseen_one_is_refused(client):
    admin = UserFactory(role=Role.ADMIN)
    contact = ContactFactory()
    headers = token_for(admin)

    itself = merge(client, headers, contact, contact)
    missing = client.post(
        "/api/v1/contacts/merge",
        {"survivor_id": contact.pk, "other_id": contact.pk + 1000},
        content_type="application/json",
        **headers,
    )
    no_merge = client.post("/api/v1/merges/999999/undo", **headers)

    assert (itself.status_code, itself.json()["error"]["message"]) == (
        400,
        "Choose two different records to merge.",
    )
    assert (missing.status_code, no_merge.status_code) == (404, 404)
    assert MergeRecord.objects.count() == 0
