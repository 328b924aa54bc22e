"""Reads for exports: the permission-scoped, filtered records of an export, read in keyset chunks, and a
user's own export jobs."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.http import QueryDict

from tandem.contacts import selectors as contact_selectors
from tandem.contacts.models import ContactTag, PropertyDefinition
from tandem.core.models import User
from tandem.core.pagination import Page, SortKey, after, count_up_to, paginate
from tandem.core.records import query as record_query
from tandem.core.records import registry
from tandem.core.spreadsheets import neutralise
from tandem.exports import columns as export_columns
from tandem.exports.columns import LIST_SEPARATOR, ExportColumn, RowShape
from tandem.exports.models import ExportJob

# Rows per query: large enough that per-query cost vanishes, small enough that memory stays flat.
CHUNK_SIZE = 5_000
# Up to this many rows a CSV streams straight to the browser; more (and every XLSX) runs in the background.
DIRECT_DOWNLOAD_LIMIT = contact_selectors.COUNT_CAP
LIST_PAGE_SIZE = 25
BY_ID = SortKey(("id",), descending=False)
# The list's sort orders, by object type: an export writes its rows in the order the list shows them.
SORTS = {"contact": contact_selectors.CONTACT_SORTS, "company": contact_selectors.COMPANY_SORTS}


@dataclass
class ExportScope:
    """What an export reads: the records the user may see that match the list's filters, in the list's sort
    order, and the filters described in words (the list's chips) for the audit log and the export's page."""

    queryset: QuerySet
    definitions: list[PropertyDefinition]
    filter_labels: list[str]
    errors: list[str]
    sort: SortKey = BY_ID


def export_scope(user: User, object_type: str, query_string: str) -> ExportScope:
    """The list's query string parsed exactly as the list page parses it, applied to what `user` may view."""
    record_type = registry.get(object_type)
    definitions = contact_selectors.property_definitions(object_type)
    parsed = record_query.parse(record_type, QueryDict(query_string), user=user, definitions=definitions)
    queryset = record_type.filtered(user, parsed.filters)
    sort = SORTS[object_type][parsed.sort][1]
    return ExportScope(queryset, definitions, [chip.label for chip in parsed.chips], parsed.errors, sort)


def capped_count(scope: ExportScope) -> tuple[int, bool]:
    """How many records the export holds, counting no further than the direct-download limit."""
    return count_up_to(scope.queryset, DIRECT_DOWNLOAD_LIMIT)


def _tags_for(contact_ids: list[int]) -> dict[int, str]:
    """Each contact's tag names joined, for one chunk of contacts (one query).

    A dense chunk (the ids of an export in id or creation order) reads the tags of its id range (an index
    range scan, and no 5,000 bound parameters to prepare). A sparse chunk (a narrow filter, or a sort by
    name, whose chunks spread over all ids) asks for its ids instead, so no chunk reads a wide range."""
    first, last = min(contact_ids), max(contact_ids)
    links = ContactTag.objects.order_by("contact_id", "tag__name")
    if last - first < 4 * len(contact_ids):
        links = links.filter(contact_id__gte=first, contact_id__lte=last)
    else:
        links = links.filter(contact_id__in=contact_ids)
    wanted = set(contact_ids)
    names: dict[int, list[str]] = {}
    for contact_id, name in links.values_list("contact_id", "tag__name"):
        if contact_id in wanted:
            names.setdefault(contact_id, []).append(name)
    return {contact_id: neutralise(LIST_SEPARATOR.join(items)) for contact_id, items in names.items()}


def _fetch(queryset: QuerySet) -> list[tuple]:
    """The queryset's rows as the driver returns them. The ORM's per-value converters (text to datetime,
    JSON to dict) were half the export's time at a million rows; the columns convert what they need
    (columns._datetime, columns.parse_properties) and nothing else."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _sort_values(model: Any, fields: tuple[str, ...], raw: tuple) -> list[Any]:
    """A fetched row's sort values as the ORM compares them. Rows are read without converters (`_fetch`), and
    SQLite gives a datetime as text in UTC: read it as an aware time, as the list's cursor holds it."""
    values = []
    for name, value in zip(fields, raw, strict=True):
        value = model._meta.get_field(name).to_python(value)
        if isinstance(value, datetime.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        values.append(value)
    return values


def export_chunks(
    queryset: QuerySet,
    columns: list[ExportColumn],
    chunk_size: int = CHUNK_SIZE,
    *,
    sort: SortKey = BY_ID,
) -> Iterator[list[list]]:
    """The export's cells, CHUNK_SIZE rows at a time, in `sort` order (the list's; it ends in the id).

    Each chunk is one query, `rows after the last one seen ORDER BY sort LIMIT chunk_size` (a keyset over the
    sort key, as the list's pages walk it, never OFFSET), plus one for the chunk's tags if they were chosen,
    so memory holds one chunk whatever the row count, and a record added or removed while the export runs
    never shifts the others.
    """
    shape = RowShape.for_columns(columns)
    read = ["id", *shape.fields]
    # The sort values are read in the same query as the cells: the columns' own where they are exported,
    # else extra ones at the end of the row (cut off before the cells are made).
    extra = [name for name in sort.fields if name not in read]
    width = len(read)
    positions = [(read + extra).index(name) for name in sort.fields]
    ordered = queryset.order_by(*sort.order_by()).values_list(*read, *extra)
    chunk = ordered
    while True:
        fetched = _fetch(chunk[:chunk_size])
        if not fetched:
            return
        rows = [row[:width] for row in fetched] if extra else fetched
        tags = _tags_for([row[0] for row in rows]) if shape.tags_position is not None else None
        yield shape.convert(rows, tags)
        if len(rows) < chunk_size:
            return
        last_row = fetched[-1]
        last = _sort_values(queryset.model, sort.fields, tuple(last_row[position] for position in positions))
        chunk = ordered.filter(after(sort.fields, last, sort.descending))


def chosen_columns(object_type: str, keys: list[str], definitions: list[PropertyDefinition]):
    return export_columns.choose(object_type, keys, definitions)


def my_exports(user: User, cursor: str | None = None) -> Page:
    """The user's exports, newest first, a page at a time."""
    queryset = ExportJob.objects.filter(user=user)
    return paginate(queryset, SortKey(("created_at", "id"), descending=True), cursor, LIST_PAGE_SIZE)


def owned_export(user: User, export_id: int) -> ExportJob | None:
    """One of the user's own exports; None for anyone else's (the page answers 404, as for a missing one)."""
    return ExportJob.objects.filter(user=user, pk=export_id).first() if user.is_authenticated else None
