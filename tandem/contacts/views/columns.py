"""How list pages lay out a row: the columns a user can choose, remembered in the session, and each cell.

Cells are built for the one page of rows already fetched (at most PAGE_SIZE), from data loaded in a
constant number of queries, so the page's query count does not grow with its rows.
"""

import functools
from dataclasses import dataclass
from typing import Any

from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from tandem.contacts.models import Company, Contact, LifecycleStage, PropertyDefinition, PropertyType

PROPERTY_COLUMN_PREFIX = "property:"
# Short names where the full stage label is too long for a badge ("Marketing qualified lead").
STAGE_SHORT_LABELS = {LifecycleStage.MQL: "MQL", LifecycleStage.SQL: "SQL"}


def stage_label(stage: str | None) -> str:
    if not stage:
        return "—"
    return STAGE_SHORT_LABELS.get(stage) or dict(LifecycleStage.choices).get(stage, stage)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: str = ""  # the sort this column's header links to, if any
    numeric: bool = False


@dataclass
class Cell:
    text: str = ""
    url: str = ""
    badge: str = ""  # a badge modifier, e.g. "stage-lead"
    numeric: bool = False
    when: Any = None  # a datetime shown as a <time>

    def __str__(self) -> str:
        """The <td> as safe HTML, built here rather than by an include per cell: a list page has hundreds
        of cells and a template include per cell was most of its render time (docs/benchmarks.md).
        Templates call str() before escaping, and a SafeString survives that, so `{{ cell }}` works."""
        opening = '<td class="num">' if self.numeric else "<td>"
        if self.when is not None:
            local = timezone.localtime(self.when)
            inner = format_html(
                '<time datetime="{}">{}</time>', local.isoformat(), date_format(local, "j M Y")
            )
        elif self.badge:
            inner = format_html('<span class="badge badge--{}">{}</span>', self.badge, self.text)
        elif self.url:
            inner = format_html('<a class="link" href="{}">{}</a>', self.url, self.text)
        else:
            inner = conditional_escape(self.text)
        return mark_safe(f"{opening}{inner}</td>")  # noqa: S308 (every part is escaped above)


@dataclass
class Row:
    """One <tr> of a list: a checkbox when bulk actions are offered, the linked name, then the cells.

    Rendered here for the same reason as Cell: fifty rows of template tags cost more than the query."""

    record: Any
    url: str
    title: str
    subtitle: str
    cells: list[Cell]
    selectable: bool

    def __str__(self) -> str:
        checkbox = (
            format_html(
                '<td><input type="checkbox" name="ids" value="{}" data-select-row aria-label="Select {}"></td>',
                self.record.pk,
                self.title,
            )
            if self.selectable
            else ""
        )
        subtitle = format_html('<span class="cell-sub">{}</span>', self.subtitle) if self.subtitle else ""
        primary = format_html(
            '<td class="cell-primary"><a href="{}">{}</a>{}</td>', self.url, self.title, subtitle
        )
        return mark_safe(f"<tr>{checkbox}{primary}{''.join(str(cell) for cell in self.cells)}</tr>")  # noqa: S308


_ID_PLACEHOLDER = "987654321"


@functools.cache
def _url_pattern(name: str) -> str:
    # reverse() walks the whole URLconf each call; a list page needs a hundred detail links, so reverse
    # once per URL name and fill in the id.
    return reverse(name, args=[int(_ID_PLACEHOLDER)]).replace(_ID_PLACEHOLDER, "{}")


def detail_url(name: str, pk: int) -> str:
    return _url_pattern(name).format(int(pk))


CONTACT_COLUMNS = [
    Column("email", "Email"),
    Column("company", "Company"),
    Column("job_title", "Job title"),
    Column("stage", "Stage"),
    Column("lead_status", "Lead status"),
    Column("owner", "Owner"),
    Column("team", "Team"),
    Column("phone", "Phone"),
    Column("country", "Country"),
    Column("tags", "Tags"),
    Column("score", "Score", sort="score", numeric=True),
    Column("source", "Source"),
    Column("created", "Created", sort="newest"),
    Column("updated", "Updated", sort="updated"),
]
DEFAULT_CONTACT_COLUMNS = ["email", "company", "stage", "owner", "created"]

COMPANY_COLUMNS = [
    Column("domain", "Domain"),
    Column("industry", "Industry"),
    Column("size", "Size"),
    Column("country", "Country"),
    Column("phone", "Phone"),
    Column("owner", "Owner"),
    Column("team", "Team"),
    Column("created", "Created", sort="newest"),
    Column("updated", "Updated", sort="updated"),
]
DEFAULT_COMPANY_COLUMNS = ["domain", "industry", "country", "owner", "created"]


def available_columns(base: list[Column], definitions: list[PropertyDefinition]) -> list[Column]:
    return base + [
        Column(
            PROPERTY_COLUMN_PREFIX + definition.name,
            definition.label,
            numeric=definition.value_type == PropertyType.NUMBER,
        )
        for definition in definitions
    ]


