"""notify(): one row per thing to tell, an email when the user wants one, and links only inside the app."""

import pytest
from django.apps import apps
from django.db import transaction

from tandem.contacts.tests.factories import UserFactory
from tandem.notifications import services
from tandem.notifications.models import Notification, NotificationPreference
from tandem.notifications.tests.kinds import DIGEST, REMINDER
from tandem.notifications.tests.outbox import html_of, sent_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://crm.example.com"


def test_a_notification_is_one_row_and_one_email_with_the_link_and_the_preferences_footer():
    # given a user who has not chosen anything (the reminder's default is email)
    user = UserFactory(email="ada@example.com")
    # when they are notified
    notification = services.notify(
        user=user, kind=REMINDER.key, title="Call <Acme> back", body="They asked for a quote.",
        url="/contacts/42/", key="reminder:42",
    )  # fmt: skip
    # then one unread row holds it
    stored = Notification.objects.get()
    assert (stored.pk, stored.user_id, stored.kind, stored.title, stored.body, stored.url, stored.key) == (
        notification.pk, user.pk, "tests.reminder", "Call <Acme> back", "They asked for a quote.",
        "/contacts/42/", "reminder:42",
    )  # fmt: skip
    assert stored.read_at is None
    # and one email went to them, subject = title, with the absolute link and the footer
    [message] = sent_to("ada@example.com")
    assert message.subject == "Call <Acme> back"
    assert message.body == (
        "Call <Acme> back\n\nThey asked for a quote.\n\n"
        "Open it in Tandem: https://crm.example.com/contacts/42/\n\n"
        "Change which emails you get: https://crm.example.com/notifications/preferences/\n\n"
        "--\nTandem\n"
    )
    html = html_of(message)
    assert "Call &lt;Acme&gt; back" in html
    assert "<Acme>" not in html
    assert 'href="https://crm.example.com/contacts/42/"' in html
    assert 'Change which emails you get: <a href="https://crm.example.com/notifications/preferences/"' in html


def test_the_same_key_twice_writes_one_row_and_sends_one_email():
    user = UserFactory(email="ada@example.com")
    first = services.notify(user=user, kind=REMINDER.key, title="Due", key="reminder:1")
    second = services.notify(user=user, kind=REMINDER.key, title="Due again", key="reminder:1")
    assert second.pk == first.pk
    assert list(Notification.objects.values_list("title", flat=True)) == ["Due"]
    assert len(sent_to("ada@example.com")) == 1


def test_a_notification_is_emailed_once_under_a_key_that_names_it():
    user = UserFactory(email="ada@example.com")
    notification = services.notify(user=user, kind=REMINDER.key, title="Due", key="reminder:7")

    # the email's ledger key is the notification's, so sending it again (a retried task) queues nothing more
    services.email_message(notification, user).send()
    ledger = apps.get_model("mail", "Message").objects
    assert list(ledger.values_list("key", flat=True)) == [f"notification:{notification.pk}:email"]
    assert len(sent_to("ada@example.com")) == 1


def test_the_same_key_for_two_users_notifies_each_once():
    ada, bob = UserFactory(email="ada@example.com"), UserFactory(email="bob@example.com")
    services.notify(user=ada, kind=REMINDER.key, title="Due", key="reminder:1")
    services.notify(user=bob, kind=REMINDER.key, title="Due", key="reminder:1")
    assert Notification.objects.count() == 2
    assert (len(sent_to("ada@example.com")), len(sent_to("bob@example.com"))) == (1, 1)


def test_without_a_key_every_call_is_a_notification():
    user = UserFactory()
    services.notify(user=user, kind=REMINDER.key, title="One")
    services.notify(user=user, kind=REMINDER.key, title="One")
    assert Notification.objects.count() == 2


def test_a_kind_that_defaults_to_no_email_writes_the_row_only():
    user = UserFactory(email="ada@example.com")
    services.notify(user=user, kind=DIGEST.key, title="Digest ready")
    assert Notification.objects.count() == 1
    assert sent_to("ada@example.com") == []


