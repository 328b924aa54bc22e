"""Two (or eight) editors saving the kit at once from the same version: exactly one wins, every other is told
the kit changed, and no save is lost silently. Real threads on PostgreSQL (SQLite serialises writers, so the
race cannot happen there; the stale check itself is tested on both engines in test_services)."""

import threading

import pytest
from django.db import connection, connections

from tandem.brand import services
from tandem.brand.models import BrandKit
from tandem.brand.tests.factories import make_user
from tandem.contacts.services import StaleRecord
from tandem.core.models import Event, Role

EDITORS = 8


@pytest.mark.django_db(transaction=True)
def test_editors_saving_from_the_same_version_at_once_one_wins_the_others_are_warned():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    editors = [make_user(f"editor{number}@example.com", Role.MARKETING) for number in range(EDITORS)]
    start = threading.Barrier(EDITORS)
    outcomes: list[str] = []

    def save(editor) -> None:
        try:
            start.wait()
            services.update_brand_kit(actor=editor, changes={"name": editor.email}, expected_version="0")
            outcomes.append("saved")
        except StaleRecord:
            outcomes.append("stale")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(editor,)) for editor in editors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["saved"] + ["stale"] * (EDITORS - 1)
    kit = BrandKit.objects.get()
    assert kit.version == 1 and kit.name == kit.updated_by.email
    assert Event.objects.filter(name="brand.kit.changed").count() == 1
