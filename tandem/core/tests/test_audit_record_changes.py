"""audit.record_changes: one row with what differs between two snapshots, and nothing when nothing does."""

import pytest
from auditlog.models import LogEntry

from tandem.core import audit
from tandem.core.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return User.objects.create_user("audit-admin@example.com", "a long enough passphrase 42", role=Role.ADMIN)


def test_a_change_writes_one_row_with_the_differing_fields_and_the_extra_changes(admin):
    changes = audit.record_changes(
        actor=admin,
        target=admin,
        before={"name": "Ana", "port": 587, "unchanged": "x"},
        after={"name": "Ana Ruiz", "port": 465, "unchanged": "x"},
        also={"password": ["set", "changed"]},
        event="something_changed",
    )

    assert changes == {"name": ["Ana", "Ana Ruiz"], "port": [587, 465], "password": ["set", "changed"]}
    entry = LogEntry.objects.get()
    assert (entry.action, entry.actor_id, entry.object_pk) == (
        LogEntry.Action.UPDATE,
        admin.pk,
        str(admin.pk),
    )
    assert entry.changes == {
        "name": ["Ana", "Ana Ruiz"],
        "port": ["587", "465"],
        "password": ["set", "changed"],
    }
    assert entry.additional_data == {"event": "something_changed"}


def test_nothing_changed_writes_nothing(admin):
    changes = audit.record_changes(
        actor=admin, target=admin, before={"name": "Ana"}, after={"name": "Ana"}, also={}, event="x"
    )

    assert changes == {}
    assert LogEntry.objects.count() == 0
