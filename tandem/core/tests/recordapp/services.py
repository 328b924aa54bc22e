"""The widget's writes: everything the record layer calls (create, update, delete, restore, bulk)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tandem.core import access
from tandem.core.access import Verb
from tandem.core.models import User
from tandem.core.tests.recordapp.models import Widget


def _clean(actor, values: dict[str, Any], widget: Widget | None = None) -> dict[str, Any]:
    errors = {}
    cleaned: dict[str, Any] = {}
    if "properties" in values:
        # Cleaned already: the record layer validates custom properties before calling create and update.
        cleaned["properties"] = values["properties"]
    if "name" in values:
        cleaned["name"] = str(values["name"] or "").strip()
        max_length = Widget._meta.get_field("name").max_length
        if not cleaned["name"]:
            errors["name"] = "Give the widget a name."
        elif len(cleaned["name"]) > max_length:
            errors["name"] = f"At most {max_length} characters."
    if "colour" in values:
        cleaned["colour"] = values["colour"] or Widget.Colour.RED
        if cleaned["colour"] not in Widget.Colour.values:
            errors["colour"] = "Choose red or blue."
    if "owner" in values:
        owner = User.objects.filter(pk=values["owner"], is_active=True).first() if values["owner"] else None
        cleaned["owner"] = owner
        cleaned["team"] = owner.team if owner else None
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def create_widget(*, actor, values, request=None) -> Widget:
    access.require_allowed(actor, "widget", Verb.CREATE)
    cleaned = _clean(actor, {"owner": actor.pk, **values})
    return Widget.objects.create(**cleaned)


class StaleWidget(ValidationError):
    """The widget changed since the version the caller read."""


def widget_version(widget: Widget) -> str:
    return widget.updated_at.isoformat()


@transaction.atomic
def update_widget(
    *, actor, widget: Widget, values, request=None, expected_version: str | None = None
) -> Widget:
    access.require(actor, Verb.CHANGE, widget)
    if expected_version is not None:
        current = Widget.objects.select_for_update().get(pk=widget.pk)
        if widget_version(current) != expected_version:
            raise StaleWidget("This widget changed since you opened it.")
    cleaned = _clean(actor, values, widget)
    for name, value in cleaned.items():
        setattr(widget, name, value)
    widget.save(update_fields=[*cleaned, "updated_at"])
    return widget


@transaction.atomic
def delete_widget(*, actor, widget: Widget, request=None) -> Widget:
    access.require(actor, Verb.DELETE, widget)
    widget.deleted_at = timezone.now()
    widget.save(update_fields=["deleted_at"])
    return widget


@transaction.atomic
def restore_widget(*, actor, widget: Widget, request=None) -> Widget:
    access.require(actor, Verb.DELETE, widget)
    widget.deleted_at = None
    widget.save(update_fields=["deleted_at"])
    return widget


@transaction.atomic
def bulk_update_widgets(*, actor, widget_ids, action: str, value=None, request=None) -> int:
    """Set colour or move to the trash, for the widgets among `widget_ids` the actor may change."""
    live = Widget.objects.filter(pk__in=widget_ids, deleted_at__isnull=True)
    if action == "set_colour":
        if value not in Widget.Colour.values:
            raise ValidationError("Choose red or blue.")
        return access.scope_queryset(actor, Verb.CHANGE, live).exclude(colour=value).update(colour=value)
    if action == "delete":
        return access.scope_queryset(actor, Verb.DELETE, live).update(deleted_at=timezone.now())
    raise ValidationError("Choose one of the actions offered.")
