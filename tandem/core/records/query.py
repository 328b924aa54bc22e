"""The one query grammar of record lists: the web list, exports (and next the API) parse a query string
with `parse`, against the record type's declared filters.

The same names everywhere: `q`, `owner`, `team`, `stage`, `country`, `tag`, `company`, `created_from`,
`created_to`, a month such as the deals' `close_month`, `sort`, `cursor` and the custom-property
parameters. A parameter the type does not declare is an error naming it (a misspelled `ownr=7` must not
silently mean "everyone"), and so is a bad value; the list shows the messages and ignores what it could
not read, an export refuses to run (`is_valid`).
"""

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django_countries import countries

from tandem.core.models import Team, User
from tandem.core.records.registry import Filter, RecordType

SEARCH_MAX_LENGTH = 200
UNOWNED = "none"
# Ids are 64-bit signed integers in both engines: a bigger number cannot name a row (and overflows a query).
MAX_ID = 2**63 - 1
MONTH_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}")


@dataclass
class Chip:
    """One applied filter, shown above the results with a link that removes it."""

    label: str
    remove_query: str
    # Set by a control of the "More filters" panel (not the search box, not a link-only filter): the panel
    # opens by itself only when one of its own filters is active.
    in_panel: bool = True


@dataclass
class ListQuery:
    """A parsed list query: the filters object for the selector plus what the page needs to redraw itself."""

    filters: Any
    sort: str
    cursor: str | None
    errors: list[str] = field(default_factory=list)
    chips: list[Chip] = field(default_factory=list)
    property_definition: Any = None
    unknown: list[str] = field(default_factory=list)
    selected: dict[str, list[str]] = field(default_factory=dict)
    searching: bool = False  # a search is given: the ranked sort is offered

    @property
    def panel_filter_count(self) -> int:
        """How many applied filters come from the "More filters" panel (the count on its summary)."""
        return sum(1 for chip in self.chips if chip.in_panel)

    @property
    def is_valid(self) -> bool:
        """Whether every parameter was understood: an export runs only then."""
        return not self.errors


def without(query: QueryDict, name: str, value: str | None = None) -> str:
    """The query string minus one parameter (or one of its values), and minus the cursor."""
    copy = query.copy()
    copy.pop("cursor", None)
    if value is None:
        copy.pop(name, None)
    else:
        copy.setlist(name, [item for item in copy.getlist(name) if item != value])
    return copy.urlencode()


def _values(query: QueryDict, name: str) -> list[str]:
    return [value.strip() for value in query.getlist(name) if value.strip()]


def parse_id(raw: str) -> int | None:
    """A record id, or None when `raw` cannot be one (not a number, not positive, past 64 bits)."""
    try:
        number = int(raw)
    except ValueError:
        return None
    return number if 0 < number <= MAX_ID else None


def parse_month(raw: str) -> datetime.date | None:
    """The first day of a month written YYYY-MM (as `<input type="month">` sends it), or None when `raw` is
    not one ("2026-3", "March", "2026-13", "2026-03-01")."""
    if not MONTH_PATTERN.fullmatch(raw):
        return None
    year, month = int(raw[:4]), int(raw[5:])
    if year < 1 or not 1 <= month <= 12:
        return None
    return datetime.date(year, month, 1)


def month_error(label: str, raw: str) -> str:
    return f"{label}: “{raw[:40]}” is not a month (use YYYY-MM, e.g. 2026-03); that filter was ignored."


def parse_ids(values: list[str]) -> list[int]:
    """Row ids from a bulk form's checkboxes; anything that cannot be a row id is not a row."""
    return [number for number in (parse_id(raw) for raw in values) if number is not None]


