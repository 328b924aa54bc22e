"""The audit log: who created, changed (with the field diff) or deleted what, and every login, permission
and token change. Rows are written here and by nothing else; the app has no path that edits or deletes
them (the admin list is read-only and django-auditlog's LogEntry is never exposed to a form)."""

from collections.abc import Iterable
from typing import Any

from auditlog.models import LogEntry
from django.contrib.auth import signals as auth_signals
from django.contrib.contenttypes.models import ContentType
from django.db import models

Action = LogEntry.Action


def _remote_addr(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    *,
    actor,
    action: int,
    target: models.Model,
    changes: dict[str, list[Any]] | None = None,
    event: str = "",
    request=None,
    extra: dict[str, Any] | None = None,
) -> LogEntry:
    """Write one audit row. `changes` maps field name to [old, new] as display strings."""
    return LogEntry.objects.create(
        # `_meta.model`, not type(): the logout signal passes request.user, a lazy proxy of the user.
        content_type=ContentType.objects.get_for_model(target._meta.model),
        object_pk=str(target.pk),
        object_id=target.pk if isinstance(target.pk, int) else None,
        object_repr=str(target)[:500],
        action=action,
        changes=_stringify(changes) if changes else None,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        remote_addr=_remote_addr(request),
        additional_data={"event": event, **(extra or {})} if event or extra else None,
    )


def record_many(
    *,
    actor,
    action: int,
    model: type[models.Model],
    targets: Iterable[tuple[int, str, dict[str, list[Any]] | None]],
    event: str,
    extra: dict[str, Any] | None = None,
) -> int:
    """Write audit rows for a bulk action in one statement per thousand: (pk, repr, changes) each."""
    content_type = ContentType.objects.get_for_model(model)
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    additional_data = {"event": event, **(extra or {})}
    rows = [
        LogEntry(
            content_type=content_type,
            object_pk=str(pk),
            object_id=pk,
            object_repr=representation[:500],
            action=action,
            changes=_stringify(changes) if changes else None,
            actor_id=actor_id,
            additional_data=additional_data,
        )
        for pk, representation, changes in targets
    ]
    LogEntry.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose values differ, as {field: [old, new]}."""
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def record_changes(
    *,
    actor,
    target: models.Model,
    before: dict[str, Any],
    after: dict[str, Any],
    event: str,
    request=None,
    also: dict[str, list[Any]] | None = None,
    action: int = Action.UPDATE,
) -> dict[str, list[Any]]:
    """Write one audit row for a change of `target`: the fields whose values differ between two snapshots
    (`diff(before, after)`), plus `also` (changes a snapshot cannot show, such as a secret's "set → changed"
    or a list of links). Writes nothing when nothing differs, so a save that changes nothing leaves no row.
    Returns the changes written ({} for none)."""
    changes = {**diff(before, after), **(also or {})}
    if changes:
        record(actor=actor, action=action, target=target, changes=changes, event=event, request=request)
    return changes


def _stringify(changes: dict[str, list[Any]]) -> dict[str, list[str | None]]:
    return {name: [None if value is None else str(value) for value in pair] for name, pair in changes.items()}


def _on_login(sender, request, user, **kwargs) -> None:
    record(actor=user, action=Action.ACCESS, target=user, event="login", request=request)


def _on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(actor=user, action=Action.ACCESS, target=user, event="logout", request=request)


def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    from tandem.core.models import User

    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    user = User.objects.filter(email__iexact=email).first() if email else None
    if user is not None:
        record(actor=None, action=Action.ACCESS, target=user, event="login_failed", request=request)


# What each audit event code means in words, contributed by the app that records it (its AppConfig.ready()):
# the audit log shows "Stage set in bulk", never `bulk_set_stage`.
_EVENT_LABELS: dict[str, str] = {
    "login": "Logged in",
    "logout": "Logged out",
    "login_failed": "Failed login",
    "user_created": "User created",
    "permission_changed": "Role or team changed",
}


def register_event_labels(labels: dict[str, str]) -> None:
    _EVENT_LABELS.update(labels)


# Models an app audits that are not record types (users, teams, tokens, jobs), as "app_label.model_name":
# the audit page's object-type filter offers these and every registered record type.
_OBJECT_MODELS: list[str] = []


def register_object_models(*labels: str) -> None:
    """Offer audited non-record models ("core.user") in the audit page's object-type filter. Call from the
    auditing app's AppConfig.ready(); record types are offered without this (from the record registry)."""
    for label in labels:
        if label.lower() not in _OBJECT_MODELS:
            _OBJECT_MODELS.append(label.lower())


def object_models() -> list[str]:
    return list(_OBJECT_MODELS)


def event_label(code: str) -> str:
    """The event in words; an unregistered code is spelled out ("some_event" → "Some event")."""
    if not code:
        return ""
    return _EVENT_LABELS.get(code) or code.replace("_", " ").strip().capitalize()


def connect_authentication_signals() -> None:
    auth_signals.user_logged_in.connect(_on_login, dispatch_uid="tandem_audit_login")
    auth_signals.user_logged_out.connect(_on_logout, dispatch_uid="tandem_audit_logout")
    auth_signals.user_login_failed.connect(_on_login_failed, dispatch_uid="tandem_audit_login_failed")
