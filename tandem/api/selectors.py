"""Reads of API tokens for the token page: a user's own, and (for admins) everyone else's."""

from django.db.models import QuerySet

from tandem.api.models import ApiToken
from tandem.api.services import may_manage_all_tokens


def own_tokens(user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def other_users_tokens(user, limit: int = 200) -> list[ApiToken]:
    """Other people's live tokens, for admins only (an empty list for everyone else)."""
    if not may_manage_all_tokens(user):
        return []
    queryset = ApiToken.objects.exclude(user=user).filter(revoked_at__isnull=True).select_related("user")
    return list(queryset.order_by("-created_at", "-id")[:limit])


def revocable_token(user, token_id: int) -> ApiToken | None:
    """The token `user` may revoke: their own, or anyone's for an admin; None otherwise."""
    queryset = ApiToken.objects.all() if may_manage_all_tokens(user) else ApiToken.objects.filter(user=user)
    return queryset.filter(pk=token_id).first()
