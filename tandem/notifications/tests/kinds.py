"""A notification kind of the tests' own (no tests here): registered on import, as an app does from ready()."""

from tandem.notifications.kinds import NotificationKind, register_kind

REMINDER = NotificationKind(key="tests.reminder", label="A test reminder is due", email_by_default=True)
DIGEST = NotificationKind(key="tests.digest", label="A test digest is ready", email_by_default=False)
register_kind(REMINDER)
register_kind(DIGEST)
