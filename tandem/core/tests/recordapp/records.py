"""The widget as a record type: the whole of what a new record type writes to get its pages."""

from dataclasses import dataclass, field

from django.utils.html import format_html

from tandem.core import access, navigation, timeline
from tandem.core.access import Verb
from tandem.core.models import Role
from tandem.core.pagination import SortKey, paginate
from tandem.core.records import registry
from tandem.core.records.fields import Cell, Field
from tandem.core.records.registry import (
    BulkAction,
    Filter,
    RecordApi,
    RecordType,
    Selectors,
    Services,
    Sort,
)
from tandem.core.tests.recordapp import services
from tandem.core.tests.recordapp.models import Widget

SORTS = {
    "newest": SortKey(("created_at", "id"), descending=True),
    "name": SortKey(("name", "id"), descending=False),
}


@dataclass
class WidgetFilters:
    search: str = ""
    colours: list[str] = field(default_factory=list)
    owner_ids: list[int] = field(default_factory=list)
    unowned: bool = False
    properties: list = field(default_factory=list)  # custom-property conditions, from the query grammar


def _visible(user):
    return access.scope_queryset(user, Verb.VIEW, Widget.objects.filter(deleted_at__isnull=True))


def _filtered(user, filters: WidgetFilters):
    queryset = _visible(user)
    if filters.search:
        queryset = queryset.filter(name__icontains=filters.search)
    if filters.colours:
        queryset = queryset.filter(colour__in=filters.colours)
    if filters.owner_ids or filters.unowned:
        from django.db.models import Q

        condition = Q(owner_id__in=filters.owner_ids)
        if filters.unowned:
            condition |= Q(owner__isnull=True)
        queryset = queryset.filter(condition)
    # Custom-property conditions are the record layer's (RecordType.filtered); the list is its default
    # one (filtered, paged by the sort's order, counted), so this type declares neither.
    return queryset.select_related("owner")


def _detail(user, pk):
    return access.get_object_or_deny(user, Verb.VIEW, Widget.objects.filter(deleted_at__isnull=True), pk=pk)


def _trash(user, cursor=None):
    queryset = access.scope_queryset(user, Verb.DELETE, Widget.objects.filter(deleted_at__isnull=False))
    return paginate(queryset, SortKey(("deleted_at", "id"), descending=True), cursor, 50)


WIDGET = RecordType(
    object_type="widget",
    model=Widget,
    namespace="widgets",
    url_prefix="widgets",
    verbose_name="widget",
    verbose_name_plural="widgets",
    fields=[
        Field("name", "Name", section="main", column=False, fact=False),
        Field("colour", "Colour", section="main", widget="select", choices=tuple(Widget.Colour.choices)),
        Field(
            "owner",
            "Owner",
            section="main",
            widget="owner",
            display=lambda widget: Cell(widget.owner.display_name if widget.owner_id else "Unowned"),
        ),
    ],
    filters_factory=WidgetFilters,
    filters=[
        Filter("q", "Search", "search", "search"),
        Filter("colour", "Colour", "choice", "colours", choices=tuple(Widget.Colour.choices)),
        Filter("owner", "Owner", "owner", "owner_ids", unowned_attribute="unowned"),
    ],
    sorts=[Sort("newest", "Newest first", SORTS["newest"]), Sort("name", "Name A–Z", SORTS["name"])],
    default_columns=["colour", "owner"],
    selectors=Selectors(detail=_detail, filtered=_filtered, trash=_trash),
    services=Services(
        create=services.create_widget,
        update=services.update_widget,
        delete=services.delete_widget,
        restore=services.restore_widget,
        bulk=services.bulk_update_widgets,
        record_argument="widget",
        ids_argument="widget_ids",
        version=services.widget_version,
        stale_error=services.StaleWidget,
    ),
    bulk_actions=[
        BulkAction("set_colour", "Set colour", "choice", "colour", "Colour", tuple(Widget.Colour.choices)),
        BulkAction("delete", "Move to trash", destructive=True),
    ],
    title=lambda widget: widget.name,
    subtitle=lambda widget: widget.get_colour_display(),
    search_placeholder="Search widgets",
    empty_text="Widgets exist only in the tests.",
    properties_field="properties",
    api=RecordApi(),
)


# A hub's own timeline kind: a widget painted for a contact. Declared here only; the contact's timeline shows
# it with this icon, heading and link without contacts knowing widgets (tandem/core/timeline.py).
WIDGET_ICON = '<rect x="4" y="4" width="16" height="16" rx="3"/><path d="M9 12h6"/>'


def painted_heading(entry, loaded) -> str:
    colours = dict(Widget.Colour.choices)
    colour = colours.get((entry.details or {}).get("colour"), "an unknown colour")
    return format_html("Widget painted {}", colour.lower())


WIDGET_PAINTED = timeline.TimelineKind(
    key="widget_painted",
    label="Widget painted",
    icon="widget",
    tone="success",
    render=painted_heading,
    details=lambda entry, loaded: timeline.note_text(entry.body),
    link=timeline.url_link("widgets:widget_detail", subject_type="widget"),
)


def register() -> None:
    registry.register(WIDGET)
    navigation.register_icon("widget", WIDGET_ICON)
    timeline.register_kind(WIDGET_PAINTED)
    E, T, OWN, N = access.Scope.EVERYTHING, access.Scope.TEAM, access.Scope.OWNED, access.Scope.NONE
    access.register_object_type(
        "widget",
        {
            Role.ADMIN: access.grants(E, E, E, E),
            Role.MARKETING: access.grants(E, E, E, T),
            Role.SALES: access.grants(E, E, T, OWN),
            Role.SERVICE: access.grants(E, E, T, N),
            Role.READ_ONLY: access.grants(T, N, N, N),
        },
    )