def session_key(object_type: str) -> str:
    return f"{object_type}_list_columns"


def chosen_columns(request, object_type: str, available: list[Column], default: list[str]) -> list[Column]:
    """The columns this user picked for this list (kept in the session), in the catalogue's order."""
    keys = request.session.get(session_key(object_type))
    if not isinstance(keys, list):
        keys = default
    chosen = [column for column in available if column.key in keys]
    return chosen


def save_columns(request, object_type: str, keys: list[str], available: list[Column]) -> None:
    known = {column.key for column in available}
    request.session[session_key(object_type)] = [key for key in keys if key in known]


def display_property(definition: PropertyDefinition, value: Any) -> str:
    """A custom property's stored value as a person reads it."""
    if value is None or value == "" or value == []:
        return ""
    if definition.value_type == PropertyType.BOOLEAN:
        return "Yes" if value else "No"
    if definition.value_type == PropertyType.MULTI_CHOICE and isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if definition.value_type == PropertyType.NUMBER and isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def _property_cell(record, key: str, definitions: dict[str, PropertyDefinition]) -> Cell:
    name = key.removeprefix(PROPERTY_COLUMN_PREFIX)
    definition = definitions.get(name)
    if definition is None:
        return Cell()
    value = record.properties.get(name)
    return Cell(display_property(definition, value), numeric=definition.value_type == PropertyType.NUMBER)


def _owner_cell(record) -> Cell:
    return Cell(record.owner.display_name if record.owner_id else "Unowned")


def contact_rows(
    contacts: list[Contact], columns: list[Column], definitions: list[PropertyDefinition], *, selectable: bool
) -> list[Row]:
    keys = {column.key for column in columns}
    if "tags" in keys:
        prefetch_related_objects(contacts, "tags")
    if "team" in keys:
        prefetch_related_objects(contacts, "team")
    by_name = {definition.name: definition for definition in definitions}
    return [
        Row(
            record=contact,
            url=detail_url("contacts:contact_detail", contact.pk),
            title=contact.display_name,
            subtitle=contact.job_title,
            cells=[contact_cell(contact, column.key, by_name) for column in columns],
            selectable=selectable,
        )
        for contact in contacts
    ]


def contact_cell(contact: Contact, key: str, definitions: dict[str, PropertyDefinition]) -> Cell:
    if key.startswith(PROPERTY_COLUMN_PREFIX):
        return _property_cell(contact, key, definitions)
    if key == "company":
        company = contact.company if contact.company_id else None
        if company is None:
            return Cell()
        url = "" if company.deleted_at else detail_url("contacts:company_detail", company.pk)
        return Cell(company.name, url=url)
    if key == "stage":
        return Cell(stage_label(contact.lifecycle_stage), badge=f"stage-{contact.lifecycle_stage}")
    if key == "lead_status":
        return Cell(contact.get_lead_status_display() if contact.lead_status else "")
    if key == "owner":
        return _owner_cell(contact)
    if key == "team":
        return Cell(contact.team.name if contact.team_id and contact.team else "")
    if key == "country":
        return Cell(contact.country.name if contact.country else "")
    if key == "tags":
        return Cell(", ".join(tag.name for tag in contact.tags.all()))
    if key == "score":
        return Cell(str(contact.score), numeric=True)
    if key == "created":
        return Cell(when=contact.created_at)
    if key == "updated":
        return Cell(when=contact.updated_at)
    return Cell(str(getattr(contact, key, "") or ""))


def company_rows(
    companies: list[Company],
    columns: list[Column],
    definitions: list[PropertyDefinition],
    *,
    selectable: bool,
) -> list[Row]:
    if any(column.key == "team" for column in columns):
        prefetch_related_objects(companies, "team")
    by_name = {definition.name: definition for definition in definitions}
    return [
        Row(
            record=company,
            url=detail_url("contacts:company_detail", company.pk),
            title=company.name,
            subtitle="",
            cells=[company_cell(company, column.key, by_name) for column in columns],
            selectable=selectable,
        )
        for company in companies
    ]


def company_cell(company: Company, key: str, definitions: dict[str, PropertyDefinition]) -> Cell:
    if key.startswith(PROPERTY_COLUMN_PREFIX):
        return _property_cell(company, key, definitions)
    if key == "size":
        return Cell(company.get_size_display() if company.size else "")
    if key == "owner":
        return _owner_cell(company)
    if key == "team":
        return Cell(company.team.name if company.team_id and company.team else "")
    if key == "country":
        return Cell(company.country.name if company.country else "")
    if key == "created":
        return Cell(when=company.created_at)
    if key == "updated":
        return Cell(when=company.updated_at)
    return Cell(str(getattr(company, key, "") or ""))


def property_facts(record, definitions: list[PropertyDefinition]) -> list[tuple[str, str]]:
    """(label, value) for every defined property, for the facts panel; empty values shown as a dash."""
    return [
        (definition.label, display_property(definition, record.properties.get(definition.name)) or "—")
        for definition in definitions
    ]
