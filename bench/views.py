"""Raw paths: what a hand-written program would do for the same page, to measure our overhead against.

Not part of the product: bench/urls.py serves these next to the app, under bench/settings.py only.
"""

from django.db import connection
from django.shortcuts import render

from tandem.contacts.models import LifecycleStage

PAGE_SIZE = 50
COUNT_CAP = 10_000

# The contacts page's work as one statement: the first page of 50 (plus one to know there is a next page)
# with owner and company joined, and the same capped count. Same filter, same order, same indexes.
CONTACT_PAGE_SQL = """
SELECT c.id, c.first_name, c.last_name, c.email, c.lifecycle_stage, c.created_at,
       co.id, co.name, u.first_name, u.last_name, u.email,
       (SELECT COUNT(*) FROM (
            SELECT 1 FROM contacts_contact
            WHERE deleted_at IS NULL AND lifecycle_stage = %s LIMIT %s) AS capped) AS total
FROM contacts_contact c
LEFT JOIN contacts_company co ON co.id = c.company_id
LEFT JOIN core_user u ON u.id = c.owner_id
WHERE c.deleted_at IS NULL AND c.lifecycle_stage = %s
ORDER BY c.created_at DESC, c.id DESC
LIMIT %s
"""


def raw_contact_list(request):
    """The contacts list (filtered by stage, newest first) as one raw query and a minimal template."""
    stage = request.GET.get("stage", "mql")
    with connection.cursor() as cursor:
        cursor.execute(CONTACT_PAGE_SQL, [stage, COUNT_CAP + 1, stage, PAGE_SIZE + 1])
        records = cursor.fetchall()
    total = records[0][11] if records else 0
    labels = dict(LifecycleStage.choices)
    rows = [
        {
            "id": record[0],
            "name": f"{record[1]} {record[2]}".strip() or record[3],
            "email": record[3] or "",
            "stage": labels.get(record[4], record[4]),
            "created_at": record[5],
            "company_id": record[6],
            "company": record[7] or "",
            "owner": f"{record[8] or ''} {record[9] or ''}".strip() or (record[10] or ""),
        }
        for record in records[:PAGE_SIZE]
    ]
    context = {
        "rows": rows,
        "count": min(total, COUNT_CAP),
        "capped": total > COUNT_CAP,
        "has_next": len(records) > PAGE_SIZE,
    }
    return render(request, "bench/raw_contact_list.html", context)
