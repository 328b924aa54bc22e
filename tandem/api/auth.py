"""Bearer-token authentication for the API, with the per-token rate limit and the scope check.

Every operation names the scope it needs (`TokenAuth("contacts:read")`); the token's user is then the
actor for the access helpers, so a token never does more than its user's role allows.
"""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from ninja.security import HttpBearer

from tandem.api.errors import MissingScope, RateLimited
from tandem.api.models import ApiToken
from tandem.api.services import authenticate_token

RATE_WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateLimitState:
    """Where a token stands in its window, sent on every answer as the IETF draft's RateLimit-* fields
    (draft-ietf-httpapi-ratelimit-headers): the limit per window, the requests left in it, and the
    seconds until it resets."""

    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


def check_rate_limit(token: ApiToken) -> RateLimitState:
    """A fixed one-minute window per token, counted in the shared cache (Redis when several web nodes).
    Raises RateLimited past the limit; the state it raises with or returns goes into the answer's headers."""
    limit = settings.TANDEM_API_RATE_LIMIT
    now = time.time()
    window = int(now // RATE_WINDOW_SECONDS)
    key = f"tandem:api-rate:{token.pk}:{window}"
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:
        # The key expired between add and incr (a window edge): this request opens the new count.
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS + 5)
        count = 1
    seconds_left = (window + 1) * RATE_WINDOW_SECONDS - now
    state = RateLimitState(
        limit=limit, remaining=max(0, limit - count), reset_seconds=max(1, math.ceil(seconds_left))
    )
    if count > limit:
        raise RateLimited(retry_after=seconds_left, state=state)
    return state


class TokenAuth(HttpBearer):
    def __init__(self, *scopes: str) -> None:
        # Several scopes: any one passes, for operations whose object type (contact or company) is known
        # only from the request; the operation then checks that type's own scope.
        super().__init__()
        self.scopes = scopes
        self.scope = " or ".join(scopes)

    def authenticate(self, request, token: str) -> ApiToken | None:
        api_token = authenticate_token(token.strip())
        if api_token is None:
            return None
        try:
            request.api_rate_limit = check_rate_limit(api_token)
        except RateLimited as limited:
            request.api_rate_limit = limited.state
            raise
        if not self.permits(api_token.scopes):
            raise MissingScope(self.scope)
        # The token's user is the actor of everything this request does.
        request.user = api_token.user
        return api_token

    def permits(self, scopes: list[str]) -> bool:
        return any(scope in scopes for scope in self.scopes)
