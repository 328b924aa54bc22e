"""The mailbox's pages read `mail_message_newest` on both engines: the first page is an index scan in order
(no sort of the ledger); a page from a cursor is bounded by the same index (PostgreSQL may sort the few rows
its keyset condition finds, which on a table this small it prefers)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.contacts.tests.factories import UserFactory
from tandem.mail.models import Category
from tandem.mail.selectors import MailboxFilters, mailbox_page
from tandem.mail.services.ledger import queue_message

pytestmark = pytest.mark.django_db


def plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(row[-1] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def mailbox_query(admin, cursor=None) -> tuple:
    with CaptureQueriesContext(connection) as captured:
        page = mailbox_page(admin, MailboxFilters(), cursor=cursor)
    [sql] = [query["sql"] for query in captured.captured_queries if "mail_message" in query["sql"]]
    return sql, page


def test_the_first_page_and_the_next_read_the_newest_index_without_sorting():
    admin = UserFactory()
    for number in range(60):
        queue_message(
            key=f"m{number}", category=Category.TRANSACTIONAL, to=["a@example.com"], subject="s", text="t"
        )

    first_sql, first = mailbox_query(admin)
    next_sql, _ = mailbox_query(admin, cursor=first.next_cursor)

    first_steps, next_steps = plan(first_sql), plan(next_sql)
    assert "mail_message_newest" in first_steps, first_steps
    assert "TEMP B-TREE" not in first_steps and "Sort" not in first_steps, first_steps
    assert "mail_message_newest" in next_steps, next_steps
