"""Writes to the brand kit: its fields, its logo. Each is atomic, checks the actor's right to edit the kit,
writes one audit row and publishes `brand.kit.changed`."""

import re
import urllib.parse
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from tandem.brand import events, logos
from tandem.brand.colours import normalise_hex
from tandem.brand.fonts import FONT_STACKS
from tandem.brand.models import BrandKit
from tandem.contacts.services import StaleRecord
from tandem.core import access, audit
from tandem.core.access import Verb
from tandem.core.events import publish

OBJECT_TYPE = BrandKit.access_object_type
MIN_PILLARS, MAX_PILLARS = 3, 5
PILLAR_TITLE_LENGTH, PILLAR_SENTENCE_LENGTH = 80, 240

SINGLE_LINE_FIELDS = (
    "name",
    "tagline",
    "target_customer",
    "category",
    "key_benefit",
    "main_alternative",
    "differentiator",
)
# Each social link and the hosts it may point at (the website may be anywhere).
SOCIAL_HOSTS: dict[str, tuple[str, ...]] = {
    "linkedin_url": ("linkedin.com",),
    "x_url": ("x.com", "twitter.com"),
    "facebook_url": ("facebook.com", "fb.com"),
    "instagram_url": ("instagram.com",),
    "youtube_url": ("youtube.com", "youtu.be"),
    "website_url": (),
}
EDITABLE_FIELDS = (
    *SINGLE_LINE_FIELDS,
    "primary_colour",
    "accent_colour",
    "heading_font",
    "body_font",
    "postal_address",
    *SOCIAL_HOSTS,
    "pillars",
)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_https_url = URLValidator(schemes=["https"])


def _field(name: str):
    return BrandKit._meta.get_field(name)


def _clean_text(name: str, value: Any, errors: dict[str, list[str]], *, multiline: bool = False) -> str:
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not multiline and "\n" in text:
        # Names and taglines end up in headers and subject lines: no line breaks.
        errors.setdefault(name, []).append("Write this on one line.")
    elif _CONTROL_CHARACTERS.search(text.replace("\n", "")):
        errors.setdefault(name, []).append("Remove the control characters from this text.")
    limit = _field(name).max_length
    if limit and len(text) > limit:
        errors.setdefault(name, []).append(f"At most {limit} characters (this has {len(text)}).")
    return text


def _clean_colour(name: str, value: Any, errors: dict[str, list[str]]) -> str:
    colour = normalise_hex(str(value or ""))
    if colour is None:
        errors.setdefault(name, []).append("Write the colour as a hex code like #3d4fd1.")
        return ""
    return colour


def _clean_social(name: str, value: Any, errors: dict[str, list[str]]) -> str:
    url = str(value or "").strip()
    if not url:
        return ""
    label = _field(name).verbose_name
    if len(url) > _field(name).max_length:
        errors.setdefault(name, []).append(f"At most {_field(name).max_length} characters.")
        return url
    try:
        _https_url(url)
    except ValidationError:
        what = "website" if name == "website_url" else f"{label} page"
        errors.setdefault(name, []).append(f"Give the full https:// address of your {what}.")
        return url
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    hosts = SOCIAL_HOSTS[name]
    if hosts and not any(host == allowed or host.endswith("." + allowed) for allowed in hosts):
        article = "an" if label[:1] in "AEIOUX" else "a"
        errors.setdefault(name, []).append(
            f"This is not {article} {label} address (it should be on {hosts[0]})."
        )
    return url


def _clean_pillars(value: Any, errors: dict[str, list[str]]) -> list[dict[str, str]]:
    if not isinstance(value, list | tuple):
        errors.setdefault("pillars", []).append("Pillars are a list of titles and sentences.")
        return []
    pillars: list[dict[str, str]] = []
    for position, item in enumerate(value, start=1):
        item = item if isinstance(item, dict) else {}
        title = " ".join(str(item.get("title") or "").split())
        sentence = " ".join(str(item.get("sentence") or "").split())
        if not title and not sentence:
            continue  # an empty row of the form
        if not title or not sentence:
            errors.setdefault("pillars", []).append(f"Pillar {position} needs both a title and a sentence.")
        if len(title) > PILLAR_TITLE_LENGTH or len(sentence) > PILLAR_SENTENCE_LENGTH:
            errors.setdefault("pillars", []).append(
                f"Pillar {position}: a title of at most {PILLAR_TITLE_LENGTH} characters and a sentence of at "
                f"most {PILLAR_SENTENCE_LENGTH}."
            )
        pillars.append({"title": title, "sentence": sentence})
    if pillars and not MIN_PILLARS <= len(pillars) <= MAX_PILLARS:
        errors.setdefault("pillars", []).append(
            f"Write {MIN_PILLARS} to {MAX_PILLARS} message pillars (there are {len(pillars)})."
        )
    return pillars


