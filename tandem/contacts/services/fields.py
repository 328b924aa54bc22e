"""Checks shared by the contact and company write paths: owners, countries, plain text fields."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from tandem.contacts import normalize
from tandem.core import access, audit
from tandem.core.access import Scope, Verb
from tandem.core.models import User


def clean_text(values: dict[str, Any], name: str, max_length: int, errors: dict[str, str]) -> str:
    raw = values.get(name)
    text = "" if raw is None else str(raw).strip()
    if len(text) > max_length:
        errors[name] = f"At most {max_length} characters."
    return text


def clean_country(raw: Any, errors: dict[str, str]) -> str:
    """The ISO code, through the one country cleaner every write path uses (imports too): codes, English
    names and the common aliases (USA, United States, UK, Great Britain…) are accepted."""
    try:
        return normalize.normalize_country(raw)
    except ValidationError as error:
        errors["country"] = error.messages[0]
        return ""


def clean_owner(actor: User | None, raw: Any, object_type: str, errors: dict[str, str]) -> User | None:
    """The owner to set, checked: an active user, and someone the actor may hand records to."""
    if raw in (None, ""):
        return None
    if isinstance(raw, User):
        owner = raw
    else:
        try:
            owner = User.objects.filter(pk=int(raw), is_active=True).first()
        except (TypeError, ValueError):
            owner = None
    if owner is None or not owner.is_active:
        errors["owner"] = "Choose an active user as the owner."
        return None
    # Someone who may only change what they own cannot give records away (or take others').
    may_reassign = (
        access.scope_for(actor, object_type, Verb.CHANGE) in (Scope.EVERYTHING, Scope.TEAM) if actor else True
    )
    if actor is not None and owner.pk != actor.pk and not may_reassign:
        errors["owner"] = "You can only assign records to yourself."
        return None
    return owner


def email_columns(email: str | None) -> dict[str, str]:
    """The columns derived from a contact's email, written with it: its domain and its suppression key."""
    return {
        "email_domain": normalize.email_domain(email),
        "address_hash": normalize.address_hash(email) if email else "",
    }


def check_reassignment(actor: User | None, record: models.Model, new_owner: User | None) -> None:
    """Refuse giving `record` to `new_owner` when that would let the actor do more with it than they may
    now (access.can_reassign: what one may not do in one step one may not do in two)."""
    if actor is None or getattr(new_owner, "pk", None) == record.owner_id:
        return
    if not access.can_reassign(actor, record, new_owner):
        noun = record._meta.verbose_name
        raise ValidationError(
            {
                "owner": f"You cannot give this {noun} that owner: it would let you do more with it than you may now."
            }
        )


def snapshot(instance: models.Model, names: list[str]) -> dict[str, Any]:
    """Field values in a comparable, display-ready form for diffs and the audit log."""
    result: dict[str, Any] = {}
    for name in names:
        field = instance._meta.get_field(name)
        value = getattr(instance, field.attname)
        result[name] = str(value) if value is not None and name == "country" else value
    return result


def creation_diff(instance: models.Model, names: list[str]) -> dict[str, list[Any]]:
    """The audit diff of a new record: each field given a value, and each custom property.

    Blank fields are left out: "job title: (none) -> (blank)" says nothing happened and buries what did.
    """
    values = {name: value for name, value in snapshot(instance, names).items() if value not in ("", None)}
    values.update({f"properties.{name}": value for name, value in (instance.properties or {}).items()})
    return audit.diff({}, values)


def raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def parse_ids(values: Iterable[Any], field: str) -> list[int]:
    """Record ids from a form or API list, sorted and unique; anything that is not an id is refused."""
    try:
        return sorted({int(value) for value in values})
    except (TypeError, ValueError) as error:
        raise ValidationError({field: "Select records by their ids."}) from error
