"""The duplicates and merge pages in words a person can act on: which record stayed, no invitation to merge for
someone who may not, phones formatted, names isolated."""

import pytest

from tandem.contacts.models import Contact
from tandem.contacts.tests.factories import ContactFactory, UserFactory
from tandem.core.models import Role
from tandem.core.testing import unisolated_bidi_text

pytestmark = pytest.mark.django_db

RLO = "\u202e"


def test_the_merge_message_says_which_of_two_namesakes_stayed(client):
    admin = UserFactory(role=Role.ADMIN)
    kept = ContactFactory(first_name="Ana", last_name="Lee", email="ana@northwind.example")
    merged = ContactFactory(first_name="Ana", last_name="Lee", email="ana.lee@gmail.example")
    client.force_login(admin)

    response = client.post("/contacts/merge/", {"survivor": kept.pk, "other": merged.pk}, follow=True)
    page = response.content.decode()

    assert response.redirect_chain[-1][0] == f"/contacts/{kept.pk}/"
    assert (
        "<bdi>Ana Lee (ana.lee@gmail.example)</bdi> was merged into <bdi>Ana Lee (ana@northwind.example)</bdi>,"
        " which stays." in page
    )
    assert Contact.objects.filter(pk=merged.pk, deleted_at__isnull=False).exists()


def test_read_only_users_are_not_invited_to_merge(client):
    ContactFactory(first_name="Ann", last_name="Lee", phone="+14155550132")
    ContactFactory(first_name="Anne", last_name="Lee", phone="+14155550132")
    client.force_login(UserFactory(role=Role.READ_ONLY))

    page = client.get("/contacts/duplicates/?reason=phone").content.decode()

    assert "Review a pair to merge it" not in page
    assert "Review &amp; merge" not in page
    assert "someone who may change and delete contacts can merge them" in page


def test_the_duplicates_page_formats_phones_and_isolates_names(client):
    ContactFactory(first_name=f"{RLO}nnA", last_name="Lee", phone="+14155550132", company=None)
    ContactFactory(first_name="Anne", last_name=f"{RLO}eeL", phone="+14155550132", company=None)
    client.force_login(UserFactory(role=Role.ADMIN))

    page = client.get("/contacts/duplicates/?reason=phone").content.decode()

    assert "(415) 555-0132" in page and "+14155550132" not in page.replace('value="', "")
    assert unisolated_bidi_text(page) == []


def test_the_merge_page_isolates_both_names(client):
    kept = ContactFactory(first_name=f"{RLO}anA", last_name="Lee", email="ana@northwind.example")
    merged = ContactFactory(first_name=f"{RLO}anA", last_name="Lee", email="ana.lee@gmail.example")
    client.force_login(UserFactory(role=Role.ADMIN))

    page = client.get(f"/contacts/merge/?survivor={kept.pk}&other={merged.pk}").content.decode()

    assert "Keeps:" in page
    assert unisolated_bidi_text(page) == []