class _Parser:
    def __init__(self, record_type: RecordType, query: QueryDict, user: Any, definitions: list):
        self.record_type = record_type
        self.query = query
        self.user = user
        self.definitions = definitions
        self.errors: list[str] = []
        self.chips: list[Chip] = []
        self.attributes: dict[str, Any] = {}
        self._users: dict[int, str] | None = None
        self._teams: dict[int, str] | None = None

    def user_names(self) -> dict[int, str]:
        if self._users is None:
            self._users = {user.pk: user.display_name for user in User.objects.filter(is_active=True)}
        return self._users

    def team_names(self) -> dict[int, str]:
        if self._teams is None:
            self._teams = dict(Team.objects.values_list("pk", "name"))
        return self._teams

    def ids(self, spec: Filter, noun: str) -> list[int]:
        ids = []
        for raw in _values(self.query, spec.name):
            number = parse_id(raw)
            if number is None:
                self.errors.append(f"“{raw[:40]}” is not a valid {noun}; that filter was ignored.")
            else:
                ids.append(number)
        return ids

    def date(self, spec: Filter) -> datetime.date | None:
        raw = self.query.get(spec.name, "").strip()
        if not raw:
            return None
        try:
            return datetime.date.fromisoformat(raw)
        except ValueError:
            self.errors.append(
                f"{spec.label}: “{raw[:40]}” is not a date (use YYYY-MM-DD); that filter was ignored."
            )
            return None

    def month(self, spec: Filter) -> datetime.date | None:
        raw = self.query.get(spec.name, "").strip()
        if not raw:
            return None
        first = parse_month(raw)
        if first is None:
            self.errors.append(month_error(spec.label, raw))
            return None
        self.chips.append(Chip(f"{spec.label}: {first:%B %Y}", without(self.query, spec.name)))
        return first

    def parse(self, spec: Filter) -> None:
        query, kind = self.query, spec.kind
        if kind == "search":
            text = query.get(spec.name, "").strip()[:SEARCH_MAX_LENGTH]
            if text:
                self.chips.append(Chip(f"Search: {text}", without(query, spec.name)))
            self.attributes[spec.attribute] = text
        elif kind == "choice":
            labels = dict(spec.choices)
            chosen = []
            for raw in _values(query, spec.name):
                if raw in labels:
                    chosen.append(raw)
                    self.chips.append(Chip(f"{spec.label}: {labels[raw]}", without(query, spec.name, raw)))
                else:
                    self.errors.append(
                        f"“{raw[:40]}” is not a {spec.noun or spec.label.lower()}; that filter was ignored."
                    )
            self.attributes[spec.attribute] = chosen
        elif kind == "owner":
            self._owner(spec)
        elif kind == "team":
            ids = self.ids(spec, "team")
            for team_id in ids:
                name = self.team_names().get(team_id, f"team #{team_id}")
                self.chips.append(Chip(f"Team: {name}", without(query, spec.name, str(team_id))))
            self.attributes[spec.attribute] = ids
        elif kind == "ids":
            ids = self.ids(spec, spec.noun or spec.label.lower())
            if ids:
                names = spec.describe(self.user, ids) if spec.describe and self.user is not None else {}
                label = ", ".join(names[number] for number in ids if number in names) or "the selected one"
                self.chips.append(Chip(f"{spec.label}: {label}", without(query, spec.name)))
            self.attributes[spec.attribute] = ids
        elif kind == "country":
            names = dict(countries)
            codes = []
            for raw in _values(query, spec.name):
                code = raw.upper()
                if code in names:
                    codes.append(code)
                    self.chips.append(Chip(f"Country: {names[code]}", without(query, spec.name, raw)))
                else:
                    self.errors.append(f"“{raw[:40]}” is not a country code; that filter was ignored.")
            self.attributes[spec.attribute] = codes
        elif kind == "text":
            text = query.get(spec.name, "").strip()[: spec.max_length]
            if text:
                self.chips.append(Chip(f"{spec.label}: {text}", without(query, spec.name)))
            self.attributes[spec.attribute] = text
        elif kind == "date":
            self.attributes[spec.attribute] = self.date(spec)
        elif kind == "month":
            self.attributes[spec.attribute] = self.month(spec)
        else:  # pragma: no cover (a declaration error, caught by the registry tests)
            raise ValueError(f"Unknown filter kind {kind!r}")

    def _owner(self, spec: Filter) -> None:
        query = self.query
        owner_ids = []
        unowned = False
        for raw in _values(query, spec.name):
            if raw == UNOWNED:
                if not spec.unowned_attribute:
                    self.errors.append(
                        f"Filtering {self.record_type.verbose_name_plural} by “no owner” is not supported "
                        "yet; that filter was ignored."
                    )
                    continue
                unowned = True
                self.chips.append(Chip("Owner: nobody", without(query, spec.name, UNOWNED)))
                continue
            number = parse_id(raw)
            if number is None:
                self.errors.append(f"“{raw[:40]}” is not a valid owner; that filter was ignored.")
                continue
            owner_ids.append(number)
            name = self.user_names().get(number, f"user #{number}")
            self.chips.append(Chip(f"Owner: {name}", without(query, spec.name, raw)))
        self.attributes[spec.attribute] = owner_ids
        if spec.unowned_attribute:
            self.attributes[spec.unowned_attribute] = unowned

    def check_ranges(self) -> None:
        """A date range whose start is after its end matches nothing: say so and drop it."""
        dates = [spec for spec in self.record_type.filters if spec.kind == "date"]
        for start in (spec for spec in dates if spec.bound == "from"):
            end = next(
                (
                    spec
                    for spec in dates
                    if spec.bound == "to" and spec.name.rsplit("_", 1)[0] == start.name.rsplit("_", 1)[0]
                ),
                None,
            )
            if end is None:
                continue
            low, high = self.attributes.get(start.attribute), self.attributes.get(end.attribute)
            if low and high and low > high:
                self.errors.append(
                    f"“{start.label}” is after “{end.label}”, so nothing could match; the range was ignored."
                )
                self.attributes[start.attribute] = self.attributes[end.attribute] = None
        for spec in dates:
            value = self.attributes.get(spec.attribute)
            if value:
                word = "from" if spec.bound == "from" else "to"
                prefix = spec.label.rsplit(" ", 1)[0]
                self.chips.append(Chip(f"{prefix} {word} {value:%d %b %Y}", without(self.query, spec.name)))