def clean_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The changes as they will be stored, or ValidationError mapping each bad field to sentences.
    Only EDITABLE_FIELDS may be changed (the logo has its own services)."""
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({"__all__": [f"The brand kit has no field {', '.join(unknown)}."]})
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    fonts = {font.key for font in FONT_STACKS}
    for name, value in changes.items():
        if name in SINGLE_LINE_FIELDS:
            cleaned[name] = _clean_text(name, value, errors)
        elif name == "postal_address":
            lines = [line.strip() for line in str(value or "").replace("\r", "\n").split("\n")]
            cleaned[name] = _clean_text(
                name, "\n".join(line for line in lines if line), errors, multiline=True
            )
        elif name in ("primary_colour", "accent_colour"):
            cleaned[name] = _clean_colour(name, value, errors)
        elif name in ("heading_font", "body_font"):
            if value not in fonts:
                errors.setdefault(name, []).append("Choose one of the listed fonts.")
            cleaned[name] = value
        elif name in SOCIAL_HOSTS:
            cleaned[name] = _clean_social(name, value, errors)
        elif name == "pillars":
            cleaned[name] = _clean_pillars(value, errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _locked_kit() -> BrandKit:
    """The kit's row, locked for this transaction (created with the defaults on the first write)."""
    BrandKit.objects.get_or_create(pk=1)
    return BrandKit.objects.select_for_update().get(pk=1)


def _display(name: str, value: Any) -> str:
    if name == "pillars":
        return "; ".join(f"{pillar['title']}: {pillar['sentence']}" for pillar in value)
    return str(value)


def _save(kit: BrandKit, *, actor, fields: list[str]) -> None:
    kit.version += 1
    kit.updated_at = timezone.now()
    kit.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    kit.save(update_fields=[*fields, "version", "updated_at", "updated_by"])
    publish(events.BRAND_KIT_CHANGED, version=kit.version)


@transaction.atomic
def update_brand_kit(
    *, actor, changes: dict[str, Any], expected_version: int | str | None, request=None
) -> BrandKit:
    """Apply `changes` (field name -> new value, any subset of EDITABLE_FIELDS) to the brand kit.

    Refused with PermissionDenied unless the actor may change the kit (admin, marketing); with
    ValidationError (field -> sentences) for bad values; with StaleRecord when `expected_version` (the
    version the client read; None to skip the check) is not the stored one. Writes only what differs: a save
    that changes nothing leaves the version, the audit log and the outbox as they were."""
    access.require_allowed(actor, OBJECT_TYPE, Verb.CHANGE)
    cleaned = clean_changes(changes)
    kit = _locked_kit()
    if expected_version is not None and str(expected_version).strip() != str(kit.version):
        raise StaleRecord(kit, str(kit.version))
    changed = {name: value for name, value in cleaned.items() if getattr(kit, name) != value}
    if not changed:
        return kit
    before = {name: _display(name, getattr(kit, name)) for name in changed}
    for name, value in changed.items():
        setattr(kit, name, value)
    _save(kit, actor=actor, fields=list(changed))
    audit.record_changes(
        actor=actor,
        target=kit,
        before=before,
        after={name: _display(name, value) for name, value in changed.items()},
        event="brand_kit_updated",
        request=request,
    )
    return kit


@transaction.atomic
def set_logo(*, actor, upload, request=None) -> BrandKit:
    """Check `upload` (a file-like object with .read and ideally .size) and make it the logo, stored as a PNG
    of at most 600 × 200 in the database. Refused with PermissionDenied unless the actor may change the kit,
    with ValidationError({"logo": [...]}) for anything but a real PNG, JPEG, WebP or GIF within the limits
    (see logos.normalise_logo). Checking happens before the row is locked."""
    access.require_allowed(actor, OBJECT_TYPE, Verb.CHANGE)
    logo = logos.normalise_logo(logos.read_upload(upload))
    kit = _locked_kit()
    before = f"{kit.logo_width} × {kit.logo_height} PNG" if kit.logo_hash else None
    kit.logo_png = logo.png
    kit.logo_hash = logo.content_hash
    kit.logo_width, kit.logo_height = logo.width, logo.height
    _save(kit, actor=actor, fields=["logo_png", "logo_hash", "logo_width", "logo_height"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=kit,
        changes={"logo": [before, f"{logo.width} × {logo.height} PNG"]},
        event="brand_logo_set",
        request=request,
    )
    return kit


@transaction.atomic
def remove_logo(*, actor, request=None) -> BrandKit:
    """Remove the logo (emails then show the business name instead). Refused with PermissionDenied unless
    the actor may change the kit; removing when there is none changes nothing."""
    access.require_allowed(actor, OBJECT_TYPE, Verb.CHANGE)
    kit = _locked_kit()
    if not kit.logo_hash:
        return kit
    before = f"{kit.logo_width} × {kit.logo_height} PNG"
    kit.logo_png, kit.logo_hash, kit.logo_width, kit.logo_height = None, "", 0, 0
    _save(kit, actor=actor, fields=["logo_png", "logo_hash", "logo_width", "logo_height"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=kit,
        changes={"logo": [before, None]},
        event="brand_logo_removed",
        request=request,
    )
    return kit
