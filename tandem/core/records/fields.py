"""The field catalogue of a record type: one declaration per field, read by the list's columns, the record
form, the detail page's facts, the import mapping, the export columns, the audit log's labels and the
services' audit diffs (and, as it switches to it, the API schemas).

Cells and rows render to HTML here rather than through a template include per cell: a list page has
hundreds of cells and an include per cell was most of its render time (docs/benchmarks.md).
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from tandem.core.display import escaped, isolated
from tandem.core.templatetags.tandem_display import date_tag, datetime_tag

# The one spelling of a custom property's key wherever a field key and a property share a namespace:
# list columns, form fields, filters, import targets and export columns ("property:plan_tier").
PROPERTY_PREFIX = "property:"
# The spelling the services' audit diffs and errors use; read (never written) by the web layer.
AUDIT_PROPERTY_PREFIX = "properties."


def property_key(name: str) -> str:
    return PROPERTY_PREFIX + name


def property_name(key: str) -> str | None:
    """The property's name for a key in either spelling, None for a plain field."""
    for prefix in (PROPERTY_PREFIX, AUDIT_PROPERTY_PREFIX):
        if key.startswith(prefix):
            return key[len(prefix) :]
    return None


@dataclass
class Cell:
    text: str = ""
    url: str = ""
    badge: str = ""  # a badge modifier, e.g. "stage-lead"
    numeric: bool = False
    when: Any = None  # a datetime shown as a <time>
    link: str = ""  # "mailto" / "tel": the value links with that scheme (facts only)
    target: str = ""  # what the link points at, when it differs from the text shown (E.164 for a phone)

    def inner(self, *, with_time: bool = False, links: bool = False) -> str:
        """The cell's content as safe HTML: dates through the shared date filters, text (names, companies,
        owners: what users typed) in a `<bdi>` so a right-to-left override cannot reorder the row."""
        if self.when is not None:
            return datetime_tag(self.when) if with_time else date_tag(self.when)
        text = SafeString(escaped(self.text)) if self.numeric else isolated(self.text)
        # f-strings with each part escaped: format_html's result, without parsing a format per cell.
        if self.badge:
            return SafeString(f'<span class="badge badge--{escaped(self.badge)}">{text}</span>')
        if self.url:
            return SafeString(f'<a class="link" href="{escaped(self.url)}">{text}</a>')
        if links and self.link and self.text:
            target = escaped(f"{self.link}:{self.target or self.text}")
            return SafeString(f'<a class="link" href="{target}">{text}</a>')
        return text

    def __str__(self) -> str:
        """The <td> as safe HTML. Templates call str() before escaping and a SafeString survives that, so
        `{{ cell }}` works."""
        opening = '<td class="num">' if self.numeric else "<td>"
        return mark_safe(f"{opening}{self.inner()}</td>")  # noqa: S308 (every part is escaped in inner())


def _plain_display(name: str) -> Callable[[Any], Cell]:
    def display(record: Any) -> Cell:
        getter = getattr(record, f"get_{name}_display", None)
        value = getattr(record, name, "")
        if getter is not None and value:
            return Cell(str(getter()))
        return Cell("" if value is None else str(value))

    return display