def parse(
    record_type: RecordType,
    query: QueryDict,
    *,
    user: Any = None,
    definitions: list | None = None,
    user_names: dict[int, str] | None = None,
):
    """The list query string of `record_type` as its filters object, sort and cursor, with a message for
    each parameter or value that could not be read (and chips for the ones that apply)."""
    definitions = definitions or []
    parser = _Parser(record_type, query, user, definitions)
    if user_names is not None:
        parser._users = user_names  # the list page has loaded them already for its owner select
    unknown = sorted(name for name in query if not record_type.accepts(name))
    for name in unknown:
        parser.errors.append(
            f"“{name[:40]}” is not a filter of the {record_type.verbose_name_plural} list; it was ignored."
        )
    for spec in record_type.filters:
        before = len(parser.chips)
        parser.parse(spec)
        for chip in parser.chips[before:]:
            chip.in_panel = spec.in_panel and spec.kind != "search"
    parser.check_ranges()
    property_definition = None
    if record_type.properties is not None:
        conditions, property_definition = record_type.properties.parse_filter(
            query, definitions, parser.errors, parser.chips
        )
        parser.attributes["properties"] = conditions
    searching = any(
        spec.kind == "search" and query.get(spec.name, "").strip() for spec in record_type.filters
    )
    default = record_type.default_sort(searching)
    sort = query.get("sort", "").strip() or default.key
    if sort not in record_type.sort_keys():
        parser.errors.append(f"“{sort[:40]}” is not a sort order; showing {default.label.lower()}.")
        sort = default.key
    cursor = query.get("cursor", "").strip()[:1000] or None
    selected = {spec.name: query.getlist(spec.name) for spec in record_type.filters}
    return ListQuery(
        filters=record_type.filters_factory(**parser.attributes),
        sort=sort,
        cursor=cursor,
        errors=parser.errors,
        chips=parser.chips,
        property_definition=property_definition,
        unknown=unknown,
        selected=selected,
        searching=searching,
    )
