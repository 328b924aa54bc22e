"""Email preferences per kind: a row per registered kind once saved, an audit row when something changed."""

import pytest
from auditlog.models import LogEntry

from tandem.contacts.tests.factories import UserFactory
from tandem.notifications import selectors, services
from tandem.notifications.kinds import all_kinds
from tandem.notifications.models import NotificationPreference
from tandem.notifications.tests.kinds import DIGEST, REMINDER

pytestmark = pytest.mark.django_db


def choices(user) -> dict[str, bool]:
    return {choice.kind.key: choice.email for choice in selectors.email_choices(user)}


def test_without_a_choice_each_kind_follows_its_default():
    user = UserFactory()
    shown = choices(user)
    assert shown[REMINDER.key] is True
    assert shown[DIGEST.key] is False
    assert shown["imports.import_finished"] is True
    assert shown["exports.export_ready"] is True


def test_saving_keeps_a_row_per_kind_and_one_audit_row_with_the_changes():
    user = UserFactory()
    changed = services.set_email_preferences(actor=user, email_kinds={DIGEST.key, "exports.export_ready"})
    # Every other kind that emails by default (the mail app's, for one) is switched off by this choice too.
    others = {
        kind.key: False
        for kind in all_kinds()
        if kind.email_by_default
        and kind.key not in {REMINDER.key, "imports.import_finished", "exports.export_ready"}
    }
    assert changed == {REMINDER.key: False, DIGEST.key: True, "imports.import_finished": False, **others}
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    assert stored == {kind.key: kind.key in {DIGEST.key, "exports.export_ready"} for kind in all_kinds()}
    entry = LogEntry.objects.get()
    assert entry.actor_id == user.pk
    assert entry.additional_data == {"event": "notification_preferences_changed"}
    assert entry.changes_dict[REMINDER.key] == ["Email and in the app", "In the app only"]


def test_saving_the_same_choices_again_changes_nothing_and_audits_nothing():
    user = UserFactory()
    services.set_email_preferences(actor=user, email_kinds={DIGEST.key})
    assert services.set_email_preferences(actor=user, email_kinds={DIGEST.key}) == {}
    assert LogEntry.objects.count() == 1


def test_an_unknown_kind_is_refused_and_nothing_changes():
    user = UserFactory()
    with pytest.raises(ValueError, match="Unknown notification kinds: nobody.kind."):
        services.set_email_preferences(actor=user, email_kinds={"nobody.kind", DIGEST.key})
    assert NotificationPreference.objects.count() == 0
    assert LogEntry.objects.count() == 0


def test_one_users_choices_do_not_touch_anothers():
    ada, bob = UserFactory(), UserFactory()
    services.set_email_preferences(actor=ada, email_kinds=set())
    assert choices(bob)[REMINDER.key] is True
