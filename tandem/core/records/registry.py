"""The record-type registry: one declaration per record type (contact, company, later deal, ticket, quote),
read by the generic list, detail, form, trash, bulk and timeline pages, the URL patterns, the query grammar,
the import mapping, the export columns, the audit log and the API routers (tandem/api/v1/records.py).

Core knows no business nouns: a declaration names its model, its selectors and services as callables, and
the spine's optional features (custom properties, a timeline with notes) as support objects it provides.
An app declares its types in its own `records.py` and registers them from `AppConfig.ready()`.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from tandem.core.pagination import SortKey, count_up_to, paginate
from tandem.core.records.fields import Field


@dataclass(frozen=True)
class Filter:
    """One parameter of the query grammar. `kind` says how its values are parsed:

    search   free text (`q`)                    choice   one or more of `choices`
    owner    user ids, or `none` (unowned)       team     team ids
    ids      record ids (e.g. `company`)         country  ISO codes
    text     one short text (`tag`, `industry`)  date     an ISO date; `bound` is "from" or "to"
    month    a month, YYYY-MM: the filters object gets its first day (the selector reads the month as a
             range, first day ≤ date < the next month's first day, so an index on the column serves it)
    """

    name: str
    label: str
    kind: str
    attribute: str  # the attribute of the type's filters object it sets
    choices: tuple[tuple[str, str], ...] = ()
    bound: str = ""  # "from" / "to" for dates
    unowned_attribute: str = ""  # owner: the filters attribute for "nobody", "" if unsupported
    max_length: int = 100
    noun: str = ""  # how messages name one value ("lifecycle stage"); the label in lower case if empty
    in_panel: bool = True  # shown in the "More filters" panel (False: only reachable by link)
    # ids: names for the chips, for the ids the user may see: (user, ids) -> {id: name}
    describe: Callable[[Any, list[int]], dict[int, str]] | None = None
    # ids: what the panel offers in a select, user -> [(id, label)]; without it the panel has a text box for
    # ids (the filter is then mostly reached by link, e.g. a company's deals)
    options: Callable[[Any], list[tuple[int, str]]] | None = None
    help: str = ""  # what the parameter matches, for the API's documentation ("" = said by its kind)


@dataclass(frozen=True)
class Sort:
    key: str
    label: str
    # The keyset ordering behind the key: what the API pages by and checks a cursor against.
    order: SortKey | None = None
    # A ranked order ("Best match") that means something only with a search: offered, and the default,
    # only while the list is searched.
    needs_search: bool = False


@dataclass(frozen=True)
class RecordApi:
    """Opts a record type into the REST API: list, read, create, change (If-Match) and delete to the trash
    under /api/v1/<url_prefix>, behind the token scopes `<url_prefix>:read` and `<url_prefix>:write`. The
    schemas come from the field catalogue, the list's parameters from the filters and sorts (each Sort needs
    its `order`); this holds only what the catalogue cannot say."""

    # Model attributes shown but never written, with their description: ("external_id", "…").
    read_only: tuple[tuple[str, str], ...] = ()
    # Passed to the create and update services besides the values (contacts: cause_type="api").
    service_arguments: dict[str, Any] = field(default_factory=dict)
    # Old parameter names still accepted, marked deprecated: {"owner_id": "owner"}.
    deprecated_parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BulkAction:
    """A bulk action and the one input it needs (shown only when the action is chosen)."""

    key: str
    label: str
    input: str = ""  # "owner", "choice", "text" or "" (none)
    input_name: str = ""  # the POST name carrying the value
    input_label: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    destructive: bool = False


@dataclass(frozen=True)
class Services:
    """The writes of a record type. Each is keyword-only and receives `actor`, `request` and the record
    under `record_argument` (e.g. `contact=`); bulk receives the ids under `ids_argument`."""

    create: Callable[..., models.Model]
    update: Callable[..., models.Model]
    delete: Callable[..., Any]
    restore: Callable[..., Any]
    bulk: Callable[..., int] | None = None
    record_argument: str = "record"
    ids_argument: str = "ids"
    # Optimistic concurrency: `version(record) -> str` and the exception `update` raises when the
    # record changed since that version was read (the form then warns instead of overwriting).
    version: Callable[[Any], str] | None = None
    stale_error: type[Exception] | None = None
    # Custom properties: False (the default) and the layer cleans `values["properties"]` before `create` and
    # `update` run, so they receive the record's complete, validated properties to store. True for a type
    # whose services clean them themselves, under the row lock they take (contacts and companies merge a
    # change into the locked row's properties, so two people changing different properties both keep theirs).
    cleans_properties: bool = False


@dataclass
class ListPage:
    """One page of a record list: the keyset page, and the matching count up to LIST_COUNT_CAP."""

    page: Any
    count: int
    count_is_capped: bool


LIST_PAGE_SIZE = 50
LIST_COUNT_CAP = 10_000


@dataclass(frozen=True)
class Selectors:
    """Page-shaped reads. `filtered(user, filters)`: the live records the user may see that match the type's
    own filters (the layer adds the custom-property conditions: read through `RecordType.filtered`).
    `detail(user, pk)` one live record the user may see (404 otherwise).

    `list(user, filters, sort=, cursor=, narrow=)` is optional: without it the layer pages `filtered` (by
    `page` or the sort's order) and counts it up to LIST_COUNT_CAP. A type whose list does more (a count
    from a search index) declares it, and applies `narrow(queryset)` (the custom-property conditions) to
    each queryset it pages or counts."""

    detail: Callable[..., models.Model]
    filtered: Callable[..., models.QuerySet]
    trash: Callable[..., Any]
    list: Callable[..., Any] | None = None
    # Narrows the live queryset the edit form reads (select_related/prefetch for its initial values).
    editable: Callable[[models.QuerySet], models.QuerySet] | None = None
    # One page of a filtered queryset: `page(queryset, filters, sort, cursor, limit)` -> Page, for a type
    # with an order `paginate` cannot walk by itself (a ranked "Best match"); None: core's `paginate` by the
    # sort's `order`. The API reads its pages through it.
    page: Callable[..., Any] | None = None


@dataclass(frozen=True)
class Panel:
    """A section of a record's page. `context(request, record)` returns the template's context, or None to
    leave the panel out. `region` is "main" (above the timeline), "aside_top" (above the facts) or "aside"."""

    key: str
    template: str
    context: Callable[[Any, models.Model], dict | None]
    region: str = "aside"
    order: int = 100


@dataclass
class RecordType:
    object_type: str  # the access object type, also the URL name prefix ("contact" -> contact_list)
    model: type[models.Model]
    namespace: str  # URL namespace ("contacts")
    url_prefix: str  # "contacts" -> /contacts/, /contacts/<id>/ ...
    verbose_name: str
    verbose_name_plural: str
    fields: list[Field]
    filters_factory: Callable[..., Any]  # builds the filters object from the grammar's attributes
    filters: list[Filter]
    sorts: list[Sort]
    default_columns: list[str]
    selectors: Selectors
    services: Services
    bulk_actions: list[BulkAction] = field(default_factory=list)
    title: Callable[[Any], str] = str
    subtitle: Callable[[Any], str] = lambda record: ""  # under the name in list rows
    detail_subtitle: Callable[[Any], str] | None = (
        None  # under the name on the record's page (default: subtitle)
    )
    initials: Callable[[Any], str] = lambda record: str(record)[:2].upper()
    trash_subtitle: Callable[[Any], str] | None = None
    search_placeholder: str = "Search"
    empty_text: str = ""
    delete_confirmation: str = "Move {title} to the trash?"
    delete_message: str = "{title} was moved to the trash. You can restore it from the trash."
    # Custom properties: the name of the model's JSON column holding them ("" = the type has none). The
    # spine provides what reads and writes them (`properties`, set on registration; see
    # `register_property_support`), so a type gets definitions, list columns, filters, form fields, facts,
    # import targets and export columns for its properties by naming the column here.
    properties_field: str = ""
    # Import targets that are not fields of the record itself (a contact's company by domain, its consent
    # evidence): offered by the import mapping after the catalogue's own importable fields.
    import_only_fields: list[Field] = field(default_factory=list)
    # Optional spine features, provided by the app that has them (None: the page leaves them out).
    properties: Any = None  # PropertySupport: definitions, columns, cells, form fields, filters, facts
    timeline: Any = None  # TimelineSupport: entries, notes
    # Templates that override a block of the generic ones ("detail_header", "form"); see records/*.html.
    templates: dict[str, str] = field(default_factory=dict)
    # Links in the list page's header: (label, URL name) reversed in the type's namespace, e.g. duplicates.
    list_links: list[tuple[str, str]] = field(default_factory=list)
    import_url: str = ""  # the import page's URL name, when the type can be imported
    export_url: str = ""  # the export page's URL name, when the type can be exported
    form_sections: list[tuple[str, str]] = field(default_factory=lambda: [("main", "Details")])
    fact_groups: list[tuple[str, str]] = field(default_factory=lambda: [("about", "About")])
    # The names of the list's HTML ids and URLs, derived from object_type unless given.
    url_names: dict[str, str] = field(default_factory=dict)
    api: RecordApi | None = None  # None: the type has no REST API

    def __post_init__(self) -> None:
        self.url_names = {
            verb: self.url_names.get(verb, f"{self.object_type}_{verb}")
            for verb in (
                "list",
                "create",
                "bulk",
                "trash",
                "columns",
                "property_filter",
                "detail",
                "edit",
                "delete",
                "restore",
                "timeline",
                "note",
            )
        }

    def url_name(self, verb: str) -> str:
        """The namespaced URL name of one of the type's pages, e.g. "contacts:contact_detail"."""
        return f"{self.namespace}:{self.url_names[verb]}"

    @property
    def results_id(self) -> str:
        return f"{self.object_type}-results"

    def field(self, key: str) -> Field | None:
        return next((item for item in self.fields if item.key == key), None)

    def form_fields(self) -> list[Field]:
        return [item for item in self.fields if item.section]

    def audited_attributes(self) -> list[str]:
        """The model columns whose changes the services write to the audit log (`Field.audited`), in
        catalogue order. Fields that are not a column of the row (tags) are audited by their own path."""
        concrete = {item.name for item in self.model._meta.concrete_fields}
        return [item.attribute for item in self.fields if item.audited and item.attribute in concrete]

    def sort_keys(self) -> list[str]:
        return [sort.key for sort in self.sorts]

    def sort(self, key: str) -> Sort:
        return next(item for item in self.sorts if item.key == key)

    def default_sort(self, searching: bool = False) -> Sort:
        """The list's order when none is asked for: the ranked one while searching, if the type has one."""
        if searching:
            ranked = [sort for sort in self.sorts if sort.needs_search]
            if ranked:
                return ranked[0]
        return next(sort for sort in self.sorts if not sort.needs_search)

    # --- reads through the layer: the type's selectors, with the spine's custom-property conditions ----

    def narrow(self, queryset: models.QuerySet, filters: Any) -> models.QuerySet:
        """`queryset` narrowed by the filters' custom-property conditions (unchanged for a type without
        custom properties or a filter without them)."""
        conditions = getattr(filters, "properties", None)
        if self.properties is None or not conditions:
            return queryset
        return self.properties.filter(queryset, conditions)

    def filtered(self, user: Any, filters: Any) -> models.QuerySet:
        """Every live record `user` may see that `filters` matches (exports, bulk "all matching", the API):
        the type's own `filtered` selector with the custom-property conditions applied here."""
        return self.narrow(self.selectors.filtered(user, filters), filters)

    def list_page(self, user: Any, filters: Any, *, sort: str, cursor: str | None) -> Any:
        """One page of the list and its capped count (a ListPage): the type's `list` selector when it has
        one, else `filtered` paged by the type's `page` selector or the sort's keyset order."""
        if self.selectors.list is not None:
            return self.selectors.list(
                user,
                filters,
                sort=sort,
                cursor=cursor,
                narrow=lambda queryset: self.narrow(queryset, filters),
            )
        queryset = self.filtered(user, filters)
        if self.selectors.page is not None:
            page = self.selectors.page(queryset, filters, sort, cursor, LIST_PAGE_SIZE)
        else:
            page = paginate(queryset, self.sort(sort).order, cursor, LIST_PAGE_SIZE)
        count, capped = count_up_to(queryset, LIST_COUNT_CAP)
        return ListPage(page=page, count=count, count_is_capped=capped)

    def accepts(self, name: str) -> bool:
        """Whether `name` is a parameter of the type's query grammar (declared, or a custom property's
        `property:<name>[.gte|.lte]`)."""
        if name in self.parameter_names():
            return True
        return self.properties is not None and name.startswith(self.properties.key_prefix)

    def parameter_names(self) -> set[str]:
        """Every query parameter the type's list understands (the grammar refuses the rest)."""
        names = {item.name for item in self.filters} | {"sort", "cursor"}
        if self.properties is not None:
            names |= set(self.properties.parameter_names)
        return names


