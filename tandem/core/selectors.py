"""Page-shaped reads for the settings pages: users, teams and the audit log."""

import datetime
from dataclasses import dataclass, field

from allauth.mfa.models import Authenticator
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst

from tandem.core import audit
from tandem.core.models import Team, User
from tandem.core.pagination import Page, SortKey, paginate
from tandem.core.records import registry
from tandem.core.records.fields import AUDIT_PROPERTY_PREFIX, property_key, property_name

AUDIT_PAGE_SIZE = 50
AUDIT_SORT = SortKey(("timestamp", "id"), descending=True)

# Where an audited object's page lives, for what is not a record type (a record type's page is its
# declaration's detail URL). A page that does not exist simply gets no link.
OBJECT_PAGES = {"core.user": "core:user_edit"}
ACTION_LABELS = {
    audit.Action.CREATE: "Created",
    audit.Action.UPDATE: "Updated",
    audit.Action.DELETE: "Deleted",
    audit.Action.ACCESS: "Access",
}


def user_list() -> QuerySet[User]:
    """Every user with their team and whether they have an authenticator app, by name."""
    has_totp = Exists(Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP))
    return (
        User.objects.select_related("team")
        .annotate(has_totp=has_totp)
        .order_by("-is_active", "first_name", "last_name", "email")
    )


def team_list() -> QuerySet[Team]:
    return Team.objects.annotate(member_count=Count("members")).order_by("name")


def user_has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


@dataclass
class AuditFilters:
    actor_id: int | None = None
    content_type_id: int | None = None
    action: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


@dataclass
class AuditRow:
    entry: LogEntry
    url: str = ""
    changes: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    @property
    def event(self) -> str:
        data = self.entry.additional_data
        return data.get("event", "") if isinstance(data, dict) else ""

    @property
    def event_label(self) -> str:
        return audit.event_label(self.event)

    @property
    def action_label(self) -> str:
        """The action in the words the filter uses ("Created", "Updated", "Deleted", "Access")."""
        return ACTION_LABELS.get(self.entry.action, "")


def audit_content_types() -> list[ContentType]:
    """The object types the audit page filters by: every registered record type and the non-record models
    apps audit (audit.register_object_models), in the order of their names."""
    models_by_label = {
        f"{item.model._meta.app_label}.{item.model._meta.model_name}": item.model
        for item in registry.all_types()
    }
    for label in audit.object_models():
        app_label, _, model_name = label.partition(".")
        try:
            models_by_label[label] = apps.get_model(app_label, model_name)
        except LookupError:
            continue  # an app that is not installed here (a registration must not break the page)
    content_types = ContentType.objects.get_for_models(*models_by_label.values()).values()
    return sorted(content_types, key=lambda item: str(item.model_class()._meta.verbose_name).lower())


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def audit_entries(filters: AuditFilters) -> QuerySet[LogEntry]:
    queryset = LogEntry.objects.select_related("actor", "content_type")
    if filters.actor_id:
        queryset = queryset.filter(actor_id=filters.actor_id)
    if filters.content_type_id:
        queryset = queryset.filter(content_type_id=filters.content_type_id)
    if filters.action is not None:
        queryset = queryset.filter(action=filters.action)
    if filters.date_from:
        queryset = queryset.filter(timestamp__gte=_day_start(filters.date_from))
    if filters.date_to:
        queryset = queryset.filter(timestamp__lt=_day_start(filters.date_to + datetime.timedelta(days=1)))
    return queryset


def _model_field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def field_label(model: type[models.Model] | None, name: str) -> str:
    """A changed field as people call it, when no record type names it: the model field's verbose name
    ("Role"), or the code spelled out (a property no longer defined by its name: "Budget band")."""
    model_field = _model_field(model, name)
    if model_field is not None:
        return capfirst(str(model_field.verbose_name))
    return (property_name(name) or name).replace("_", " ").strip().capitalize()


def change_labels(model: type[models.Model] | None) -> dict[str, str]:
    """The labels of an audited model's diff keys, from its record type's field catalogue (keyed by the
    model attribute a diff names: "lifecycle_stage" -> "Lifecycle stage") and its custom properties
    (both spellings of a property's key). Empty for a model that is not a record type."""
    record_type = registry.for_model(model)
    if record_type is None:
        return {}
    labels = {item.attribute: item.label for item in record_type.fields}
    if record_type.properties is not None:
        for definition in record_type.properties.definitions():
            labels[property_key(definition.name)] = definition.label
            labels[AUDIT_PROPERTY_PREFIX + definition.name] = definition.label
    return labels


def _value_label(choices: dict[str, str], value):
    """A stored choice ("mql") as its label ("Marketing qualified lead"); anything else as stored."""
    if value is None or not choices:
        return value
    return choices.get(str(value), value)


def _changes(entry: LogEntry, labels: dict[str, str]) -> list[tuple[str, str | None, str | None]]:
    data = entry.changes
    if not isinstance(data, dict):
        return []
    model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
    rows = []
    for name, pair in data.items():
        model_field = _model_field(model, str(name))
        choices = {str(key): str(label) for key, label in (model_field.flatchoices if model_field else [])}
        label = labels.get(str(name)) or field_label(model, str(name))
        if isinstance(pair, list | tuple) and len(pair) == 2:
            rows.append((label, _value_label(choices, pair[0]), _value_label(choices, pair[1])))
        else:
            rows.append((label, None, _value_label(choices, str(pair))))
    return rows


def _existing_links(entries: list[LogEntry]) -> dict[tuple[int, str], str]:
    """Links for the objects on this page that still exist: one query per object type shown."""
    wanted: dict[int, set[str]] = {}
    for entry in entries:
        wanted.setdefault(entry.content_type_id, set()).add(entry.object_pk)
    links: dict[tuple[int, str], str] = {}
    for content_type_id, object_pks in wanted.items():
        content_type = ContentType.objects.get_for_id(content_type_id)
        model = content_type.model_class()
        record_type = registry.for_model(model)
        view_name = (
            record_type.url_name("detail")
            if record_type is not None
            else OBJECT_PAGES.get(f"{content_type.app_label}.{content_type.model}")
        )
        if view_name is None or model is None:
            continue
        queryset = model._default_manager.filter(pk__in=[pk for pk in object_pks if pk.isdigit()])
        if any(item.name == "deleted_at" for item in model._meta.get_fields()):
            queryset = queryset.filter(deleted_at__isnull=True)
        for pk in queryset.values_list("pk", flat=True):
            try:
                links[(content_type_id, str(pk))] = reverse(view_name, args=[pk])
            except NoReverseMatch:
                break
    return links


def audit_page(filters: AuditFilters, cursor: str | None = None, limit: int | None = None) -> Page:
    """One page of the audit log, newest first, keyset-paged on (timestamp, id); rows are AuditRow."""
    page = paginate(audit_entries(filters), AUDIT_SORT, cursor, limit or AUDIT_PAGE_SIZE)
    links = _existing_links(page.rows)
    # Labels once per object type on the page (a record type's custom properties are one query).
    labels = {
        content_type_id: change_labels(ContentType.objects.get_for_id(content_type_id).model_class())
        for content_type_id in {entry.content_type_id for entry in page.rows if entry.changes}
    }
    page.rows = [
        AuditRow(
            entry=entry,
            url=links.get((entry.content_type_id, entry.object_pk), ""),
            changes=_changes(entry, labels.get(entry.content_type_id, {})),
        )
        for entry in page.rows
    ]
    return page
