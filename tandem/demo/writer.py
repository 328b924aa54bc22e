"""Set-based row loading for the generator: rows are buffered per table and written in batches with one
`executemany` per batch, or one COPY per batch on PostgreSQL.

This is a loader, not a write path: it bypasses the services on purpose (no per-row validation, Activity,
audit or events), because it writes generated data that is valid by construction, at up to millions of rows.
Anything a user does goes through `tandem.contacts.services`.
"""

import datetime
import json
from collections.abc import Sequence
from typing import Any

from django.db import connection


class RowWriter:
    """Buffers rows per table and flushes a table's buffer once it holds `batch_size` rows."""

    def __init__(self, batch_size: int = 5000):
        self.batch_size = batch_size
        self.vendor = connection.vendor
        self.columns: dict[str, tuple[str, ...]] = {}
        self.buffers: dict[str, list[tuple]] = {}
        self.counts: dict[str, int] = {}

    def add(self, table: str, columns: Sequence[str], row: Sequence[Any]) -> None:
        known = self.columns.setdefault(table, tuple(columns))
        if known != tuple(columns):
            raise ValueError(f"{table}: every row of a table must name the same columns")
        buffer = self.buffers.setdefault(table, [])
        buffer.append(tuple(self._adapt(value) for value in row))
        if len(buffer) >= self.batch_size:
            self._flush(table)

    def flush(self) -> None:
        # Tables flush in the order they were first seen, so referenced rows (companies, contacts) are
        # always written before the rows that point at them.
        for table in list(self.buffers):
            self._flush(table)

    def _adapt(self, value: Any) -> Any:
        if isinstance(value, dict | list):
            return json.dumps(value)
        if isinstance(value, datetime.datetime) and self.vendor == "sqlite":
            # What Django's SQLite backend stores for an aware datetime: naive UTC text.
            return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value.isoformat()
        return value

    def _flush(self, table: str) -> None:
        rows = self.buffers.get(table)
        if not rows:
            return
        columns = self.columns[table]
        quoted_table = connection.ops.quote_name(table)
        column_list = ", ".join(connection.ops.quote_name(name) for name in columns)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quoted_table} ({column_list}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {quoted_table} ({column_list}) VALUES ({placeholders})",  # noqa: S608
                    rows,
                )
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        rows.clear()