_REGISTRY: dict[str, RecordType] = {}
_PANELS: dict[str, list[Panel]] = {}
# What gives a type with a `properties_field` its custom properties: (record type) -> support object. The
# spine (contacts) provides it, since the definitions live there; core never imports it.
_PROPERTY_SUPPORT: list[Callable[[RecordType], Any]] = []


def register(record_type: RecordType) -> RecordType:
    """Add a record type (idempotent for the same object type, so a re-run of ready() is harmless)."""
    _REGISTRY[record_type.object_type] = record_type
    _attach_property_support(record_type)
    return record_type


def register_property_support(factory: Callable[[RecordType], Any]) -> None:
    """Give every record type that declares a `properties_field` its custom properties, whether it was
    registered before this call or is registered after it (apps' ready() run in INSTALLED_APPS order)."""
    _PROPERTY_SUPPORT[:] = [factory]
    for record_type in _REGISTRY.values():
        _attach_property_support(record_type)


def _attach_property_support(record_type: RecordType) -> None:
    if record_type.properties_field and record_type.properties is None and _PROPERTY_SUPPORT:
        record_type.properties = _PROPERTY_SUPPORT[0](record_type)
        if not record_type.services.cleans_properties:
            record_type.services = _cleaning_services(record_type)


def _cleaning_services(record_type: RecordType) -> Services:
    """The type's services, with `create` and `update` given cleaned custom properties: the changes in
    `values["properties"]` applied to the record's current ones and validated by the one cleaning path
    (ValidationError keyed `properties.<name>`, raised before the service runs)."""
    services = record_type.services
    create, update = services.create, services.update

    def cleaned(values: Any, record: Any) -> Any:
        if not isinstance(values, dict) or "properties" not in values:
            return values
        current = (getattr(record, record_type.properties_field, None) or {}) if record is not None else {}
        return {**values, "properties": record_type.properties.clean(current, values["properties"] or {})}

    def create_with_properties(**arguments: Any) -> Any:
        arguments["values"] = cleaned(arguments.get("values"), None)
        return create(**arguments)

    def update_with_properties(**arguments: Any) -> Any:
        arguments["values"] = cleaned(arguments.get("values"), arguments.get(services.record_argument))
        return update(**arguments)

    return dataclasses.replace(services, create=create_with_properties, update=update_with_properties)


