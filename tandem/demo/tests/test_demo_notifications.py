"""The demo's notifications: what its finished imports and exports told their owners, newest unread."""

import pytest

from tandem.demo.generator import generate
from tandem.demo.tests.test_generator import SMALL
from tandem.exports.models import ExportJob
from tandem.imports.models import ImportJob
from tandem.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_the_demo_owners_were_told_about_their_imports_and_exports_newest_unread():
    generate(SMALL)
    imports = list(ImportJob.objects.order_by("finished_at"))
    exports = list(ExportJob.objects.order_by("finished_at"))
    rows = list(
        Notification.objects.order_by("user__email", "created_at").values_list(
            "user__email", "kind", "title", "url", "read_at"
        )
    )
    assert [(email, kind, title, url, read_at is None) for email, kind, title, url, read_at in rows] == [
        (
            "marketing@demo.tandem.test", "imports.import_finished",
            "Your import of data-summit-badge-scans.csv has finished", f"/imports/{imports[0].pk}/", False,
        ),
        (
            "marketing@demo.tandem.test", "imports.import_finished",
            "Your import of webinar-forecasting-101-attendees.xlsx has finished", f"/imports/{imports[1].pk}/", True,
        ),
        ("sales@demo.tandem.test", "exports.export_ready", "Your export of contacts (CSV) is ready",
         f"/exports/{exports[0].pk}/", False),
        ("sales@demo.tandem.test", "exports.export_ready", "Your export of companies (XLSX) is ready",
         f"/exports/{exports[1].pk}/", True),
    ]  # fmt: skip
    assert Notification.objects.get(url=f"/imports/{imports[1].pk}/").body == (
        f"{imports[1].created_count} created, 0 updated, 0 skipped, 2 failed."
    )