def test_the_users_choice_wins_over_the_kinds_default_both_ways():
    user = UserFactory(email="ada@example.com")
    NotificationPreference.objects.create(user=user, kind=REMINDER.key, email=False)
    NotificationPreference.objects.create(user=user, kind=DIGEST.key, email=True)
    services.notify(user=user, kind=REMINDER.key, title="Reminder")
    services.notify(user=user, kind=DIGEST.key, title="Digest")
    assert [message.subject for message in sent_to("ada@example.com")] == ["Digest"]
    assert Notification.objects.count() == 2


def test_an_inactive_user_gets_the_row_but_no_email():
    user = UserFactory(email="gone@example.com", is_active=False)
    services.notify(user=user, kind=REMINDER.key, title="Due")
    assert Notification.objects.count() == 1
    assert sent_to("gone@example.com") == []


def test_a_title_is_made_one_line_for_the_subject_and_cut_to_300_characters():
    user = UserFactory(email="ada@example.com")
    services.notify(user=user, kind=REMINDER.key, title="Line one\r\nBcc: evil@example.com\n" + "x" * 400)
    title = Notification.objects.get().title
    assert title == ("Line one Bcc: evil@example.com " + "x" * 400)[:300]
    assert sent_to("ada@example.com")[0].subject == title
    assert sent_to("evil@example.com") == []


def test_an_email_without_a_link_says_none():
    user = UserFactory(email="ada@example.com")
    services.notify(user=user, kind=REMINDER.key, title="Due")
    [message] = sent_to("ada@example.com")
    assert "Open it in Tandem" not in message.body
    assert "Open in Tandem" not in html_of(message)


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "contacts/42/",
        "/contacts/\n42/",
        "/contacts/ 42/",
        "http:/contacts/",
        "/" + "a" * 500,
    ],
)
def test_a_link_outside_the_app_is_refused_and_nothing_is_written_or_sent(url):
    user = UserFactory(email="ada@example.com")
    with pytest.raises(ValueError, match="A notification links only to a path inside Tandem"):
        services.notify(user=user, kind=REMINDER.key, title="Due", url=url)
    assert Notification.objects.count() == 0
    assert sent_to("ada@example.com") == []


def test_an_unregistered_kind_and_an_empty_title_are_refused():
    user = UserFactory(email="ada@example.com")
    with pytest.raises(ValueError, match="No app registered the notification kind 'nobody.kind'."):
        services.notify(user=user, kind="nobody.kind", title="Due")
    with pytest.raises(ValueError, match="A notification needs a title."):
        services.notify(user=user, kind=REMINDER.key, title=" \n ")
    assert Notification.objects.count() == 0
    assert sent_to("ada@example.com") == []


def test_a_rolled_back_notify_leaves_no_row():
    user = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify(user=user, kind=REMINDER.key, title="Due", key="reminder:1")
        raise RuntimeError("the caller's work failed")
    assert Notification.objects.count() == 0
    # and the same key notifies normally afterwards
    services.notify(user=user, kind=REMINDER.key, title="Due", key="reminder:1")
    assert Notification.objects.count() == 1


def test_mark_read_changes_only_the_actors_own_unread_notification():
    ada, bob = UserFactory(), UserFactory()
    mine = services.notify(user=ada, kind=DIGEST.key, title="Mine")
    theirs = services.notify(user=bob, kind=DIGEST.key, title="Theirs")
    assert services.mark_read(actor=ada, notification_id=theirs.pk) is False
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert services.mark_read(actor=ada, notification_id=mine.pk) is True
    assert services.mark_read(actor=ada, notification_id=mine.pk) is False
    assert Notification.objects.get(pk=mine.pk).read_at is not None


def test_mark_all_read_marks_only_the_actors_unread_ones():
    ada, bob = UserFactory(), UserFactory()
    for title in ("One", "Two", "Three"):
        services.notify(user=ada, kind=DIGEST.key, title=title)
    services.notify(user=bob, kind=DIGEST.key, title="Bob's")
    assert services.mark_all_read(actor=ada) == 3
    assert services.mark_all_read(actor=ada) == 0
    assert Notification.objects.filter(read_at__isnull=True).get().title == "Bob's"