def with_properties() -> list[RecordType]:
    """The record types that have custom properties, in registration order."""
    return [item for item in _REGISTRY.values() if item.properties_field]


def for_model(model: type[models.Model] | None) -> RecordType | None:
    """The record type whose records are rows of `model` (None when it is not a record type)."""
    if model is None:
        return None
    concrete = model._meta.concrete_model
    return next((item for item in _REGISTRY.values() if item.model._meta.concrete_model is concrete), None)


def get(object_type: str) -> RecordType:
    try:
        return _REGISTRY[object_type]
    except KeyError:
        raise LookupError(f"No record type “{object_type}” is registered.") from None


def all_types() -> list[RecordType]:
    return list(_REGISTRY.values())


def register_panel(object_type: str, panel: Panel) -> None:
    """Let an app put a section on a record type's page (deals on a company, tickets on a contact) without
    the owner of the page importing it. Call from the contributing app's `AppConfig.ready()`."""
    panels = [item for item in _PANELS.get(object_type, []) if item.key != panel.key]
    panels.append(panel)
    _PANELS[object_type] = sorted(panels, key=lambda item: (item.order, item.key))


def panels_for(object_type: str) -> list[Panel]:
    return list(_PANELS.get(object_type, []))


# --- who a record's timeline entries land on ---------------------------------------------------------------
# A record that is not a contact or a company (a deal, later a ticket) has no timeline rows of its own: an
# entry about it is written on the people it concerns. The type's app says who they are, so an app below it
# (engagements: a call logged on a deal) can write there without importing it.
TimelinePeople = Callable[[int], tuple[int | None, list[int]]]
_TIMELINE_PEOPLE: dict[str, TimelinePeople] = {}


def register_timeline_people(object_type: str, people: TimelinePeople) -> None:
    """Declare, from the owning app's `ready()`, `people(record_id) -> (company_id, contact_ids)`: the company
    and the live contacts whose timelines show an entry about that record (None and [] for none)."""
    _TIMELINE_PEOPLE[object_type] = people


def timeline_people(object_type: str, record_id: int) -> tuple[int | None, list[int]] | None:
    """The company and contacts an entry about the record lands on, or None when its type declared nobody."""
    people = _TIMELINE_PEOPLE.get(object_type)
    return people(record_id) if people is not None else None
