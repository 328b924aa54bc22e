"""The bell, the list, opening an entry, marking read and the preferences page, through the client."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.contacts.tests.factories import UserFactory
from tandem.notifications import services
from tandem.notifications.models import Notification, NotificationPreference
from tandem.notifications.tests.kinds import DIGEST, REMINDER

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def ada(client):
    user = UserFactory(email="ada@example.com", first_name="Ada")
    client.force_login(user)
    return user


def tell(user, title="Due", *, url="", body="", read=False) -> Notification:
    notification = services.notify(user=user, kind=DIGEST.key, title=title, url=url, body=body)
    if read:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
    return notification


def badge_of(html: str) -> str:
    match = re.search(r'<span class="notification-count" aria-hidden="true">([^<]*)</span>', html)
    return match.group(1) if match else ""


def test_every_page_has_the_bell_with_the_unread_count(client, ada):
    tell(ada, "One")
    tell(ada, "Two")
    tell(ada, "Read", read=True)
    tell(UserFactory(), "Someone else's")
    page = client.get("/contacts/").content.decode()
    assert "data-notification-bell" in page
    assert badge_of(page) == "2"
    assert '<span class="sr-only">, 2 unread</span>' in page
    assert 'hx-get="/notifications/badge/" hx-trigger="every 60s, refresh-badge"' in page
    # and the account menu links to the preferences
    assert '<a href="/notifications/preferences/">Notification emails</a>' in page


def test_the_badge_says_9_plus_above_nine_and_nothing_at_zero(client, ada):
    assert badge_of(client.get("/notifications/badge/").content.decode()) == ""
    for number in range(9):
        tell(ada, f"N{number}")
    assert badge_of(client.get("/notifications/badge/").content.decode()) == "9"
    tell(ada, "Tenth")
    fragment = client.get("/notifications/badge/").content.decode()
    assert badge_of(fragment) == "9+"
    assert "<html" not in fragment


def test_the_badge_is_one_query_however_many_notifications(client, ada):
    for number in range(30):
        tell(ada, f"N{number}")
    client.get("/notifications/badge/")  # the session and user load once warm
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/notifications/badge/")
    counting = [query["sql"] for query in queries if "notifications_notification" in query["sql"]]
    assert response.status_code == 200
    assert len(counting) == 1
    assert "LIMIT 10" in counting[0]


def test_the_menu_shows_the_latest_eight_newest_first_with_unread_marked(client, ada):
    for number in range(10):
        tell(ada, f"Notice {number}", read=number == 9)
    html = client.get("/notifications/menu/", headers=HTMX).content.decode()
    titles = re.findall(r'<span class="notification-entry-title"><bdi>([^<]*)</bdi>', html)
    assert titles == [f"Notice {number}" for number in range(9, 1, -1)]
    assert html.count("notification-entry--unread") == 7
    assert "Mark all as read" in html
    assert 'href="/notifications/">See all notifications</a>' in html
    assert 'hx-swap-oob="true"' in html


def test_mark_all_read_from_the_menu_answers_the_menu_and_a_zero_badge(client, ada):
    tell(ada, "One")
    html = client.post(
        "/notifications/read-all/", headers={**HTMX, "HX-Target": "notification-menu-body"}
    ).content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 0
    assert "notification-entry--unread" not in html
    assert "Mark all as read" not in html
    assert badge_of(html) == ""


def test_mark_all_read_from_the_page_redirects_with_a_message(client, ada):
    tell(ada, "One")
    tell(ada, "Two")
    response = client.post("/notifications/read-all/", {"show": "unread"}, follow=True)
    assert response.redirect_chain == [("/notifications/?show=unread", 302)]
    assert "2 notifications marked as read." in response.content.decode()
    assert "You are all caught up" in response.content.decode()


def test_opening_an_entry_marks_it_read_and_goes_to_its_page(client, ada):
    notification = tell(ada, url="/contacts/42/")
    response = client.get(f"/notifications/{notification.pk}/open/")
    assert (response.status_code, response["Location"]) == (302, "/contacts/42/")
    assert Notification.objects.get().read_at is not None


def test_an_entry_without_a_link_or_with_a_stored_external_one_opens_the_list(client, ada):
    nowhere = tell(ada)
    # a row written before links were checked, by hand
    old = Notification.objects.create(user=ada, kind=DIGEST.key, title="Old", url="https://evil.example/")
    assert client.get(f"/notifications/{nowhere.pk}/open/")["Location"] == "/notifications/"
    assert client.get(f"/notifications/{old.pk}/open/")["Location"] == "/notifications/"


def test_someone_elses_notification_is_not_found_and_stays_unread(client, ada):
    theirs = tell(UserFactory(), url="/contacts/1/")
    assert client.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert Notification.objects.get().read_at is None


def test_marking_one_read_by_htmx_answers_the_entry_and_the_badge(client, ada):
    first = tell(ada, "First")
    tell(ada, "Second")
    html = client.post(f"/notifications/{first.pk}/read/", headers=HTMX).content.decode()
    assert html.lstrip().startswith(f'<li class="notification-item" id="notification-{first.pk}">')
    assert "Mark as read" not in html
    assert badge_of(html) == "1"
    assert Notification.objects.filter(read_at__isnull=True).get().title == "Second"


def test_marking_one_read_without_javascript_returns_to_the_list(client, ada):
    notification = tell(ada)
    response = client.post(f"/notifications/{notification.pk}/read/")
    assert (response.status_code, response["Location"]) == (302, "/notifications/")


def test_the_list_pages_by_keyset_newest_first_and_filters_unread(client, ada):
    created = [tell(ada, f"Notice {number}", read=number % 2 == 0) for number in range(30)]
    first_page = client.get("/notifications/").content.decode()
    titles = re.findall(r'class="notification-item-title"[^>]*><bdi>([^<]*)</bdi>', first_page)
    assert titles == [f"Notice {number}" for number in range(29, 4, -1)]
    next_link = re.search(r'href="\?cursor=([^"]+)"', first_page).group(1)
    second_page = client.get(f"/notifications/?cursor={next_link}").content.decode()
    assert re.findall(r'class="notification-item-title"[^>]*><bdi>([^<]*)</bdi>', second_page) == [
        f"Notice {number}" for number in range(4, -1, -1)
    ]
    unread = client.get("/notifications/?show=unread").content.decode()
    assert re.findall(r'class="notification-item-title"[^>]*><bdi>([^<]*)</bdi>', unread) == [
        f"Notice {number}" for number in range(29, 0, -2)
    ]
    assert len(created) == 30


def test_a_broken_page_link_shows_the_newest_with_a_message(client, ada):
    tell(ada, "Only")
    html = client.get("/notifications/?cursor=not-a-cursor").content.decode()
    assert "This page link is no longer valid. Showing the newest notifications." in html
    assert "<bdi>Only</bdi>" in html


def test_the_list_costs_the_same_queries_for_5_and_25_rows(client, ada):
    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/notifications/").status_code == 200
        return len(queries)

    for number in range(5):
        tell(ada, f"N{number}")
    few = queries_for_page()
    for number in range(20):
        tell(ada, f"M{number}", body="Body")
    assert queries_for_page() == few


def test_titles_and_bodies_are_escaped_and_isolated(client, ada):
    tell(ada, "<script>alert(1)</script>\u202eevil", body="<b>bold</b>")
    html = client.get("/notifications/").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_the_preferences_page_shows_each_kind_with_its_choice_and_saves(client, ada):
    NotificationPreference.objects.create(user=ada, kind=REMINDER.key, email=False)
    html = client.get("/notifications/preferences/").content.decode()
    assert "An import I started has finished or failed" in html
    assert re.search(r'name="email" value="tests.reminder"(?! checked)>', html)
    assert 'name="email" value="imports.import_finished" checked>' in html
    response = client.post("/notifications/preferences/", {"email": [REMINDER.key]}, follow=True)
    assert response.redirect_chain == [("/notifications/preferences/", 302)]
    assert "Your email preferences are saved." in response.content.decode()
    stored = dict(NotificationPreference.objects.filter(user=ada).values_list("kind", "email"))
    assert stored[REMINDER.key] is True
    assert stored["imports.import_finished"] is False


def test_an_unknown_kind_on_the_preferences_form_is_an_error_and_nothing_changes(client, ada):
    response = client.post("/notifications/preferences/", {"email": ["nobody.kind"]})
    assert response.status_code == 200
    assert (
        "Unknown notification kinds: nobody.kind. Reload the page and choose again."
        in response.content.decode()
    )
    assert NotificationPreference.objects.count() == 0


@pytest.mark.parametrize(
    "path",
    ["/notifications/", "/notifications/preferences/", "/notifications/badge/", "/notifications/menu/"],
)
def test_signed_out_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_writes_refuse_get(client, ada):
    notification = tell(ada)
    assert client.get("/notifications/read-all/").status_code == 405
    assert client.get(f"/notifications/{notification.pk}/read/").status_code == 405
    assert Notification.objects.get().read_at is None


def test_a_full_page_pays_one_notifications_query_for_the_bell(client, ada):
    for number in range(12):
        tell(ada, f"N{number}")
    client.get("/contacts/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/contacts/").content.decode()
    assert len([query for query in queries if "notifications_" in query["sql"]]) == 1
    assert badge_of(page) == "9+"
