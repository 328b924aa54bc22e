"""Reads for exports: the permission-scoped, filtered records of an export, read in keyset chunks, and a
user's own export jobs."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet
from django.http import QueryDict

from tandem.contacts import selectors as contact_selectors
from tandem.contacts.models import ContactTag, PropertyDefinition
from tandem.core.models import User
from tandem.core.pagination import Page, SortKey, count_up_to, paginate
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


@dataclass
class ExportScope:
    """What an export reads: the records the user may see that match the list's filters, and the filters
    described in words (the list's chips) for the audit log and the export's page."""

    queryset: QuerySet
    definitions: list[PropertyDefinition]
    filter_labels: list[str]
    errors: list[str]


def export_scope(user: User, object_type: str, query_string: str) -> ExportScope:
    """The list's query string parsed exactly as the list page parses it, applied to what `user` may view."""
    record_type = registry.get(object_type)
    definitions = contact_selectors.property_definitions(object_type)
    parsed = record_query.parse(record_type, QueryDict(query_string), user=user, definitions=definitions)
    queryset = record_type.selectors.filtered(user, parsed.filters)
    return ExportScope(queryset, definitions, [chip.label for chip in parsed.chips], parsed.errors)


def capped_count(scope: ExportScope) -> tuple[int, bool]:
    """How many records the export holds, counting no further than the direct-download limit."""
    return count_up_to(scope.queryset, DIRECT_DOWNLOAD_LIMIT)


def _tags_for(contact_ids: list[int]) -> dict[int, str]:
    """Each contact's tag names joined, for one chunk of contacts in id order (one query).

    A dense chunk reads the tags of its id range (an index range scan, and no 5,000 bound parameters to
    prepare); chunks never overlap, so a whole export reads each tag row at most once. A sparse chunk (a
    narrow filter) asks for its ids instead, so a small export never reads a wide range."""
    first, last = contact_ids[0], contact_ids[-1]
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


def export_chunks(
    queryset: QuerySet, columns: list[ExportColumn], chunk_size: int = CHUNK_SIZE
) -> Iterator[list[list]]:
    """The export's cells, CHUNK_SIZE rows at a time, in id order.

    Each chunk is one query, `id > last id seen ORDER BY id LIMIT chunk_size` (a keyset, never OFFSET), plus
    one for the chunk's tags if they were chosen, so memory holds one chunk whatever the row count, and a
    record added or removed while the export runs never shifts the others.
    """
    shape = RowShape.for_columns(columns)
    ordered = queryset.order_by("id").values_list("id", *shape.fields)
    last_id = 0
    while True:
        rows = _fetch(ordered.filter(id__gt=last_id)[:chunk_size])
        if not rows:
            return
        tags = _tags_for([row[0] for row in rows]) if shape.tags_position is not None else None
        yield shape.convert(rows, tags)
        if len(rows) < chunk_size:
            return
        last_id = rows[-1][0]


def chosen_columns(object_type: str, keys: list[str], definitions: list[PropertyDefinition]):
    return export_columns.choose(object_type, keys, definitions)


def my_exports(user: User, cursor: str | None = None) -> Page:
    """The user's exports, newest first, a page at a time."""
    queryset = ExportJob.objects.filter(user=user)
    return paginate(queryset, SortKey(("created_at", "id"), descending=True), cursor, LIST_PAGE_SIZE)


def owned_export(user: User, export_id: int) -> ExportJob | None:
    """One of the user's own exports; None for anyone else's (the page answers 404, as for a missing one)."""
    return ExportJob.objects.filter(user=user, pk=export_id).first() if user.is_authenticated else None
