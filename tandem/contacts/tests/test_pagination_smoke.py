import pytest

from tandem.contacts import selectors, services
from tandem.core.models import Role, User


@pytest.mark.django_db
def test_contacts_page_forwards_and_backwards_covers_every_contact_once():
    given_user = User.objects.create_user("pat@example.com", "pw", role=Role.ADMIN)
    created = [
        services.create_contact(
            actor=given_user, values={"email": f"p{i}@example.com", "last_name": f"L{i:02}"}
        )
        for i in range(7)
    ]

    first = selectors.contact_list(given_user, selectors.ContactFilters(), sort="name", limit=3)
    second = selectors.contact_list(
        given_user, selectors.ContactFilters(), sort="name", cursor=first.page.next_cursor, limit=3
    )
    third = selectors.contact_list(
        given_user, selectors.ContactFilters(), sort="name", cursor=second.page.next_cursor, limit=3
    )
    back = selectors.contact_list(
        given_user, selectors.ContactFilters(), sort="name", cursor=third.page.previous_cursor, limit=3
    )

    names = [c.last_name for page in (first, second, third) for c in page.page.rows]
    assert names == [c.last_name for c in created]
    assert third.page.next_cursor is None
    assert [c.last_name for c in back.page.rows] == ["L03", "L04", "L05"]
    assert first.count == 7
