"""Raw paths: what a hand-written program would do for the same page, to measure our overhead against.

Not part of the product: bench/urls.py serves these next to the app, under bench/settings.py only.
"""

from decimal import Decimal

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


# The deals board's work as hand-written SQL, the statements the board's selector sends: the column sums
# (one GROUP BY over the covering index), each column's first cards (two index ranges per stage in one
# UNION ALL), and those cards with their company and owner joined.
BOARD_STAGES_SQL = """
SELECT s.id, s.name, s.probability FROM deals_stage s JOIN deals_pipeline p ON p.id = s.pipeline_id
WHERE p.is_default ORDER BY s."order", s.id
"""
BOARD_SUMS_SQL = """
SELECT stage_id, currency, COUNT(id), SUM(amount) FROM deals_deal
WHERE deleted_at IS NULL AND pipeline_id = (SELECT id FROM deals_pipeline WHERE is_default)
GROUP BY stage_id, currency
"""
BOARD_RANGE_SQL = """
SELECT * FROM (SELECT id, stage_id, expected_close_date FROM deals_deal
  WHERE deleted_at IS NULL AND pipeline_id = %s AND stage_id = %s AND expected_close_date IS NOT NULL
  ORDER BY expected_close_date, id LIMIT %s) AS dated_{number}
UNION ALL
SELECT * FROM (SELECT id, stage_id, expected_close_date FROM deals_deal
  WHERE deleted_at IS NULL AND pipeline_id = %s AND stage_id = %s AND expected_close_date IS NULL
  ORDER BY id LIMIT %s) AS undated_{number}
"""
BOARD_CARDS_SQL = """
SELECT d.id, d.name, d.amount, d.currency, d.expected_close_date, d.stage_id, co.id, co.name,
       u.first_name, u.last_name, u.email
FROM deals_deal d
LEFT JOIN contacts_company co ON co.id = d.company_id
LEFT JOIN core_user u ON u.id = d.owner_id
WHERE d.id IN ({ids})
"""
CARDS_PER_COLUMN = 50


def raw_deal_board(request):
    """The default pipeline's board (every column's count and totals, its first 50 cards) as raw SQL and a
    minimal template."""
    with connection.cursor() as cursor:
        cursor.execute(BOARD_STAGES_SQL)
        stages = cursor.fetchall()
        cursor.execute("SELECT id FROM deals_pipeline WHERE is_default")
        pipeline_id = cursor.fetchone()[0]
        columns = {
            stage_id: {"name": name, "count": 0, "totals": [], "cards": []} for stage_id, name, _ in stages
        }
        probability = {stage_id: value for stage_id, _, value in stages}
        cursor.execute(BOARD_SUMS_SQL)
        for stage_id, currency, count, total in cursor.fetchall():
            column = columns[stage_id]
            column["count"] += count
            if total is not None:
                total = Decimal(total).quantize(Decimal("0.01"))
                weighted = (total * probability[stage_id] / 100).quantize(Decimal("0.01"))
                column["totals"].append((currency, total, weighted))
        parts, params = [], []
        for number, (stage_id, _, _) in enumerate(stages):
            parts.append(BOARD_RANGE_SQL.format(number=number))
            params += [pipeline_id, stage_id, CARDS_PER_COLUMN] * 2
        cursor.execute(" UNION ALL ".join(parts), params)
        ranked = sorted(cursor.fetchall(), key=lambda row: (row[2] is None, str(row[2] or ""), row[0]))
        taken = {stage_id: 0 for stage_id in columns}
        ids = []
        for deal_id, stage_id, _ in ranked:
            if taken[stage_id] < CARDS_PER_COLUMN:
                taken[stage_id] += 1
                ids.append(deal_id)
        cards = []
        if ids:
            cursor.execute(BOARD_CARDS_SQL.format(ids=", ".join(["%s"] * len(ids))), ids)
            cards = cursor.fetchall()
    order = {deal_id: position for position, deal_id in enumerate(ids)}
    for card in sorted(cards, key=lambda card: order[card[0]]):
        columns[card[5]]["cards"].append(
            {
                "id": card[0],
                "name": card[1],
                "amount": f"{card[3]} {Decimal(card[2]):,.2f}" if card[2] is not None else "",
                "close": card[4],
                "company_id": card[6],
                "company": card[7] or "",
                "owner": f"{card[8] or ''} {card[9] or ''}".strip() or (card[10] or ""),
            }
        )
    for column in columns.values():
        column["totals"].sort(key=lambda item: (-item[1], item[0]))
        column["more"] = column["count"] - len(column["cards"])
    return render(request, "bench/raw_deal_board.html", {"columns": list(columns.values())})