@dataclass(frozen=True)
class Field:
    """One field of a record type.

    key         the name used by columns, forms and services ("stage"); `name` the model field
                ("lifecycle_stage") when they differ.
    section     the form section it is edited in ("" = not on the form).
    widget      text, email, tel, select, country, owner, checkbox, textarea or custom (`form_template`).
    display     record -> Cell: how its value is shown in a list cell and the facts panel.
    column      offered as a list column; `sort` the sort its header links to.
    fact        shown in the record page's About panel.
    prefetch    the relation the list prefetches when the column is shown (one query, not one per row).
    import_aliases  headers other products write for this field, best match first (compared after
                `imports.mapping.normalise_header`); a field with aliases is an import target, keyed by its
                `attribute` and matched exactly by that attribute, its label and `import_label`.
    import_label    the label in the import's column menu when it says more than `label` ("Owner (by email)").
    export          a column of exports (keyed by its `attribute`), headed `export_label` or `label`, reading
                    `export_source` (a values_list path such as "owner__email"; default the attribute); the
                    cell's form follows the model field it reads (choices as labels, dates as ISO 8601…).
    api_name    the field's name in the API (default: the model attribute; a foreign key's `<name>_id`).
    api_type    its JSON type when the model cannot say (a computed field): "string", "integer", "array".
    api_value   record -> the value the API shows, for a computed field (contacts' tags).
    audited     whether the services' audit diffs include it.
    cleaner     the per-field cleaning function the services use (forms, API and imports share it).
    """

    key: str
    label: str
    name: str = ""
    help: str = ""
    section: str = ""
    widget: str = "text"
    choices: tuple[tuple[str, str], ...] = ()
    form_template: str = ""
    display: Callable[[Any], Cell] | None = None
    column: bool = True
    column_label: str = ""  # a shorter header than the label ("Stage" for "Lifecycle stage")
    sort: str = ""
    numeric: bool = False
    fact: bool = True
    fact_group: str = "about"
    prefetch: str = ""
    wide: bool = False
    import_aliases: tuple[str, ...] = ()
    import_label: str = ""
    export: bool = True
    export_label: str = ""
    export_source: str = ""
    api_name: str = ""
    api_type: str = "string"
    api_value: Callable[[Any], Any] | None = None
    audited: bool = True
    cleaner: Callable[..., Any] | None = None
    initial: Any = None
    autocomplete_off: bool = False
    # Form hooks for fields that are not a plain column: a factory (form -> django field), the record's
    # initial value, a conversion of the cleaned value, and the service argument it goes to instead of
    # `values` (contacts' tags).
    form_field: Callable[[Any], Any] | None = None
    initial_from: Callable[[Any], Any] | None = None
    to_service: Callable[[Any], Any] | None = None
    service_argument: str = ""

    @property
    def attribute(self) -> str:
        return self.name or self.key

    def show(self, record: Any) -> Cell:
        return self.displayer()(record)

    def displayer(self) -> Callable[[Any], Cell]:
        """The function that shows this field's value (picked once per list column, not once per cell)."""
        return self.display or _plain_display(self.attribute)

    def max_length(self, model: Any) -> int | None:
        """The column's length, read from the model so that the form's limit and the database's agree."""
        try:
            return model._meta.get_field(self.attribute).max_length
        except FieldDoesNotExist:  # a computed field (tags) has no column of its own
            return None


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: str = ""  # the sort this column's header links to, if any
    numeric: bool = False


_ID_PLACEHOLDER = "987654321"


@functools.cache
def _url_pattern(name: str) -> str:
    # reverse() walks the whole URLconf each call; a list page needs a hundred detail links, so reverse
    # once per URL name and fill in the id.
    return reverse(name, args=[int(_ID_PLACEHOLDER)]).replace(_ID_PLACEHOLDER, "{}")


def detail_url(name: str, pk: int) -> str:
    return _url_pattern(name).format(int(pk))


@dataclass
class Row:
    """One <tr> of a list: a checkbox when bulk actions are offered, the linked name, then the cells."""

    pk: int
    url: str
    title: str
    subtitle: str
    cells: list[Cell]
    selectable: bool

    def __str__(self) -> str:
        # Every part escaped here (or by isolated()); f-strings rather than format_html: 50 rows a page.
        checkbox = (
            f'<td><input type="checkbox" name="ids" value="{escaped(self.pk)}" data-select-row '
            f'aria-label="Select {escaped(self.title)}"></td>'
            if self.selectable
            else ""
        )
        subtitle = f'<span class="cell-sub">{isolated(self.subtitle)}</span>' if self.subtitle else ""
        primary = (
            f'<td class="cell-primary"><a href="{escaped(self.url)}">{isolated(self.title)}</a>'
            f"{subtitle}</td>"
        )
        return mark_safe(f"<tr>{checkbox}{primary}{''.join(str(cell) for cell in self.cells)}</tr>")  # noqa: S308
