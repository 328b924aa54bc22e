"""Writes on API tokens: create (the plain token is returned once and never stored), revoke, and the
bookkeeping of authentication. Token changes are audit-logged."""

import hashlib
import hmac
import secrets
import string
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.api.models import ApiScope, ApiToken
from tandem.core import access, audit
from tandem.core.access import Verb

TOKEN_MARK = "tdm_"  # noqa: S105 (a marker that makes leaked tokens greppable, not a secret)
PREFIX_LENGTH = 8
PREFIX_ALPHABET = string.ascii_lowercase + string.digits
# Writing last_used_at on every request would turn each read into a write; a minute is precise enough.
LAST_USED_PRECISION_SECONDS = 60


def hash_token(plain_token: str) -> str:
    return hashlib.sha256(plain_token.encode("utf-8")).hexdigest()


def may_manage_all_tokens(user) -> bool:
    """Admins (who manage users) may list and revoke anyone's token; everyone else only their own."""
    return access.allows(user, "user", Verb.CHANGE)


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(str(scope) for scope in scopes))
    unknown = [scope for scope in chosen if scope not in ApiScope.values]
    if unknown:
        raise ValidationError({"scopes": f"“{unknown[0][:40]}” is not a scope."})
    if not chosen:
        raise ValidationError({"scopes": "Choose at least one scope."})
    # Stored in the order of the scope list, so the same choice always reads the same.
    return [scope for scope in ApiScope.values if scope in chosen]


@transaction.atomic
def create_token(*, actor, name: str, scopes: Iterable[str], expires_at=None, request=None):
    """A new token for `actor`: returns (ApiToken, plain token). The plain token exists only in this
    return value; the database keeps its prefix and SHA-256."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied("Only an active user can create an API token.")
    errors: dict[str, str] = {}
    cleaned_name = " ".join(str(name or "").split())
    if not cleaned_name:
        errors["name"] = "Give the token a name, e.g. the integration that uses it."
    elif len(cleaned_name) > 100:
        errors["name"] = "At most 100 characters."
    try:
        cleaned_scopes = _clean_scopes(scopes)
    except ValidationError as error:
        errors.update({key: messages[0] for key, messages in error.message_dict.items()})
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = "The expiry must be in the future."
    if errors:
        raise ValidationError(errors)
    for _attempt in range(5):
        prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
        plain_token = f"{TOKEN_MARK}{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=actor,
                    name=cleaned_name,
                    prefix=prefix,
                    secret_hash=hash_token(plain_token),
                    scopes=cleaned_scopes,
                    expires_at=expires_at,
                )
            break
        except IntegrityError:
            # A prefix collision (36^8 values): draw again.
            continue
    else:  # pragma: no cover - five collisions in a row do not happen
        raise ValidationError("Could not create a token; try again.")
    audit.record(
        actor=actor,
        action=audit.Action.CREATE,
        target=token,
        event="api_token_created",
        request=request,
        changes={
            "name": [None, token.name],
            "scopes": [None, " ".join(cleaned_scopes)],
            "expires_at": [None, expires_at.isoformat() if expires_at else None],
        },
    )
    return token, plain_token


@transaction.atomic
def revoke_token(*, actor, token: ApiToken, request=None) -> ApiToken:
    """Revoke a token at once. Its owner may revoke it, and so may an admin; revoking twice is a no-op."""
    if token.user_id != getattr(actor, "pk", None) and not may_manage_all_tokens(actor):
        raise PermissionDenied("You may only revoke your own tokens.")
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        target=token,
        event="api_token_revoked",
        request=request,
        changes={"revoked_at": [None, token.revoked_at.isoformat()]},
        extra={"token_user_id": token.user_id},
    )
    return token


def authenticate_token(plain_token: str) -> ApiToken | None:
    """The active token this string is, with its active user, or None. Notes when it was last used."""
    if not plain_token.startswith(TOKEN_MARK) or len(plain_token) > 200:
        return None
    prefix = plain_token[len(TOKEN_MARK) : len(TOKEN_MARK) + PREFIX_LENGTH]
    if plain_token[len(TOKEN_MARK) + PREFIX_LENGTH : len(TOKEN_MARK) + PREFIX_LENGTH + 1] != "_":
        return None
    token = ApiToken.objects.select_related("user", "user__team").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, hash_token(plain_token)):
        return None
    now = timezone.now()
    if not token.is_active_at(now) or not token.user.is_active:
        return None
    if (
        token.last_used_at is None
        or (now - token.last_used_at).total_seconds() >= LAST_USED_PRECISION_SECONDS
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
