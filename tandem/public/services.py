"""Signed public links: create, revoke, resolve, spend.

A link's token is 256 random bits (`secrets.token_urlsafe(32)`), shown once to the caller (who puts it in a
URL) and stored only as its SHA-256. Resolving looks the hash up by equality: the database compares digests,
so how long a comparison takes says nothing about the token itself (a timing difference could only reveal a
prefix of a hash, which does not help find a preimage).
"""

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from tandem.public import registry
from tandem.public.models import PublicLink

TOKEN_BYTES = 32


class LinkError(Exception):
    """A link that cannot be used; `title`, `message` and `status` are what the public error page shows."""

    status = 404
    title = "This link does not work"
    message = "It may have been cut short when it was copied. Open it straight from the message you received."


class UnknownLink(LinkError):
    pass


class ExpiredLink(LinkError):
    status = 410
    title = "This link has expired"
    message = "Links like this one work for a limited time. Ask whoever sent it for a new one."


class RevokedLink(LinkError):
    status = 410
    title = "This link was withdrawn"
    message = "It has been replaced or cancelled. If you received a newer message, use the link in that one."


class UsedLink(LinkError):
    status = 410
    title = "This link was already used"
    message = "It works only once, and it has done its job: there is nothing more to do."


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(purpose: str, token: str, *, absolute: bool = True) -> str:
    """The address of a link's page, absolute (for emails) unless asked otherwise."""
    path = reverse("public:link", args=[purpose, token])
    return settings.SITE_URL + path if absolute else path


def _target_filter(target: models.Model) -> dict:
    return {"target_type": ContentType.objects.get_for_model(target._meta.model), "target_id": target.pk}


def create_link(
    *, purpose: str, target: models.Model, expires_at: datetime | None = None, single_use: bool = False
) -> tuple[PublicLink, str]:
    """A new link for `purpose` (which must be registered) pointing at `target`. Returns the row and the token;
    the token is not stored and cannot be recovered later."""
    if registry.get(purpose) is None:
        raise ValueError(f"No public link purpose named {purpose!r} is registered.")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = PublicLink.objects.create(
        purpose=purpose,
        token_hash=hash_token(token),
        expires_at=expires_at,
        single_use=single_use,
        **_target_filter(target),
    )
    return link, token


def revoke_link(*, link: PublicLink) -> bool:
    """Withdraw a link; True if this call withdrew it (False: it already was)."""
    now = timezone.now()
    changed = PublicLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=now)
    if changed:
        link.revoked_at = now
    return bool(changed)


def revoke_links(*, purpose: str, target: models.Model) -> int:
    """Withdraw every live link of `purpose` for `target` (a newer link replaces them); returns how many."""
    return PublicLink.objects.filter(
        purpose=purpose, revoked_at__isnull=True, **_target_filter(target)
    ).update(revoked_at=timezone.now())


def resolve(token: str, purpose: str) -> PublicLink:
    """The live link for `token` and `purpose`, or UnknownLink / UsedLink / RevokedLink / ExpiredLink (checked
    in that order: a spent link says so even if it was withdrawn later). Changes nothing."""
    link = PublicLink.objects.filter(token_hash=hash_token(token), purpose=purpose).first()
    if link is None:
        raise UnknownLink()
    if link.used_at is not None:
        raise UsedLink()
    if link.revoked_at is not None:
        raise RevokedLink()
    if link.expires_at is not None and link.expires_at <= timezone.now():
        raise ExpiredLink()
    return link


def note_opened(*, link: PublicLink) -> None:
    """Record that the link's page was shown (the one write a GET makes)."""
    link.last_opened_at = timezone.now()
    PublicLink.objects.filter(pk=link.pk).update(last_opened_at=link.last_opened_at)


def spend_link(*, link: PublicLink) -> None:
    """Mark a single-use link used, inside the caller's transaction; raises UsedLink when another request
    spent it first (the conditional update is what makes two simultaneous POSTs act once)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("spend_link must run inside the transaction of the action it guards.")
    now = timezone.now()
    if not PublicLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now):
        raise UsedLink()
    link.used_at = now


def target_of(link: PublicLink) -> models.Model | None:
    """The object the link points at, or None if it was deleted since."""
    model = link.target_type.model_class()
    return model.objects.filter(pk=link.target_id).first() if model is not None else None
