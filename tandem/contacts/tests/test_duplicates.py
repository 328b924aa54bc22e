"""Finding likely duplicates per reason, scoped to what the user may see, and the duplicates and merge pages."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.contacts import duplicates
from tandem.contacts.models import Activity, ActivityKind, Contact, DismissedDuplicate, MergeRecord
from tandem.contacts.services.merge import dismiss_duplicate, merge_contacts, row_snapshot
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Role

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMIN)


def pairs(user, object_type: str, reason: str) -> list[tuple[int, int]]:
    _, groups = duplicates.duplicate_groups(user, object_type, reason)
    return [(first.pk, second.pk) for group in groups for first, second in group.pairs]


def test_same_phone_pairs_live_contacts_in_id_order(admin):
    first = ContactFactory(phone="+4930111")
    second = ContactFactory(phone="+4930111")
    ContactFactory(phone="+4930222")
    ContactFactory(phone="")
    ContactFactory(phone="")
    ContactFactory(phone="+4930111", deleted_at=timezone.now())

    assert pairs(admin, "contact", "phone") == [(first.pk, second.pk)]


def test_same_name_at_the_same_email_domain_ignores_case_and_free_mail(admin):
    ann = ContactFactory(first_name="Ann", last_name="Lee", email="ann@acme.example")
    ann_again = ContactFactory(first_name="ANN", last_name="lee", email="a.lee@acme.example")
    ContactFactory(first_name="Ann", last_name="Lee", email="ann@other.example")
    ContactFactory(first_name="Bob", last_name="Roe", email="bob@gmail.com")
    ContactFactory(first_name="Bob", last_name="Roe", email="bobby@gmail.com")

    assert pairs(admin, "contact", "name_domain") == [(ann.pk, ann_again.pk)]


def test_same_name_at_the_same_company(admin):
    acme = CompanyFactory()
    first = ContactFactory(first_name="Ann", last_name="Lee", email="ann@home.example", company=acme)
    second = ContactFactory(first_name="Ann", last_name="Lee", email="ann@work.example", company=acme)
    ContactFactory(first_name="Ann", last_name="Lee", email="ann@else.example", company=CompanyFactory())
    ContactFactory(first_name="Ann", last_name="Lee", email="ann@none.example", company=None)

    assert pairs(admin, "contact", "name_company") == [(first.pk, second.pk)]


def test_companies_with_the_same_name_or_phone(admin):
    acme = CompanyFactory(name="Acme", phone="+4930999")
    acme_again = CompanyFactory(name="ACME", phone="")
    other = CompanyFactory(name="Other", phone="+4930999")

    assert pairs(admin, "company", "name") == [(acme.pk, acme_again.pk)]
    assert pairs(admin, "company", "phone") == [(acme.pk, other.pk)]


def test_a_group_of_three_gives_every_pair_and_its_size(admin):
    ids = [ContactFactory(phone="+4930333").pk for _ in range(3)]

    _, groups = duplicates.duplicate_groups(admin, "contact", "phone")

    assert [(group.key, group.size) for group in groups] == [(("+4930333",), 3)]
    assert pairs(admin, "contact", "phone") == [(ids[0], ids[1]), (ids[0], ids[2]), (ids[1], ids[2])]


def test_groups_are_paged_by_keyset(admin):
    for number in range(5):
        ContactFactory(phone=f"+49301{number}")
        ContactFactory(phone=f"+49301{number}")

    page, groups = duplicates.duplicate_groups(admin, "contact", "phone", limit=2)
    second_page, second_groups = duplicates.duplicate_groups(
        admin, "contact", "phone", cursor=page.next_cursor, limit=2
    )
    last_page, last_groups = duplicates.duplicate_groups(
        admin, "contact", "phone", cursor=second_page.next_cursor, limit=2
    )

    assert [group.key for group in groups + second_groups + last_groups] == [
        (f"+49301{number}",) for number in range(5)
    ]
    assert last_page.next_cursor is None


def test_a_user_sees_no_pair_involving_a_record_they_cannot_see():
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    reader = UserFactory(role=Role.READ_ONLY, team=north)
    colleague = UserFactory(role=Role.SALES, team=north)
    stranger = UserFactory(role=Role.SALES, team=south)
    mine = ContactFactory(phone="+4930444", owner=colleague)
    ContactFactory(phone="+4930444", owner=stranger)
    first_seen = ContactFactory(phone="+4930555", owner=colleague)
    second_seen = ContactFactory(phone="+4930555", owner=colleague)

    assert pairs(reader, "contact", "phone") == [(first_seen.pk, second_seen.pk)]
    assert mine.pk not in {pk for pair in pairs(reader, "contact", "phone") for pk in pair}


def test_dismissed_pairs_do_not_come_back(admin):
    first = ContactFactory(phone="+4930666")
    second = ContactFactory(phone="+4930666")
    a, b, c = (ContactFactory(phone="+4930777") for _ in range(3))

    dismiss_duplicate(actor=admin, object_type="contact", first=second, second=first)
    dismiss_duplicate(actor=admin, object_type="contact", first=a, second=b)
    dismiss_duplicate(actor=admin, object_type="contact", first=a, second=b)

    assert list(DismissedDuplicate.objects.values_list("first_id", "second_id")) == [
        (first.pk, second.pk),
        (a.pk, b.pk),
    ]
    assert pairs(admin, "contact", "phone") == [(a.pk, c.pk), (b.pk, c.pk)]


def test_the_duplicates_page_escapes_names_and_offers_merge_and_dismiss(client, admin):
    first = ContactFactory(first_name=XSS, last_name="Lee", phone="+4930888")
    second = ContactFactory(first_name="Ann", last_name=XSS, phone="+4930888")
    client.force_login(admin)

    response = client.get("/contacts/duplicates/?reason=phone")

    html = response.content.decode()
    assert response.status_code == 200
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert f"/contacts/merge/?survivor={first.pk}&amp;other={second.pk}" in html
    assert html.count("Not a duplicate") == 1
    assert '<input type="hidden" name="query" value="reason=phone">' in html


def test_the_duplicates_page_reads_a_fixed_number_of_queries(client, admin):
    client.force_login(admin)
    for number in range(3):
        ContactFactory(phone=f"+49302{number}", company=CompanyFactory(), owner=admin)
        ContactFactory(phone=f"+49302{number}", owner=admin)
    with CaptureQueriesContext(connection) as few:
        client.get("/contacts/duplicates/")
    for number in range(3, 12):
        ContactFactory(phone=f"+49302{number}", company=CompanyFactory(), owner=admin)
        ContactFactory(phone=f"+49302{number}", owner=admin)

    with CaptureQueriesContext(connection) as many:
        response = client.get("/contacts/duplicates/")

    assert response.content.decode().count("Review &amp; merge") == 12
    assert len(many.captured_queries) == len(few.captured_queries)


def test_dismiss_through_the_page(client, admin):
    first = ContactFactory(phone="+4930999")
    second = ContactFactory(phone="+4930999")
    client.force_login(admin)

    response = client.post(
        "/contacts/duplicates/dismiss/", {"first": first.pk, "second": second.pk, "query": "reason=phone"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/contacts/duplicates/?reason=phone"
    assert "Not a duplicate" not in client.get("/contacts/duplicates/?reason=phone").content.decode()


def test_read_only_user_cannot_dismiss(client):
    team = TeamFactory(name="North")
    reader = UserFactory(role=Role.READ_ONLY, team=team)
    first = ContactFactory(phone="+4930999", owner=reader)
    second = ContactFactory(phone="+4930999", owner=reader)
    client.force_login(reader)

    response = client.post("/contacts/duplicates/dismiss/", {"first": first.pk, "second": second.pk})

    assert response.status_code == 403
    assert DismissedDuplicate.objects.count() == 0


def test_merge_page_shows_both_side_by_side_and_merges_the_choices(client, admin):
    survivor = ContactFactory(first_name="Ann", last_name="Lee", job_title="", phone="+4930123", owner=admin)
    other = ContactFactory(first_name="Anne", last_name="Lee", job_title="CTO", phone="+4930123", owner=admin)
    client.force_login(admin)

    page = client.get(f"/contacts/merge/?survivor={survivor.pk}&other={other.pk}").content.decode()
    response = client.post(
        "/contacts/merge/",
        {
            "survivor": survivor.pk,
            "other": other.pk,
            "choice.first_name": "other",
            "choice.job_title": "other",
        },
    )

    assert re.search(r'name="choice.first_name" value="survivor" checked> <bdi>Ann</bdi><', page)
    assert re.search(r'name="choice.job_title" value="other" checked> <bdi>CTO</bdi><', page)
    assert '<bdi>+4930123</bdi> <span class="muted">(same in both)</span>' in page
    assert "Lead status" not in page  # empty on both sides: nothing to choose
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{survivor.pk}/"
    survivor.refresh_from_db()
    assert (survivor.first_name, survivor.job_title) == ("Anne", "CTO")
    assert Contact.objects.get(pk=other.pk).deleted_at is not None
    detail = client.get(f"/contacts/{survivor.pk}/").content.decode()
    assert "Undo merge" in detail
    assert "Merged in <strong><bdi>Anne Lee</bdi></strong>" in detail


def test_merge_by_a_user_without_delete_rights_is_forbidden_and_changes_nothing(client):
    team = TeamFactory(name="North")
    service = UserFactory(role=Role.SERVICE, team=team)  # may change its team's contacts, never delete
    survivor = ContactFactory(first_name="Ann", owner=service)
    other = ContactFactory(first_name="Anne", owner=service)
    before = (row_snapshot(survivor), row_snapshot(other))
    client.force_login(service)

    page = client.get(f"/contacts/merge/?survivor={survivor.pk}&other={other.pk}").content.decode()
    response = client.post(
        "/contacts/merge/", {"survivor": survivor.pk, "other": other.pk, "choice.first_name": "other"}
    )

    assert "You may not merge these two" in page
    assert response.status_code == 403
    survivor.refresh_from_db()
    other.refresh_from_db()
    assert (row_snapshot(survivor), row_snapshot(other)) == before
    assert MergeRecord.objects.count() == 0


def test_merge_page_of_a_record_the_user_cannot_see_is_not_found(client):
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    reader = UserFactory(role=Role.READ_ONLY, team=north)
    mine = ContactFactory(owner=UserFactory(role=Role.SALES, team=north))
    hidden = ContactFactory(owner=UserFactory(role=Role.SALES, team=south))
    client.force_login(reader)

    response = client.get(f"/contacts/merge/?survivor={mine.pk}&other={hidden.pk}")

    assert response.status_code == 404


def test_undo_from_the_survivors_page(client, admin):
    survivor = ContactFactory(first_name="Ann", owner=admin)
    other = ContactFactory(first_name="Anne", owner=admin, email="anne@acme.example")
    record = merge_contacts(actor=admin, survivor=survivor, other=other, choices={})
    ContactFactory(email="anne@acme.example")
    client.force_login(admin)

    refused = client.post(f"/contacts/merges/{record.pk}/undo/", follow=True)
    Contact.objects.filter(email="anne@acme.example", deleted_at__isnull=True).delete()
    response = client.post(f"/contacts/merges/{record.pk}/undo/")

    assert "Another contact now uses the email address anne@acme.example" in refused.content.decode()
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{survivor.pk}/"
    assert Contact.objects.get(pk=other.pk).deleted_at is None
    assert Activity.objects.filter(contact=survivor, kind=ActivityKind.MERGE_UNDONE).count() == 1
    assert "Undo merge" not in client.get(f"/contacts/{survivor.pk}/").content.decode()


def test_company_duplicates_page_and_merge(client, admin):
    acme = CompanyFactory(name="Acme", owner=admin)
    acme_again = CompanyFactory(name="acme", owner=admin)
    client.force_login(admin)

    listing = client.get("/companies/duplicates/?reason=name").content.decode()
    response = client.post("/companies/merge/", {"survivor": acme.pk, "other": acme_again.pk})

    assert f"/companies/merge/?survivor={acme.pk}&amp;other={acme_again.pk}" in listing
    assert response["Location"] == f"/companies/{acme.pk}/"
    assert "Undo merge" in client.get(f"/companies/{acme.pk}/").content.decode()


def test_list_pages_link_to_duplicates(client, admin):
    client.force_login(admin)

    assert 'href="/contacts/duplicates/">Duplicates</a>' in client.get("/contacts/").content.decode()
    assert 'href="/companies/duplicates/">Duplicates</a>' in client.get("/companies/").content.decode()


def test_a_forged_cursor_shows_the_first_page(client, admin):
    ContactFactory(phone="+4930100")
    ContactFactory(phone="+4930100")
    client.force_login(admin)

    response = client.get("/contacts/duplicates/?reason=phone&cursor=bm9wZQ")

    assert response.status_code == 200
    assert "This page link is no longer valid. Showing the first page." in response.content.decode()
    assert response.content.decode().count("Review &amp; merge") == 1


def test_merge_page_panel_and_timeline_escape_names(client, admin):
    survivor = ContactFactory(first_name="Ann", last_name="Lee", owner=admin)
    other = ContactFactory(first_name=XSS, last_name="Lee", job_title="CTO", owner=admin)
    client.force_login(admin)

    page = client.get(f"/contacts/merge/?survivor={survivor.pk}&other={other.pk}").content.decode()
    merge_contacts(actor=admin, survivor=survivor, other=other, choices={"job_title": "other"})
    detail = client.get(f"/contacts/{survivor.pk}/").content.decode()

    for html in (page, detail):
        assert XSS not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # The name in the timeline heading is user text: escaped and isolated (a right-to-left name cannot reorder it).
    assert "Merged with <bdi>&lt;script&gt;alert(1)&lt;/script&gt; Lee</bdi>" in detail
