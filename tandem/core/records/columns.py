"""What a record list lays out from the declaration: the columns a user can choose (kept in the session),
the rows for one page, the filter panel's controls and the record page's facts.

Cells are built for the one page of rows already fetched (at most a page), from data loaded in a constant
number of queries, so the page's query count does not grow with its rows.
"""

import functools
from dataclasses import dataclass, field

from django.db.models import prefetch_related_objects
from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django_countries import countries

from tandem.core.models import Team
from tandem.core.records.fields import PROPERTY_PREFIX, Cell, Column, Row, detail_url
from tandem.core.records.query import UNOWNED, ListQuery
from tandem.core.records.registry import RecordType


def session_key(object_type: str) -> str:
    return f"{object_type}_list_columns"


def available(record_type: RecordType, definitions: list) -> list[Column]:
    base = [
        Column(item.key, item.column_label or item.label, sort=item.sort, numeric=item.numeric)
        for item in record_type.fields
        if item.column
    ]
    if record_type.properties is not None:
        base += record_type.properties.columns(definitions)
    return base


def chosen(request, record_type: RecordType, columns: list[Column]) -> list[Column]:
    """The columns this user picked for this list (kept in the session), in the catalogue's order."""
    keys = request.session.get(session_key(record_type.object_type))
    if not isinstance(keys, list):
        keys = record_type.default_columns
    return [column for column in columns if column.key in keys]


def chosen_keys(request, record_type: RecordType) -> list[str]:
    keys = request.session.get(session_key(record_type.object_type))
    return keys if isinstance(keys, list) else list(record_type.default_columns)


def save(request, record_type: RecordType, keys: list[str], columns: list[Column]) -> None:
    known = {column.key for column in columns}
    request.session[session_key(record_type.object_type)] = [key for key in keys if key in known]


def rows(
    record_type: RecordType, records: list, columns: list[Column], definitions: list, *, selectable: bool
):
    keys = {column.key for column in columns}
    fields = {item.key: item for item in record_type.fields}
    for key in keys:
        relation = fields[key].prefetch if key in fields else ""
        if relation:
            prefetch_related_objects(records, relation)
    by_name = {definition.name: definition for definition in definitions}
    properties = record_type.properties
    # One function per column, picked once for the page rather than once per cell.
    cell_makers = []
    for column in columns:
        if column.key.startswith(PROPERTY_PREFIX) and properties is not None:
            name = column.key[len(PROPERTY_PREFIX) :]
            cell_makers.append(functools.partial(properties.cell, name=name, definitions=by_name))
        elif column.key in fields:
            cell_makers.append(fields[column.key].displayer())
        else:
            cell_makers.append(lambda record: Cell())
    detail_name = record_type.url_name("detail")
    title, subtitle = record_type.title, record_type.subtitle
    return [
        Row(
            pk=record.pk,
            url=detail_url(detail_name, record.pk),
            title=title(record),
            subtitle=subtitle(record),
            cells=[make(record) for make in cell_makers],
            selectable=selectable,
        )
        for record in records
    ]


def facts(record_type: RecordType, record) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(group, title, [(label, value HTML)]) per facts panel of the record page, from the catalogue."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for item in record_type.fields:
        if not item.fact:
            continue
        cell = item.show(record)
        shown = cell.inner(with_time=True, links=True) if (cell.text or cell.when is not None) else "—"
        groups.setdefault(item.fact_group, []).append((item.label, mark_safe(shown)))  # noqa: S308 (escaped)
    return [(key, title, groups[key]) for key, title in record_type.fact_groups if groups.get(key)]


@functools.cache
def _country_option_parts(language: str) -> tuple[tuple[str, str], ...]:
    return tuple((escape(code), escape(str(name))) for code, name in countries)


def country_options(selected: list[str]) -> str:
    """The country filter's <option>s, escaped once per process and language: 250 options rendered by the
    template engine from lazy translated names cost more than the rest of the page (docs/benchmarks.md)."""
    chosen_codes = {code.upper() for code in selected}
    return mark_safe(  # noqa: S308 (codes and names are escaped in _country_option_parts)
        "".join(
            f'<option value="{code}"{" selected" if code in chosen_codes else ""}>{name}</option>'
            for code, name in _country_option_parts(get_language() or "")
        )
    )


@dataclass
class FilterControl:
    """One control of the "More filters" panel, ready for the template."""

    name: str
    label: str
    kind: str
    control_id: str
    value: str = ""
    options: list[tuple[str, str, bool]] = field(default_factory=list)  # (value, label, selected)
    options_html: str = ""
    any_label: str = ""


def filter_controls(
    record_type: RecordType, query: ListQuery, get: QueryDict, users: list, user=None
) -> list[FilterControl]:
    controls = []
    teams = None
    for spec in record_type.filters:
        if not spec.in_panel or spec.kind == "search":
            continue
        selected = set(query.selected.get(spec.name, []))
        control = FilterControl(spec.name, spec.label, spec.kind, f"filter-{spec.name.replace('_', '-')}")
        if spec.kind == "choice":
            control.options = [(value, label, value in selected) for value, label in spec.choices]
        elif spec.kind == "owner":
            control.any_label = "Anyone"
            if spec.unowned_attribute:
                control.options.append((UNOWNED, "Nobody (unowned)", UNOWNED in selected))
            control.options += [(str(user.pk), user.display_name, str(user.pk) in selected) for user in users]
        elif spec.kind == "team":
            if teams is None:
                teams = list(Team.objects.order_by("name").values_list("pk", "name"))
            control.any_label = "Any team"
            control.options = [(str(pk), name, str(pk) in selected) for pk, name in teams]
        elif spec.kind == "country":
            control.any_label = "Any country"
            control.options_html = country_options(get.getlist(spec.name))
        elif spec.kind == "ids" and spec.options is not None:
            control.any_label = f"Any {spec.noun or spec.label.lower()}"
            control.options = [(str(pk), label, str(pk) in selected) for pk, label in spec.options(user)]
        else:
            control.value = get.get(spec.name, "")
        controls.append(control)
    return controls
