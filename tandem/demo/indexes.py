"""Dropping and re-creating a table's secondary indexes around a large load.

Inserting millions of rows into a table with ten indexes updates every index at a random place per row;
building each index once over the loaded rows is many times faster. Only the large seed does this, on
tables it loads into from empty; indexes that back constraints on PostgreSQL (the primary key, unique
constraints without a condition) stay, since they cannot be dropped as plain indexes.
"""

import contextlib
from collections.abc import Iterable, Iterator

from django.db import connection


def secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of every index of `table` that can be dropped and re-created."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                " AND tablename = %s AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                [table],
            )
        else:
            return []
        return list(cursor.fetchall())


@contextlib.contextmanager
def indexes_dropped(tables: Iterable[str]) -> Iterator[None]:
    """Drop the tables' secondary indexes for the duration of the block, then build them again."""
    saved = [index for table in tables for index in secondary_indexes(table)]
    with connection.cursor() as cursor:
        for name, _ in saved:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if saved and connection.vendor == "postgresql" and connection.in_atomic_block:
                # Deferred foreign-key checks still pending in an open transaction block CREATE INDEX:
                # run them now (a failing check raises here, as it would have at commit).
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for _, statement in saved:
                cursor.execute(statement)
